# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Conflict detection and resolution for record sync.

Values are plain dicts of field name to JSON-able value (dates allowed). In a sync
the external system is the *source* (``remote``) and Odoo the *target* (``local``).
A binding stores :func:`values_hash` of what was last synced; when both sides differ
from it, the record is in conflict and :func:`resolve` applies the backend's
strategy.
"""

import hashlib
import json
from datetime import date
from datetime import datetime
from datetime import time

SOURCE_WINS = "source_wins"
TARGET_WINS = "target_wins"
LATEST_WINS = "latest_wins"
MERGE = "merge"
MANUAL = "manual"
STRATEGIES = (SOURCE_WINS, TARGET_WINS, LATEST_WINS, MERGE, MANUAL)


def _json_default(value):
    if isinstance(value, date | time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} values cannot be synced")


def _canonical(value):
    """One JSON text per value, so that equal data compares and hashes equal
    whatever the key order, and a date equals its ISO string."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_json_default,
    )


def changed_fields(a: dict, b: dict) -> list[str]:
    """Return the sorted keys whose values differ between ``a`` and ``b``.

    A key missing on one side counts as None there: a payload that leaves a field
    out has not changed it to something.
    """
    return sorted(
        key
        for key in a.keys() | b.keys()
        if _canonical(a.get(key)) != _canonical(b.get(key))
    )


def _is_empty(value):
    # False and 0 are real values (an archived record, a zero amount); only
    # absence of data is empty.
    return value is None or value in ("", [], {}, ())


def merge_values(source: dict, target: dict) -> dict:
    """Return ``target`` updated with every non-empty value of ``source``.

    Empty means None, ``""`` or an empty collection, so a source that does not
    know a field never erases what the target has.
    """
    merged = dict(target)
    merged.update((key, value) for key, value in source.items() if not _is_empty(value))
    return merged


def values_hash(values: dict) -> str:
    """Return a stable SHA-256 hex digest of ``values`` (canonical JSON: sorted
    keys, compact separators, dates as ISO strings)."""
    return hashlib.sha256(_canonical(values).encode()).hexdigest()


def resolve(
    strategy: str,
    local: dict,
    remote: dict,
    local_updated_at: datetime | None,
    remote_updated_at: datetime | None,
) -> dict | None:
    """Return the values both sides should hold after a conflict, or None for
    MANUAL, meaning an operator has to decide.

    LATEST_WINS keeps the side updated last; a side without a date counts as
    older, and a tie goes to the source, as in SOURCE_WINS. MERGE keeps the local
    values and lays every non-empty remote value over them.
    """
    if strategy == SOURCE_WINS:
        return dict(remote)
    if strategy == TARGET_WINS:
        return dict(local)
    if strategy == LATEST_WINS:
        if local_updated_at is not None and (
            remote_updated_at is None or local_updated_at > remote_updated_at
        ):
            return dict(local)
        return dict(remote)
    if strategy == MERGE:
        return merge_values(remote, local)
    if strategy == MANUAL:
        return None
    raise ValueError(
        f"unknown conflict strategy {strategy!r}; expected one of "
        + ", ".join(STRATEGIES)
    )
