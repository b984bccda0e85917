# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Retry timing for outbound deliveries: the schedule, ``Retry-After`` and how an
HTTP outcome is classified."""

import math
import re
from datetime import timezone
from email.utils import parsedate_to_datetime

DEFAULT_RETRY_SCHEDULE = "0, 1m, 5m, 30m, 2h"

DELIVERED = "delivered"
RETRY = "retry"
FAILED = "failed"
GONE = "gone"

# Transport errors (no HTTP status) worth another attempt; any other kind, such as
# a URL refused by the network guard, cannot get better by waiting.
ERROR_TIMEOUT = "timeout"
ERROR_CONNECTION = "connection"
RETRYABLE_ERRORS = (ERROR_TIMEOUT, ERROR_CONNECTION)

# 408 Request Timeout and 429 Too Many Requests are client errors that say "later".
RETRYABLE_STATUSES = (408, 429)
# The longest wait honoured from a Retry-After header, for outbound deliveries
# and sync pages alike: an hour, half the longest step of the default retry
# schedule; beyond it a delivery or a page is retried on its own schedule.
RETRY_AFTER_CAP = 3600

_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DELAY_RE = re.compile(r"(\d+)\s*([smhd]?)", re.IGNORECASE)


def parse_schedule(text: str) -> tuple[int, ...]:
    """Parse a comma-separated retry schedule into delays in seconds.

    Each entry is a whole number, optionally followed by a unit ``s``, ``m``,
    ``h`` or ``d``: ``"0, 60, 5m, 2h"`` gives ``(0, 60, 300, 7200)``. Entry *n*
    is the delay before attempt *n* + 1, counted from the previous attempt.

    :raises ValueError: the text is empty, or an entry is empty, negative or not a
        number.
    """
    if not text or not text.strip():
        raise ValueError("the retry schedule is empty; give delays such as 0, 1m, 5m")
    delays = []
    for position, raw in enumerate(text.split(","), start=1):
        entry = raw.strip()
        match = _DELAY_RE.fullmatch(entry)
        if match:
            delays.append(int(match[1]) * _UNIT_SECONDS[match[2].lower()])
        elif not entry:
            raise ValueError(f"retry schedule entry {position} is empty")
        elif entry.startswith("-"):
            raise ValueError(
                f"retry schedule entry {position} ({entry!r}) is negative; "
                "delays must be 0 or more"
            )
        else:
            raise ValueError(
                f"retry schedule entry {position} ({entry!r}) is not a whole number "
                "of seconds, optionally followed by s, m, h or d"
            )
    return tuple(delays)


def next_attempt_delay(schedule: tuple[int, ...], attempt_number: int) -> int | None:
    """Return the delay in seconds before attempt ``attempt_number`` (1 for the
    first attempt), or None when the schedule allows no such attempt.

    A delivery that has made *n* attempts asks for ``attempt_number=n + 1``.
    """
    if attempt_number < 1:
        raise ValueError(f"attempt numbers start at 1, not {attempt_number}")
    if attempt_number > len(schedule):
        return None
    return schedule[attempt_number - 1]


def parse_retry_after(
    header_value: str | None, now: float, cap: int = RETRY_AFTER_CAP
) -> int | None:
    """Return the delay in seconds asked for by a ``Retry-After`` header.

    Both forms of RFC 9110 are understood: delta-seconds (``"120"``) and an
    HTTP-date, which is measured from ``now`` (unix seconds). The result is at most
    ``cap`` (:data:`RETRY_AFTER_CAP` unless told) so a receiver or a remote
    cannot park a delivery or a sync page for days, and a date in the past gives
    0. None means there is no usable header.
    """
    value = (header_value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return min(int(value), cap)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # The asctime form carries no zone and email.utils returns it naive, but every
    # HTTP-date is GMT.
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return min(max(0, math.ceil(when.timestamp() - now)), cap)


def classify_status(status_code: int | None, error_kind: str | None = None) -> str:
    """Classify one attempt's outcome as DELIVERED, RETRY, FAILED or GONE.

    :param status_code: the HTTP status received, or None when no response came.
    :param error_kind: why no response came, e.g. ``ERROR_TIMEOUT`` or
        ``ERROR_CONNECTION``; only read when ``status_code`` is None.

    2xx is delivered; 5xx, 408, 429 and retryable transport errors are retried; 410
    Gone means the receiver dropped the subscription; every other status (redirects
    are not followed) and any other transport error fail without retry.
    """
    if status_code is None:
        if error_kind is None:
            raise ValueError("either a status code or an error kind is required")
        return RETRY if error_kind in RETRYABLE_ERRORS else FAILED
    if 200 <= status_code < 300:
        return DELIVERED
    if status_code >= 500 or status_code in RETRYABLE_STATUSES:
        return RETRY
    if status_code == 410:
        return GONE
    return FAILED
