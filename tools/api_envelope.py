# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What one REST API request and its answer are, in plain Python (no ORM): the
request as the API reads it, the answer, the error raised from anywhere in a
request, and the small encodings every answer goes through (compact JSON,
ETags, gzip)."""

import gzip
import hashlib
import json
import re
from collections import namedtuple
from datetime import timezone

JSON_MEDIA_TYPES = ("application/json", "application/vnd.api+json")
# The human page with one anchor per error code (tools/api_reference.py).
DOCUMENTATION_PATH = "/api/v1/docs"
# Bodies smaller than this are sent as they are: gzip would cost more than it saves.
GZIP_MIN_BYTES = 1024
# An entity tag list as RFC 9110 writes it (``*`` or quoted, maybe weak, tags);
# the document declares the same pattern for If-Match and If-None-Match. Spaces
# and tabs around the value are no part of it (RFC 9110 5.5): the HTTP layer
# strips them before the API reads the header, so the document allows them.
ETAG_LIST_PATTERN = r'^[ \t]*(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)[ \t]*$'
_ETAG_LIST = re.compile(ETAG_LIST_PATTERN)

ApiRequest = namedtuple(
    "ApiRequest",
    "method path collection record_id query headers body request_id"
    " client_address read_body",
    defaults=(None, None),
)
ApiRequest.__doc__ = """One HTTP request, as the API needs it: ``query`` maps each
parameter to its first value, ``headers`` is case-insensitive, ``body`` is bytes,
or None while unread: then ``read_body(limit)`` reads it once the client is
authenticated (None when it is longer than ``limit`` bytes)."""
ApiResponse = namedtuple("ApiResponse", "status body headers")
ApiResponse.__doc__ = """An answer: ``body`` is JSON bytes or None, ``headers`` a
dict."""


def bearer_token(authorization):
    """The token of an ``Authorization: Bearer <token>`` header value, or
    ``""`` when the header is absent, of another scheme or empty."""
    scheme, _sep, token = (authorization or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class RequestRefused(Exception):
    """A request refused with HTTP ``status`` and the error envelope's ``code``,
    ``message`` and ``details``, plus any ``headers`` (``Retry-After``,
    ``Allow``, ``WWW-Authenticate``); raised from anywhere in a request, by the
    REST API and the inbound webhooks alike."""

    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def detail(field, code, message):
    """One ``details`` entry of the error envelope."""
    return {"field": field, "code": code, "message": message}


def documentation_url(code, base_url):
    """Where error ``code`` is explained: an absolute URL under ``base_url``
    (Odoo's ``web.base.url``), so that a client, a log line or a ticket that
    quotes it leads to the page whoever reads it."""
    return f"{(base_url or '').rstrip('/')}{DOCUMENTATION_PATH}#{code}"


def error_document(code, message, request_id, details=None, base_url=""):
    """The error envelope every HTTP endpoint of the module answers, as a
    dictionary: ``{"error": {"code", "message", "details", "request_id",
    "documentation_url"}}``."""
    return {
        "error": {
            "code": code,
            "message": message,
            "details": details or [],
            "request_id": request_id,
            "documentation_url": documentation_url(code, base_url),
        }
    }


def bad_request(message, field, code="invalid", reason=None):
    """The 400 answer for one malformed parameter or header ``field``."""
    return RequestRefused(
        400, "bad_request", message, [detail(field, code, reason or message)]
    )


def dumps(document):
    """``document`` as compact JSON bytes."""
    return json.dumps(document, separators=(",", ":"), default=str).encode()


def etag(body):
    """The strong ETag of the JSON bytes ``body``."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etags(header, name):
    """The tags of ``If-Match``/``If-None-Match`` value ``header`` (named
    ``name``), weak or not, ``{"*"}`` for ``*``; empty when absent. A value that
    is no entity tag list is refused (400), never read as a tag that never
    matches."""
    if header is None:
        return set()
    if not _ETAG_LIST.match(header):
        raise bad_request(f"{name} must be * or a list of quoted entity tags.", name)
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def is_number(raw):
    """Whether ``raw`` is ASCII digits only: ``str.isdigit()`` also takes other
    scripts' digits and superscripts, which ``int()`` then refuses or reads."""
    return raw.isascii() and raw.isdigit()


def iso_utc(value):
    """Naive UTC datetime ``value`` as ISO 8601 with ``Z``."""
    return value.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def encode(response, accept_encoding):
    """``response`` (an :class:`ApiResponse`), its large body gzipped when the
    client accepts it."""
    if (
        response.body
        and len(response.body) >= GZIP_MIN_BYTES
        and "gzip" in (accept_encoding or "").lower()
    ):
        headers = dict(
            response.headers,
            **{"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
        return ApiResponse(response.status, gzip.compress(response.body, 5), headers)
    return response
