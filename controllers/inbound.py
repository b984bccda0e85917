# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``POST /integration/webhook/<slug>``: verify, deduplicate, store, queue, answer.

Nothing of the business runs here: a delivery is accepted (``202``) once its
idempotency key is claimed, the delivery stored and linked to its processing job,
all by one statement committed on its own (the first delivery of a burst also
queues the job, committed before the answer is sent). A refused request is
answered with the error envelope and counted in the audit line of its source,
refusal and minute, nothing else.

The signature is checked before anything is counted: only verified requests
use up the source's rate limit, and unverified ones are limited apart, per
client address, so that forged traffic cannot lock the real sender out.
"""

import json
import logging
import time

from odoo import SUPERUSER_ID
from odoo import fields
from odoo import http
from odoo.http import request

from ..models.common.integration_idempotency_key import STATE_COMPLETED
from ..models.common.integration_rate_limit import address_scope
from ..models.inbound.integration_inbound_source import DEFAULT_MAX_BODY_SIZE
from ..tools import event_log
from ..tools import payload_schema
from ..tools import signature_scheme
from ..tools import signatures
from ..tools import transactions
from ..tools.api_envelope import RequestRefused
from ..tools.redaction import mask_headers
from ..tools.webhook_source import payload_hash
from .common import REPLAY_HEADER
from .common import client_address
from .common import error_response
from .common import new_request_id
from .common import raw_json_response
from .common import read_body

_logger = logging.getLogger(__name__)

# A duplicate arriving while the first request is still being stored waits this
# long for the first answer, polling the key at this interval.
IN_FLIGHT_WAIT = 5.0
IN_FLIGHT_POLL = 0.05
RETRY_LATER_SECONDS = 30
# Refused unverified requests (forged or missing signature, address not
# allowed, body too large) allowed per source, client address and minute
# before that address gets 429 (system parameter, default below).
UNVERIFIED_LIMIT_PARAM = "integration_hub.inbound_unverified_rate_limit"
DEFAULT_UNVERIFIED_LIMIT = 60


def request_headers(environ):
    """The headers of the request of WSGI ``environ``, by lowercase name.

    Read once into a plain dictionary: each look-up in Werkzeug's headers object
    walks the WSGI environment again.
    """
    headers = {
        name[5:].replace("_", "-").lower(): value
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = environ[name]
    return headers


def _log_received(slug, request_id, started, response, outcome):
    """The ``integration_hub.events`` record of a delivery received:
    ``outcome`` is ``accepted``, ``replayed`` (a duplicate, answered as the
    first) or the refusal's code; a refusal for want of a verified sender
    past its limit (``unverified_rate_limited``) is not logged, so a flood of
    forged requests does not flood the log."""
    if outcome == "unverified_rate_limited" or not event_log.enabled():
        return
    message_id = None
    if response.status_code == 202:
        # The answer names the stored message (the first one, for a replay).
        message_id = json.loads(response.get_data()).get("data", {}).get("id")
    event_log.log_event(
        event_log.INBOUND_RECEIVED,
        outcome,
        round((time.monotonic() - started) * 1000),
        request_id,
        source=slug,
        message_id=message_id,
        status=response.status_code,
    )


class InboundWebhookController(http.Controller):
    """Receives the webhooks of the configured inbound sources."""

    @http.route(
        "/integration/webhook/<string:slug>",
        type="http",
        auth="none",
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def receive(self, slug, **_params):
        """Accept one webhook delivery (every method is routed here so that the
        wrong ones get the envelope with ``405``)."""
        started = time.monotonic()
        headers = request_headers(request.httprequest.environ)
        request_id = new_request_id(headers.get("x-request-id", ""))
        env = request.env(user=SUPERUSER_ID, su=True)
        try:
            response = self._accept(env, slug, headers, request_id)
            replayed = response.headers.get(REPLAY_HEADER) == "true"
            outcome = "replayed" if replayed else "accepted"
        except RequestRefused as rejection:
            response = self._reject(env, slug, request_id, rejection)
            outcome = rejection.code
        except Exception:
            # Whatever the sender sent, it must not see a 500; this is our fault,
            # so ask for a retry, which every sender does on 5xx.
            _logger.exception(
                "Inbound webhook %s (request %s) failed", slug, request_id
            )
            env.cr.rollback()
            # Logged above, with the trace.
            return self._reject(
                env,
                slug,
                request_id,
                RequestRefused(
                    503,
                    "temporarily_unavailable",
                    "The delivery could not be stored; retry later.",
                    headers={"Retry-After": str(RETRY_LATER_SECONDS)},
                ),
            )
        _log_received(slug, request_id, started, response, outcome)
        return response

    def _accept(self, env, slug, headers, request_id):
        httprequest = request.httprequest
        if httprequest.method != "POST":
            raise RequestRefused(
                405,
                "method_not_allowed",
                "Webhooks are delivered with POST.",
                headers={"Allow": "POST"},
            )
        source = env["integration.inbound.source"]._webhook_sources().get(slug)
        body = read_body(source.max_body_size if source else DEFAULT_MAX_BODY_SIZE)
        if not source:
            raise RequestRefused(
                404, "source_not_found", f"No active inbound source {slug!r}."
            )
        address = client_address(httprequest)
        try:
            delivery = self._verify(source, address, headers, body)
        except RequestRefused as rejection:
            raise self._unverified(env, source, address, rejection) from None
        # Only verified requests count against the source's limit: a flood of
        # forged ones cannot use up the real sender's.
        if source.rate_limit:
            allowed, reset_in = env["integration.rate.limit"]._hit_leased(
                source.scope, source.rate_limit
            )
            if not allowed:
                raise RequestRefused(
                    429,
                    "rate_limited",
                    f"More than {source.rate_limit} requests per minute.",
                    headers={"Retry-After": str(max(reset_in, 1))},
                )
        mimetype = headers.get("content-type", "").partition(";")[0].strip().lower()
        if mimetype != "application/json" and not mimetype.endswith("+json"):
            raise RequestRefused(
                415, "unsupported_media_type", "The body must be application/json."
            )
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise RequestRefused(
                400, "malformed_json", f"The body is not JSON: {error}"
            ) from None
        event_type = source.event_type(headers, payload)
        self._check_payload(env, source, event_type, payload)
        # The hash of the canonical JSON, not of the bytes: it keys deliveries
        # without a signed id, and tells a reused id from a duplicate.
        body_hash = payload_hash(payload)
        key = source.idempotency_key(delivery, payload, body_hash)
        # The delivery is claimed, stored and committed by one statement.
        answer = env["integration.inbound.message"]._store_delivery(
            source.id,
            {
                "scope": source.scope,
                "key": key,
                "request_hash": body_hash,
                "ttl_seconds": source.key_ttl_days * 86400,
            },
            {
                "event_type": event_type,
                "request_id": request_id,
                "remote_addr": address,
                "headers": json.dumps(mask_headers(headers)),
                "body": body.decode("utf-8", errors="replace"),
            },
        )
        if answer is None:
            # The claim was committed by another request: read it in a
            # transaction that sees it.
            transactions.switch_to_read_committed(env.cr, env.registry)
            claim = env["integration.idempotency.key"]._find(source.scope, key)
            return self._replay(env, claim, body_hash, request_id)
        # Odoo commits what is left of the request's transaction (a processing
        # job queued for the delivery, when there was none to join) before
        # sending the answer.
        return raw_json_response(answer, 202, request_id=request_id)

    @staticmethod
    def _verify(source, address, headers, body):
        """The :class:`~..tools.signature_scheme.VerifiedDelivery` of a request from
        ``address`` that may post to ``source`` (``body`` None: over the size
        limit); else the rejection.

        Memory and CPU only: nothing here waits on the database.
        """
        if body is None:
            raise RequestRefused(
                413,
                "payload_too_large",
                f"The body exceeds {source.max_body_size} bytes.",
            )
        if not source.ip_allowed(address):
            raise RequestRefused(
                403, "ip_not_allowed", "This address may not post to this source."
            )
        try:
            return signatures.verify(
                source.scheme,
                source.verification_secrets(fields.Datetime.now()),
                headers,
                body,
                int(time.time()),
                source.tolerance,
            )
        except signature_scheme.SignatureError as error:
            raise RequestRefused(error.http_status, error.code, error.message) from None

    @staticmethod
    def _check_payload(env, source, event_type, payload):
        """Refuse (422) a payload that does not match its event type's schema,
        one detail per problem, or an event type the source refuses because
        nothing handles it; nothing is stored then.

        Both come from per-worker caches: an event type without a schema costs
        no query.
        """
        validator = env["integration.event.type"]._payload_validators().get(event_type)
        if validator is not None:
            details = payload_schema.problems(validator, payload)
            if details:
                raise RequestRefused(
                    422,
                    "validation_failed",
                    f"The payload does not match the schema of {event_type}.",
                    details=details,
                )
        if source.refuses(event_type):
            raise RequestRefused(
                422,
                "event_type_not_handled",
                f"Nothing handles event type {event_type or '(none)'!r} at this "
                "source.",
            )

    @staticmethod
    def _unverified(env, source, address, rejection):
        """``rejection``, or 429 once ``address`` has been refused too often.

        Unverified requests are limited per source and client address, apart
        from the source's own limit: the real sender's requests still pass
        while another address floods the source with forged ones. Past the
        limit, the worker answers from memory until the minute ends.
        """
        key = f"inbound-unverified:{source.id}:{address_scope(address)}"
        reset_in = env["integration.rate.limit"]._refusal_over_limit(
            key, UNVERIFIED_LIMIT_PARAM, DEFAULT_UNVERIFIED_LIMIT
        )
        if not reset_in:
            return rejection
        return RequestRefused(
            429,
            "unverified_rate_limited",
            "Too many unverified requests from this address; retry later.",
            headers={"Retry-After": str(reset_in)},
        )

    @staticmethod
    def _replay(env, claim, body_hash, request_id):
        """Answer a duplicate with the first request's answer.

        When the first request still holds the key, wait for its answer (briefly),
        so that simultaneous duplicates all get the same answer.
        """
        deadline = time.monotonic() + IN_FLIGHT_WAIT
        while claim.exists() and claim.state != STATE_COMPLETED:
            if time.monotonic() > deadline:
                raise RequestRefused(
                    409,
                    "request_in_progress",
                    "The same delivery is being stored; retry shortly.",
                    headers={"Retry-After": "1"},
                )
            # End the transaction so that the next read sees the other request's
            # commit.
            env.cr.commit()
            time.sleep(IN_FLIGHT_POLL)
            claim.invalidate_recordset()
        if not claim.exists():
            raise RequestRefused(
                409,
                "request_in_progress",
                "The same delivery was being stored and failed; retry.",
                headers={"Retry-After": "1"},
            )
        if claim.request_hash != body_hash:
            raise RequestRefused(
                422,
                "idempotency_key_reused",
                "This delivery id was already used for a different body.",
            )
        status, body, headers = claim._stored_response()
        headers[REPLAY_HEADER] = "true"
        return raw_json_response(body, status, headers=headers, request_id=request_id)

    @staticmethod
    def _reject(env, slug, request_id, rejection):
        """The error envelope for ``rejection``, counted in the audit line of
        its source, code and minute."""
        known = slug in env["integration.inbound.source"]._webhook_sources()
        try:
            env["integration.inbound.audit"]._record(
                slug if known else "",
                rejection.code,
                rejection.status,
                client_address(),
                request_id,
            )
        except Exception:
            _logger.exception("Audit of request %s not recorded", request_id)
            env.cr.rollback()
        return error_response(
            rejection.status,
            rejection.code,
            rejection.message,
            details=rejection.details,
            headers=rejection.headers,
            request_id=request_id,
        )
