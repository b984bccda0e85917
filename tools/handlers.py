# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Registry of the Python handlers that process inbound webhook messages.

A handler is a function ``func(env, message)`` registered for an event type::

    @inbound_handler("booking.*")
    def upsert_booking(env, message):
        ...

The registered name is an exact event type (``booking.created``), a prefix pattern
(``booking.*`` matches ``booking.created`` and ``booking.room.moved``) or ``*``, the
fallback for every event type. What a handler returns is stored as the message's
result. The same matching rules choose among a source's server-action mappings, see
:func:`best_pattern`.
"""

WILDCARD = "*"

_HANDLERS = {}


def inbound_handler(event_type):
    """Decorator registering ``func(env, message)`` for ``event_type``.

    A later registration of the same name replaces the earlier one, so a module can
    override a handler by registering it again.
    """
    if not is_valid_pattern(event_type):
        raise ValueError(
            f"invalid handler event type {event_type!r}: use an exact type, "
            "'prefix.*' or '*'"
        )

    def register(func):
        _HANDLERS[event_type] = func
        return func

    return register


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


def find_handler(event_type):
    """The handler registered for ``event_type`` (exact, prefix, ``*``), or None."""
    pattern = best_pattern(_HANDLERS, event_type)
    return _HANDLERS[pattern] if pattern else None


def is_valid_pattern(pattern):
    """True for an exact event type, a ``prefix.*`` pattern or ``*``."""
    if not pattern or any(char.isspace() for char in pattern):
        return False
    if pattern == WILDCARD or "*" not in pattern:
        return True
    return pattern.endswith(".*") and "*" not in pattern[:-2] and len(pattern) > 2
