# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Answers shared by the module's HTTP endpoints: JSON bodies and the error envelope.

Every error the module answers over HTTP has the same shape::

    {"error": {"code", "message", "details", "request_id", "documentation_url"}}

and every response carries ``X-Request-Id``, so an operator can find the audit line
of any request a client reports.
"""

import json
import secrets

from odoo.http import request

DOCUMENTATION_PATH = "/api/v1/docs"
# Set on the stored answer replayed to a request that repeats an idempotency key.
REPLAY_HEADER = "Idempotent-Replayed"


def new_request_id(incoming=None):
    """A request id: the client's ``X-Request-Id`` when sane, else a fresh one.

    ``incoming``: the header's value, when the caller has read it already.
    """
    if incoming is None:
        incoming = (
            request.httprequest.headers.get("X-Request-Id", "") if request else ""
        )
    if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        return incoming
    return secrets.token_hex(16)


def json_response(body, status=200, headers=None, request_id=None):
    """A JSON response with ``X-Request-Id`` (and any extra headers)."""
    return raw_json_response(
        None if body is None else json.dumps(body, default=str),
        status,
        headers,
        request_id,
    )


def raw_json_response(text, status=200, headers=None, request_id=None):
    """A response whose body is ``text``, JSON already (or None: no body), with
    ``X-Request-Id`` (and any extra headers)."""
    all_headers = [("X-Request-Id", request_id or new_request_id())]
    if text is not None:
        all_headers.append(("Content-Type", "application/json"))
    all_headers.extend((headers or {}).items())
    return request.make_response(
        b"" if text is None else text.encode(), headers=all_headers, status=status
    )


def error_body(code, message, request_id, details=None, anchor=None):
    """The error envelope as a dictionary."""
    return {
        "error": {
            "code": code,
            "message": message,
            "details": details or [],
            "request_id": request_id,
            "documentation_url": f"{DOCUMENTATION_PATH}#{anchor or code}",
        }
    }


def error_response(status, code, message, details=None, headers=None, request_id=None):
    """An error in the envelope, with ``X-Request-Id``."""
    request_id = request_id or new_request_id()
    return json_response(
        error_body(code, message, request_id, details),
        status=status,
        headers=headers,
        request_id=request_id,
    )
