# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HTTP client of an external booking system (no ORM).

Every URL goes through the caller's ``guard`` (a callable returning the
:class:`netguard.Target` of a URL, or raising ``ValueError``) before anything is
sent, and the request goes out through a session pinned to the vetted address
(tools/pinned_http.py): no second DNS lookup, no proxies, no redirects. A
refused URL is a :class:`RemoteError` like any other. One pooled session per
thread and target keeps connections alive between the pages of a sync.

Credentials are passed in as headers by the caller, which owns where they are
kept (an OAuth2 token lives on the backend record so every worker shares it).
Every failure becomes a :class:`RemoteError` whose message an operator can act
on: a status, the remote's own error message, or what was received instead of
JSON.
"""

import json
import threading
import time

import requests

from . import backoff
from . import pinned_http

_EXCERPT = 200
_local = threading.local()


class RemoteError(Exception):
    """The remote did not answer usable data. ``transient`` errors (timeouts,
    connection errors, 429, 5xx, unreadable bodies) are worth retrying, after
    ``retry_after`` seconds when the remote said so."""

    def __init__(self, message, status=None, transient=False, retry_after=None):
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.retry_after = retry_after


class RemoteAuthError(RemoteError):
    """The remote refused the credentials (401/403)."""


class CircuitOpenError(RemoteError):
    """The caller's circuit breaker is open: nothing was sent, and nothing
    should be until ``postpone_until`` (``retry_after`` seconds from now)."""

    def __init__(self, message, postpone_until, retry_after):
        super().__init__(message, transient=True, retry_after=retry_after)
        self.postpone_until = postpone_until


def is_outage(error):
    """Whether ``error`` says the remote is unwell (timeout, connection error,
    5xx, 429, unreadable answer), which counts against its circuit breaker; a
    refusal the remote answered (4xx) does not, nor a call never sent."""
    return error.transient and not isinstance(error, CircuitOpenError)


def session(target, tls=pinned_http.DEFAULT_TLS):
    """Return this thread's pooled session for the vetted ``target``, speaking
    TLS as the :class:`~.pinned_http.TlsPolicy` ``tls`` says."""
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    return pinned_http.kept_session(sessions, target[:3], target, tls=tls)


def _vetted_session(method, url, guard, tls):
    """The pinned session for ``url`` once ``guard`` accepted it."""
    try:
        return session(guard(url), tls)
    except ValueError as error:
        raise RemoteError(f"{method} {url} refused: {error}") from None


def _excerpt(response):
    text = response.text.strip().replace("\n", " ")
    return text[:_EXCERPT] + ("…" if len(text) > _EXCERPT else "")


def _remote_message(response):
    """Return the message of a JSON error envelope, or None."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    if isinstance(error, dict) and error.get("message"):
        details = error.get("details") or []
        fields = ", ".join(
            f"{d.get('field')}: {d.get('message')}"
            for d in details
            if isinstance(d, dict) and d.get("field")
        )
        return error["message"] + (f" ({fields})" if fields else "")
    return None


def _parse(response, method, url):
    content_type = response.headers.get("Content-Type", "")
    where = f"{method} {url}"
    if response.status_code >= 400:
        if "html" in content_type:
            detail = "an HTML error page instead of JSON"
        else:
            detail = _remote_message(response) or _excerpt(response) or "no body"
        message = f"{where} answered HTTP {response.status_code}: {detail}"
        if response.status_code in (401, 403):
            raise RemoteAuthError(message, status=response.status_code)
        retry = backoff.classify_status(response.status_code) == backoff.RETRY
        retry_after = backoff.parse_retry_after(
            response.headers.get("Retry-After"), time.time()
        )
        raise RemoteError(
            message,
            status=response.status_code,
            transient=retry,
            retry_after=retry_after,
        )
    if "html" in content_type:
        raise RemoteError(
            f"{where} answered an HTML page instead of JSON: {_excerpt(response)}",
            status=response.status_code,
            transient=True,
        )
    try:
        return response.json()
    except ValueError as error:
        # A body cut off mid-document is usually a dropped connection: retry.
        raise RemoteError(
            f"{where} answered malformed JSON ({error}): {_excerpt(response)}",
            status=response.status_code,
            transient=True,
        ) from None


def request(
    method,
    url,
    headers=None,
    timeout=30,
    params=None,
    document=None,
    *,
    guard,
    tls=pinned_http.DEFAULT_TLS,
):
    """Send one request and return the decoded JSON body, or raise RemoteError.

    :param guard: ``url -> netguard.Target``, raising ``ValueError`` to refuse.
    :param tls: the :class:`~.pinned_http.TlsPolicy` of the connection.
    """
    http = _vetted_session(method, url, guard, tls)
    body = None
    all_headers = {"Accept": "application/vnd.api+json, application/json"}
    if document is not None:
        body = json.dumps(document, separators=(",", ":"))
        all_headers["Content-Type"] = "application/vnd.api+json"
    all_headers.update(headers or {})
    try:
        response = http.request(
            method,
            url,
            params=params,
            data=body,
            headers=all_headers,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise RemoteError(
            f"{method} {url} timed out after {timeout} s", transient=True
        ) from None
    except requests.exceptions.SSLError as error:
        raise RemoteError(
            f"{method} {url} failed: TLS refused ({pinned_http.tls_reason(error)})",
            transient=True,
        ) from None
    except requests.RequestException as error:
        raise RemoteError(
            f"{method} {url} failed: {error.__class__.__name__}", transient=True
        ) from None
    return _parse(response, method, url)


def fetch_token(
    token_url,
    client_id,
    client_secret,
    timeout=30,
    *,
    guard,
    tls=pinned_http.DEFAULT_TLS,
):
    """Ask an OAuth2 server for a client-credentials token.

    Returns ``(access_token, expires_in_seconds)``; ``expires_in`` defaults to
    one hour when the server does not say. ``guard`` and ``tls`` as in
    :func:`request`.
    """
    http = _vetted_session("POST", token_url, guard, tls)
    try:
        response = http.post(
            token_url,
            data={"grant_type": "client_credentials"},
            auth=(client_id, client_secret),
            headers={"Accept": "application/json"},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise RemoteError(
            f"POST {token_url} failed: {error.__class__.__name__}", transient=True
        ) from None
    payload = _parse(response, "POST", token_url)
    token = payload.get("access_token") if isinstance(payload, dict) else None
    if not token:
        raise RemoteAuthError(f"POST {token_url} answered no access_token")
    expires_in = payload.get("expires_in")
    return token, int(expires_in) if isinstance(expires_in, int | float) else 3600
