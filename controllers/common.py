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

import psycopg2

from odoo.http import request
from odoo.tools import config

from ..tools.api_envelope import error_document

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


def base_url(env=None):
    """Odoo's ``web.base.url``, the root of every ``documentation_url``.

    Cached by Odoo (``get_param`` is an ``ormcache``), so an error costs no
    query once a worker has read it. When the request's transaction is broken
    and the value is not cached yet, the URL the client reached stands in:
    the answer must not fail for want of a link.
    """
    env = env if env is not None else request.env
    try:
        return env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
    except psycopg2.Error:
        return request.httprequest.host_url if request else ""


def error_body(code, message, request_id, details=None, env=None):
    """The error envelope as a dictionary, its ``documentation_url`` absolute."""
    return error_document(code, message, request_id, details, base_url(env))


def error_response(status, code, message, details=None, headers=None, request_id=None):
    """An error in the envelope, with ``X-Request-Id``."""
    request_id = request_id or new_request_id()
    return json_response(
        error_body(code, message, request_id, details),
        status=status,
        headers=headers,
        request_id=request_id,
    )


def client_address(httprequest=None):
    """The address of the client of the current request (or of
    ``httprequest``): the one address every allow-list, per-address limit and
    log of the module uses.

    The TCP peer, unless Odoo runs with ``proxy_mode``: then the last
    ``X-Forwarded-For`` entry, the one the proxy in front of Odoo appended (the
    entries before it are whatever the client sent). Odoo itself applies this
    (Werkzeug's ``ProxyFix``) only to requests that also carry
    ``X-Forwarded-Host``; for the others it is done here, so a proxy that does
    not send that header does not make every client look like the proxy.
    Without ``proxy_mode`` the header is ignored: anyone can send it. With it,
    Odoo must be reachable only through the proxy, which must set the header.
    """
    httprequest = httprequest or request.httprequest
    environ = httprequest.environ
    if config["proxy_mode"] and "werkzeug.proxy_fix.orig" not in environ:
        hops = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if hops[-1].strip():
            return hops[-1].strip()
    return httprequest.remote_addr


def read_body(limit):
    """The raw body of the current request, or None when it is longer than
    ``limit`` bytes.

    A declared length over the limit is refused before anything is read; a
    body without one (chunked) is read up to ``limit + 1`` bytes at most.
    """
    httprequest = request.httprequest
    if (httprequest.content_length or 0) > limit:
        return None
    # Odoo's request wrapper exposes only get_data(), which reads a chunked
    # body whole, however large: a sender could make the worker hold gigabytes.
    # The Werkzeug request it wraps has the stream, reachable only through its
    # private name. A bound on memory, not a speed-up: without it the inbound
    # benchmark does not change (see README, measured shortcuts).
    body = httprequest._HTTPRequest__wrapped.stream.read(limit + 1)
    return body if len(body) <= limit else None
