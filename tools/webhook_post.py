# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One webhook POST and what it gave (no ORM).

:func:`post` never raises: a timeout, a refused connection or a broken body
becomes an :class:`AttemptResult` the delivery records as an attempt, classified
by :mod:`.backoff` (delivered, retry, failed, gone).
"""

import itertools
import time
from concurrent.futures import ALL_COMPLETED
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import wait
from datetime import datetime
from datetime import timezone
from typing import NamedTuple

import requests

from . import backoff

# Stored per attempt, and the most ever read of a response: a receiver answering
# with 50 MB must not make a worker read (or store) 50 MB.
RESPONSE_BODY_LIMIT = 2048


class AttemptResult(NamedTuple):
    """What one HTTP attempt gave."""

    attempted_at: object
    duration_ms: int
    status_code: int
    outcome: str
    error_class: str
    error_message: str
    response_body: str
    retry_after: str | None


def post(session, url, timeout, body, headers):
    """POST once; never raises. Reads at most ``RESPONSE_BODY_LIMIT`` bytes."""
    # Naive UTC to the second, as Odoo stores datetimes.
    attempted_at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    started = time.monotonic()
    status, error_kind, error_class, error_message = 0, None, "", ""
    content, retry_after = b"", None
    try:
        response = session.post(
            url,
            data=body,
            headers=headers,
            timeout=timeout,
            stream=True,
            allow_redirects=False,
        )
    except requests.Timeout as error:
        error_kind, error_class, error_message = (
            backoff.ERROR_TIMEOUT,
            type(error).__name__,
            str(error),
        )
    except requests.ConnectionError as error:
        error_kind, error_class, error_message = (
            backoff.ERROR_CONNECTION,
            type(error).__name__,
            str(error),
        )
    except requests.RequestException as error:
        error_kind, error_class, error_message = (
            "request",
            type(error).__name__,
            str(error),
        )
    else:
        status = response.status_code
        retry_after = response.headers.get("Retry-After")
        try:
            content = response.raw.read(RESPONSE_BODY_LIMIT + 1, decode_content=True)
        except (requests.RequestException, OSError, ValueError) as error:
            # The status is what counts; a broken body only loses the excerpt.
            error_class, error_message = type(error).__name__, str(error)
        if len(content) <= RESPONSE_BODY_LIMIT and not error_class:
            # The whole body was read: the connection goes back to the pool.
            response.raw.release_conn()
        else:
            # Unread data remains: drop the connection rather than drain it.
            response.close()
    duration_ms = round((time.monotonic() - started) * 1000)
    outcome = backoff.classify_status(status or None, error_kind)
    return AttemptResult(
        attempted_at,
        duration_ms,
        status,
        outcome,
        error_class,
        error_message[:500],
        content[:RESPONSE_BODY_LIMIT].decode("utf-8", "replace"),
        retry_after,
    )


def error_text(result):
    """The short error stored on the delivery: the exception, else the status;
    None once delivered."""
    if result.error_class:
        return f"{result.error_class}: {result.error_message}"[:250]
    if result.outcome != backoff.DELIVERED:
        return f"HTTP {result.status_code}"
    return None


def post_in_turn(pool, post, requests_, unrecorded):
    """Run ``post(body, headers)`` for ``requests_`` (``(key, body, headers)``)
    on ``pool``, yielding ``{key: (headers, result)}`` as requests complete.

    A new request starts only when the caller asks for the next group: at
    most ``unrecorded`` requests are ever out or answered without the caller
    having taken (and recorded) their results. When that is all of them, they
    are one group.
    """
    requests_ = list(requests_)
    one_group = unrecorded >= len(requests_)
    waiting, futures = iter(requests_), {}

    def submit(count):
        for key, body, headers in itertools.islice(waiting, count):
            futures[pool.submit(post, body, headers)] = (key, headers)

    submit(unrecorded)
    while futures:
        done, _running = wait(
            futures, return_when=ALL_COMPLETED if one_group else FIRST_COMPLETED
        )
        results = {}
        for future in done:
            key, headers = futures.pop(future)
            results[key] = (headers, future.result())
        yield results
        submit(len(done))
