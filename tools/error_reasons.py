# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The reason a delivery failed, in words an operator reads at a glance (no ORM).

A delivery stores its last error as the exception text ``requests`` and urllib3
give (``ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=8099): Max
retries exceeded with url: /… (Caused by NewConnectionError(…))``) or as
``HTTP <status>``. Lists show :func:`short_reason` of it; the form keeps the full
text. Unknown texts fall back to their first words, never to nothing.
"""

import re
from http import HTTPStatus

# What a list column shows at most; the full text is on the form.
REASON_LENGTH = 80

_HTTP = re.compile(r"^HTTP (\d{3})\b")
_HOST_PORT = re.compile(r"host='([^']*)', port=(\d+)")
_TIMEOUT = re.compile(r"(?:read|connect) timeout=([\d.]+)")
_RESOLVE = re.compile(r"Failed to resolve '([^']*)'")
# (pattern in the error text, reason template); the first match wins, so the
# specific causes come before the generic exception classes.
_CAUSES = (
    ("Connection refused", "connection refused by {where}"),
    ("Failed to resolve", "host name not found: {name}"),
    ("Name or service not known", "host name not found: {name}"),
    ("ConnectTimeout", "timed out after {timeout} connecting to {where}"),
    ("ReadTimeout", "timed out after {timeout} waiting for {where}"),
    ("timed out", "timed out after {timeout}"),
    ("SSLError", "TLS handshake with {where} failed"),
    ("Connection reset", "connection reset by {where}"),
    ("RemoteDisconnected", "{where} closed the connection without answering"),
    ("Network is unreachable", "network unreachable for {where}"),
    ("No route to host", "no route to {where}"),
    ("UnsafeURL", "URL refused by the outbound guard"),
    ("ConnectionError", "could not connect to {where}"),
)


def _http_reason(code):
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        return f"HTTP {code}"
    return f"HTTP {code} {phrase}"


def _format_seconds(value):
    seconds = float(value)
    return f"{seconds:g} s"


def short_reason(error):
    """``error`` (a delivery's stored last error) said in a few words.

    >>> short_reason("HTTP 503")
    'HTTP 503 Service Unavailable'
    """
    text = (error or "").strip()
    if not text:
        return ""
    http = _HTTP.match(text)
    if http:
        return _http_reason(int(http.group(1)))
    host_port = _HOST_PORT.search(text)
    timeout = _TIMEOUT.search(text)
    resolve = _RESOLVE.search(text)
    host = resolve.group(1) if resolve else None
    if not host:
        host = host_port.group(1) if host_port else "the host"
    details = {
        "where": ":".join(host_port.groups()) if host_port else "the receiver",
        "timeout": _format_seconds(timeout.group(1)) if timeout else "the timeout",
        "name": host,
    }
    for pattern, template in _CAUSES:
        if pattern in text:
            return template.format(**details)
    first_line = text.splitlines()[0]
    if len(first_line) <= REASON_LENGTH:
        return first_line
    return first_line[: REASON_LENGTH - 1].rstrip() + "…"
