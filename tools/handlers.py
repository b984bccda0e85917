# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which handler of an inbound message applies to its event type.

Handlers are declared per database by
``integration.inbound.message._inbound_handlers()`` (an addon extends it with
``super()``); this module holds only the matching rules.
A pattern is an exact event type (``booking.created``), a prefix pattern
(``booking.*`` matches ``booking.created`` and ``booking.room.moved``) or ``*``,
the fallback for every event type. The same rules choose among a source's
server-action mappings.
"""

WILDCARD = "*"


def best_pattern(patterns, event_type):
    """The pattern of ``patterns`` that applies to ``event_type``, or None.

    The exact type wins, then the longest matching ``prefix.*``, then ``*``.
    """
    available = set(patterns)
    if event_type in available:
        return event_type
    parts = (event_type or "").split(".")
    for length in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:length]) + ".*"
        if candidate in available:
            return candidate
    return WILDCARD if WILDCARD in available else None


def check_patterns(patterns):
    """Raise ``ValueError`` for the first of ``patterns`` that is not valid."""
    for pattern in patterns:
        if not is_valid_pattern(pattern):
            raise ValueError(
                f"invalid handler event type {pattern!r}: use an exact type, "
                "'prefix.*' or '*'"
            )


def is_valid_pattern(pattern):
    """True for an exact event type, a ``prefix.*`` pattern or ``*``."""
    if not pattern or any(char.isspace() for char in pattern):
        return False
    if pattern == WILDCARD or "*" not in pattern:
        return True
    return pattern.endswith(".*") and "*" not in pattern[:-2] and len(pattern) > 2
