# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every answer of the API in one shape: the route class that turns what a
request raised into the error envelope, and the finishing of every response
(``X-Request-Id``, JSON content type, rate-limit headers, gzip).

The fastapi addon lets exceptions rise to Odoo's dispatcher, which rolls the
transaction back and answers ``{"detail": ...}``. The API's refusals are answers,
not failures: the rate-limit count and the audit of the request commit, and the
client gets ``{"error": {...}}``. Only PostgreSQL concurrency errors still rise,
for Odoo to retry the whole request.
"""

import logging
import time

import psycopg2
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from odoo.addons.fastapi.context import odoo_env_ctx
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from ...tools import event_log
from ...tools.api_envelope import ApiResponse
from ...tools.api_envelope import RequestRefused
from ...tools.api_envelope import dumps
from ...tools.api_envelope import encode
from ..common import REPLAY_HEADER
from ..common import error_body
from ..common import new_request_id

_logger = logging.getLogger(__name__)

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def error_envelope(error, request_id):
    """The error envelope of :class:`RequestRefused` ``error``, as JSON bytes."""
    env = odoo_env_ctx.get(None)
    return dumps(
        error_body(error.code, error.message, request_id, error.details, env=env)
    )


def request_id_of(request):
    """The request id of ``request``, chosen once per request."""
    if "request_id" not in request.scope:
        request.scope["request_id"] = new_request_id(
            request.headers.get("X-Request-Id", "")
        )
    return request.scope["request_id"]


def finish(request, response):
    """The HTTP response of an :class:`ApiResponse`."""
    response = encode(response, request.headers.get("Accept-Encoding"))
    headers = dict(response.headers, **request.scope.get("rate_headers", {}))
    headers["X-Request-Id"] = request_id_of(request)
    if response.body is not None:
        headers["Content-Type"] = "application/json"
    # ASGI lowercases header names; the dispatcher sends them as written here.
    request.scope.setdefault("header_names", {}).update(
        {name.lower(): name for name in headers}
    )
    return Response(
        content=response.body or b"", status_code=response.status, headers=headers
    )


def not_allowed(allowed):
    """A route refusing its method (405) and naming the ``allowed`` ones."""

    async def refuse():
        raise RequestRefused(
            405,
            "method_not_allowed",
            "This method is not allowed here.",
            headers={"Allow": ", ".join(allowed)},
        )

    return refuse


def _validation_error(error):
    details = [
        {
            "field": str(problem["loc"][-1]),
            "code": "invalid",
            "message": problem["msg"],
        }
        for problem in error.errors()
    ]
    return RequestRefused(400, "bad_request", "Some parameters are invalid.", details)


class EnvelopeRoute(APIRoute):
    """A route whose every failure is answered in the error envelope."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def envelope_handler(request):
            started = time.monotonic()
            request_id_of(request)
            try:
                response = await handler(request)
            except RequestRefused as error:
                failure = error
            except RequestValidationError as error:
                failure = _validation_error(error)
            except psycopg2.OperationalError as error:
                if error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise
                failure = _internal_error(request)
            except Exception:  # the client gets the envelope, never a trace
                failure = _internal_error(request)
            else:
                failure = None
            if failure is not None:
                body = error_envelope(failure, request_id_of(request))
                response = finish(
                    request, ApiResponse(failure.status, body, dict(failure.headers))
                )
            if request.method in WRITE_METHODS:
                _log_write(request, response, failure, started)
            return response

        return envelope_handler


def _log_write(request, response, failure, started):
    """The ``integration_hub.events`` record of a write: ``outcome`` is
    ``written``, ``replayed`` (an ``Idempotency-Key`` seen before) or the
    error code; ``record_id`` the one written (read from the path, or from
    ``Location`` when created)."""
    if failure is not None:
        outcome = failure.code
    elif response.headers.get(REPLAY_HEADER) == "true":
        outcome = "replayed"
    else:
        outcome = "written"
    record_id = request.path_params.get("id")
    location = response.headers.get("Location")
    if record_id is None and location:
        record_id = location.rstrip("/").rpartition("/")[2]
    event_log.log_event(
        event_log.API_WRITE,
        outcome,
        round((time.monotonic() - started) * 1000),
        request_id_of(request),
        method=request.method,
        path=request.url.path,
        record_id=int(record_id) if str(record_id or "").isdigit() else None,
        status=response.status_code,
    )


def _internal_error(request):
    _logger.exception("REST API request %s failed", request_id_of(request))
    return RequestRefused(
        500, "internal_error", "Unexpected error; nothing was changed."
    )
