# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The per-worker snapshot of an inbound source: what a webhook request needs.

``integration.inbound.source._webhook_sources`` reads every active source once
per worker into a :class:`WebhookSource` (plain values, kept until a source
changes), so that the hot path of a webhook request (address check, signature,
event type, idempotency key) spends no time in the ORM. No ORM here.
"""

import dataclasses
import ipaddress
from datetime import datetime

from . import handlers
from . import signature_scheme
from . import signatures
from .merge import values_hash

# Keys of a JSON body that name the event type, in order of preference.
EVENT_TYPE_KEYS = ("type", "event_type", "event")


def payload_hash(payload):
    """The hex SHA-256 of the canonical JSON of a parsed body (sorted keys,
    compact separators, UTF-8): the same payload serialised differently (key
    order, whitespace, escapes) hashes the same, so a delivery whose signature
    covers no id is recognised as a duplicate however it was serialised."""
    return values_hash(payload)


@dataclasses.dataclass(frozen=True, slots=True)
class WebhookSource:
    """What a webhook request needs of its source, read once and kept per worker:
    plain values, so a request spends no time in the ORM for them.

    ``scope`` is the idempotency key scope of the source's deliveries;
    ``networks`` the parsed allowed networks (empty: any address);
    ``handled_patterns`` the event type patterns something handles when the
    source refuses the others (None: it accepts every event type).
    """

    id: int
    scope: str
    scheme: signature_scheme.SignatureScheme
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    tolerance: int
    max_body_size: int
    networks: tuple
    rate_limit: int
    key_ttl_days: int
    handled_patterns: frozenset | None = None

    def ip_allowed(self, address):
        """True when ``address`` may post to this source."""
        if not self.networks:
            return True
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def verification_secrets(self, now):
        """The secrets a signature may use at ``now``: the current one, and the
        previous one until it expires."""
        return signatures.current_secrets(
            self.secret, self.previous_secret, self.previous_secret_expires_at, now
        )

    def event_type(self, headers, payload):
        """The event type of a delivery: from the provider's header if the scheme
        has one, else from the body's ``type``/``event_type``/``event`` key.

        ``headers``: the request's headers by lowercase name."""
        header = self.scheme.event_type_header
        value = headers.get(header) if header else None
        if value:
            return value.replace("/", ".")
        if isinstance(payload, dict):
            for key in EVENT_TYPE_KEYS:
                if isinstance(payload.get(key), str) and payload[key]:
                    return payload[key]
        return ""

    def refuses(self, event_type):
        """True when this source refuses ``event_type``: it refuses unhandled
        event types and nothing handles this one."""
        return (
            self.handled_patterns is not None
            and handlers.best_pattern(self.handled_patterns, event_type) is None
        )

    def idempotency_key(self, delivery, payload, body_hash):
        """The key deduplicating a delivery, from what its signature covers only
        (see :func:`.signatures.idempotency_key`): an unsigned header such as
        ``Idempotency-Key`` or ``X-GitHub-Delivery`` never feeds it.

        ``delivery``: the :class:`~.signature_scheme.VerifiedDelivery` of the
        request."""
        return self.scheme.idempotency_key(delivery, body_hash, payload)
