# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The backend talking to its remote: URLs, authentication (API key, bearer,
basic, OAuth2 client credentials with the token shared by every worker), the
rate limit and the circuit breaker around each request, and the Test connection
button."""

import base64
from datetime import timedelta

from odoo import _
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ...tools import redaction
from ...tools import remote_client
from ..common.access import MANAGER
from ..common.access import requires_group
from .importer import declared_resources
from .integration_backend import AUTH_API_KEY
from .integration_backend import AUTH_BASIC
from .integration_backend import AUTH_BEARER
from .integration_backend import AUTH_OAUTH2

# An OAuth2 token is renewed this long before it expires.
TOKEN_MARGIN = timedelta(seconds=60)


class IntegrationBackendClient(models.Model):
    """Requests from a backend to its remote system."""

    _inherit = "integration.backend"

    def _url(self, path):
        # Users resync too: the URL is read for them, never shown to them.
        return f"{self.sudo().base_url.rstrip('/')}/{path.lstrip('/')}"

    def _redact_error(self, error):
        """``error`` with the backend's URLs redacted from its message: sync
        errors are stored (runs, bindings, inbound messages) and shown where
        every Integration User reads them."""
        backend = self.sudo()
        error.args = (
            redaction.redact_text(str(error), [backend.base_url, backend.token_url]),
            *error.args[1:],
        )
        return error

    def _oauth_token(self, force=False):
        """Return a valid OAuth2 token, fetching and storing one when needed.

        The token lives on the backend row, so every worker uses the same one
        until it expires. It is written in the caller's transaction: a job that
        rolls back only costs one more token request, and two workers renewing
        at once make queue_job retry one of them.
        """
        backend = self.sudo()
        now = fields.Datetime.now()
        if (
            not force
            and backend.access_token
            and backend.token_expires_at
            and backend.token_expires_at - TOKEN_MARGIN > now
        ):
            return backend.access_token
        token, expires_in = remote_client.fetch_token(
            backend.token_url or self._url("oauth/token"),
            backend.client_id or "",
            backend.client_secret or "",
            timeout=backend.timeout,
            guard=self.env["integration.outbound.guard"]._vet_url,
            tls=self.env["integration.outbound.guard"]._tls_policy(),
        )
        backend.write(
            {
                "access_token": token,
                "token_expires_at": now + timedelta(seconds=expires_in),
            }
        )
        return token

    def _auth_headers(self, force_token=False):
        backend = self.sudo()
        if backend.auth_type == AUTH_API_KEY:
            return {backend.api_key_header or "X-API-Key": backend.api_key or ""}
        if backend.auth_type == AUTH_BEARER:
            return {"Authorization": f"Bearer {backend.api_key or ''}"}
        if backend.auth_type == AUTH_BASIC:
            pair = f"{backend.username or ''}:{backend.password or ''}".encode()
            return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
        if backend.auth_type == AUTH_OAUTH2:
            return {"Authorization": f"Bearer {self._oauth_token(force_token)}"}
        return {}

    def _remote(self, method, path, params=None, document=None):
        """Send one request to the backend and return its JSON body.

        Applies the backend's rate limit (shared by all workers in PostgreSQL),
        and renews an OAuth2 token the remote refused once before giving up.
        Raises remote_client.RemoteError.
        """
        self.ensure_one()
        if self.rate_limit:
            allowed, _remaining, reset_in = self.env["integration.rate.limit"]._hit(
                f"backend:{self.id}", self.rate_limit
            )
            if not allowed:
                raise remote_client.RemoteError(
                    _("Rate limit of %s requests per minute reached.", self.rate_limit),
                    transient=True,
                    retry_after=reset_in,
                )
        url = self._url(path)
        # Vetted (and resolved) again at each request: the guard's rules or the
        # host's addresses may have changed since the URL was saved.
        guard = self.env["integration.outbound.guard"]._vet_url
        before = self._circuit_admit()
        tls = self.env["integration.outbound.guard"]._tls_policy()
        try:
            try:
                answer = remote_client.request(
                    method,
                    url,
                    self._auth_headers(),
                    self.timeout,
                    params,
                    document,
                    guard=guard,
                    tls=tls,
                )
            except remote_client.RemoteAuthError:
                if self.auth_type != AUTH_OAUTH2:
                    raise
                headers = self._auth_headers(force_token=True)
                answer = remote_client.request(
                    method,
                    url,
                    headers,
                    self.timeout,
                    params,
                    document,
                    guard=guard,
                    tls=tls,
                )
        except remote_client.RemoteError as error:
            raise self._circuit_record(before, self._redact_error(error)) from None
        self._circuit_record(before)
        return answer

    @requires_group(MANAGER)
    def action_test_connection(self):
        """Read one record of the remote and tell how many there are, from the
        declared collection that depends on most others (bookings)."""
        self.ensure_one()
        resource = max(
            declared_resources(self.env).values(), key=lambda r: len(r.depends)
        )
        try:
            document = self._remote("GET", resource.collection, {"page[size]": 1})
        except remote_client.RemoteError as error:
            raise UserError(_("Connection failed: %s", error)) from None
        total = (document.get("meta") or {}).get("total")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Connection works"),
                "message": _(
                    "The backend has %(total)s %(collection)s.",
                    total=total,
                    collection=resource.collection,
                ),
            },
        }
