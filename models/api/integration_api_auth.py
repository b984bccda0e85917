# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The REST API's gate: who the caller is (an Odoo API key, ``res.users.apikeys``),
how many requests it may make (per key, and per address without a valid key),
and how large a body it may send. Runs before any query or body is looked at."""

import contextlib
import hashlib

from odoo import models
from odoo import tools
from odoo.addons.base.models.res_users import INDEX_SIZE

from ...tools import transactions
from ...tools.api_envelope import RequestRefused
from ...tools.api_envelope import bearer_token
from ..common.integration_rate_limit import address_scope

RATE_LIMIT_PARAM = "integration_hub.api_rate_limit"
DEFAULT_RATE_LIMIT = 600
# Requests without a valid key allowed per client address and minute, before
# that address gets 429 (system parameter).
UNAUTHENTICATED_LIMIT_PARAM = "integration_hub.api_unauthenticated_rate_limit"
DEFAULT_UNAUTHENTICATED_LIMIT = 60
# Largest request body accepted, in bytes (system parameter): larger ones get
# 413 without being read.
MAX_BODY_SIZE_PARAM = "integration_hub.api_max_body_size"
DEFAULT_MAX_BODY_SIZE = 1024 * 1024
# Methods whose request body is read (after authentication); others' is not.
BODY_METHODS = ("POST", "PUT", "PATCH")
RATE_WINDOW_SECONDS = 60
USER_GROUP = "integration_hub.group_integration_user"


class UnknownKeyError(Exception):
    """An API key that no active user holds (raised, so nothing is cached)."""


def _unauthenticated_scope(address):
    """The rate-limit key counting the failed authentications of ``address``."""
    return f"api-unauthenticated:{address_scope(address)}"


class IntegrationApiAuth(models.AbstractModel):
    """Authentication, rate limits and the body size of the REST API."""

    _name = "integration.api.auth"
    _description = "Integration REST API v1: authentication and limits"

    def _authenticate(self, req):
        """Return ``(api as the key's user, key digest)`` or raise 401/403 (429
        for an address past its limit of failed authentications)."""
        key = bearer_token(req.headers.get("Authorization"))
        if not key:
            self._refuse_unauthenticated(
                req, "Send an API key: Authorization: Bearer <key>."
            )
        digest = hashlib.sha256(key.encode()).hexdigest()
        try:
            uid = self._key_uid(digest, key, req.client_address)
        except UnknownKeyError:
            uid = None
        if not uid or not self._key_still_valid(uid, key[:INDEX_SIZE]):
            self._refuse_unauthenticated(req, "Unknown, expired or revoked API key.")
        user_api = self.with_user(uid)
        if not user_api.env.user.has_group(USER_GROUP):
            raise RequestRefused(
                403, "forbidden", "The key's user is not an Integration User."
            )
        return user_api, digest

    def _refuse_unauthenticated(self, req, message):
        """Raise 401 with ``message``; 429 instead once the client's address has
        failed to authenticate too often in the current minute.

        Only failures are counted, per address: a flood of wrong keys neither
        limits the clients that hold a valid one nor grows anything but one
        counter per address and minute.
        """
        key = _unauthenticated_scope(req.client_address)
        reset_in = (
            self.env["integration.rate.limit"]
            .sudo()
            ._refusal_over_limit(
                key, UNAUTHENTICATED_LIMIT_PARAM, DEFAULT_UNAUTHENTICATED_LIMIT
            )
        )
        if not reset_in:
            raise RequestRefused(
                401,
                "unauthorized",
                message,
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        raise RequestRefused(
            429,
            "rate_limited",
            "Too many requests without a valid API key from this address.",
            headers={"Retry-After": str(reset_in)},
        )

    @tools.ormcache("digest")
    def _key_uid(self, digest, key, client_address=None):
        """The user id of API ``key`` (hashed as ``digest``); raise
        :class:`UnknownKeyError` when no active user holds it.

        Checking a key costs a query and a PBKDF2 verification; it is done once
        per key and process. Revocation and expiry are checked on every request
        by :meth:`_key_still_valid`, so this cache never grants a dead key. An
        unknown key raises rather than returning None: nothing is cached for it,
        so made-up keys can neither fill the cache nor push the real ones out.
        And an address this process already refuses (see
        :meth:`_refuse_unauthenticated`) gets no verification at all.
        """
        scope = _unauthenticated_scope(client_address)
        if self.env["integration.rate.limit"]._refusing(scope):
            raise UnknownKeyError(digest)
        uid = (
            self.env["res.users.apikeys"]
            .sudo()
            ._check_credentials(scope="rpc", key=key)
        )
        if not uid:
            raise UnknownKeyError(digest)
        return uid

    def _key_still_valid(self, uid, index):
        # The key once verified still exists, has not expired and its user is active.
        self.env.cr.execute(
            """
            SELECT 1 FROM res_users_apikeys k JOIN res_users u ON u.id = k.user_id
             WHERE k.user_id = %s AND k.index = %s AND u.active
               AND (k.scope IS NULL OR k.scope = 'rpc')
               AND (k.expiration_date IS NULL
                    OR k.expiration_date >= now() at time zone 'utc')
             LIMIT 1
            """,
            (uid, index),
        )
        return bool(self.env.cr.fetchone())

    @contextlib.contextmanager
    def _bookkeeping_env(self):
        """This environment on a short transaction of its own, committed on exit.

        Rate-limit counters and idempotency claims are shared by every worker and
        must be visible to them at once, whatever becomes of the request. READ
        COMMITTED lets a request that waited on another's counter row or claim
        read what that one committed, instead of failing with a serialisation
        error under Odoo's REPEATABLE READ.
        """
        with transactions.read_committed_cursor(self.env.registry) as cr:
            yield self.env(cr=cr)

    def _rate_limit(self, key_digest):
        """Count the request against the key's window; 429 past the limit."""
        param = self.env["ir.config_parameter"].sudo().get_param(RATE_LIMIT_PARAM)
        try:
            limit = int(param) if param else DEFAULT_RATE_LIMIT
        except ValueError:
            limit = DEFAULT_RATE_LIMIT
        # The count commits on a short transaction of its own: in the request's,
        # the key's counter row would stay locked for the whole request and
        # serialise every concurrent request of the key (and fail them under
        # REPEATABLE READ); refused or failed requests must count too.
        with self._bookkeeping_env() as env:
            allowed, remaining, reset_in = (
                env["integration.rate.limit"]
                .sudo()
                ._hit(f"api:{key_digest[:32]}", limit, RATE_WINDOW_SECONDS)
            )
        headers = {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(reset_in),
        }
        if not allowed:
            raise RequestRefused(
                429,
                "rate_limited",
                f"More than {limit} requests in {RATE_WINDOW_SECONDS} s for this key.",
                headers=dict(headers, **{"Retry-After": str(max(reset_in, 1))}),
            )
        return headers

    def _with_body(self, req):
        """``req`` with its body read, for the methods that send one; 413 past
        the configured size (see :func:`..controllers.common.read_body`)."""
        if req.body is not None or not req.read_body or req.method not in BODY_METHODS:
            return req
        limit = self.env["integration.rate.limit"]._configured_limit(
            MAX_BODY_SIZE_PARAM, DEFAULT_MAX_BODY_SIZE
        )
        body = req.read_body(limit)
        if body is None:
            raise RequestRefused(
                413, "payload_too_large", f"The body exceeds {limit} bytes."
            )
        return req._replace(body=body)
