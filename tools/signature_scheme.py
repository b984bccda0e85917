# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What every signature scheme shares: the base class, its errors and the
building blocks of a scheme's ``parse()``.

A scheme of its own (in this module's ``signatures`` or in another addon)
subclasses :class:`SignatureScheme`; see :mod:`.signatures` for the built-in
ones and the module-level ``sign``/``verify``.
"""

import binascii
import functools
import hmac
from dataclasses import dataclass

DEFAULT_TOLERANCE = 300

SECRET_PREFIX = "whsec_"  # nosec B105  # the format's prefix, not a secret


class SignatureError(Exception):
    """A delivery failed verification; ``code`` and ``http_status`` say how to
    answer the sender."""

    code = "signature_error"
    http_status = 401

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class MissingHeaderError(SignatureError):
    """A header the scheme requires is absent or empty."""

    code = "missing_header"
    http_status = 400


class InvalidSignatureError(SignatureError):
    """No signature matches any configured secret, or the header is malformed."""

    code = "invalid_signature"
    http_status = 401


class TimestampOutOfToleranceError(SignatureError):
    """The signed timestamp is too old (a replay) or too far in the future."""

    code = "timestamp_out_of_tolerance"
    http_status = 401


@dataclass(frozen=True)
class VerifiedDelivery:
    """What a successful verification learnt about the delivery: the delivery
    id and the timestamp its signature covers (None when the scheme signs none)."""

    msg_id: str | None
    timestamp: int | None


class SignatureScheme:
    """One signature scheme; subclass it (one class per scheme) and add an
    instance to ``integration.secret.mixin._signature_schemes()``.

    A subclass sets :attr:`code` and :attr:`label` and implements
    :meth:`parse`; it overrides :meth:`signed_content` when the signature covers
    more than the body, :attr:`signed_id_headers` when the signature covers a
    delivery id sent in a header, :meth:`signed_key` when the body holds one,
    :attr:`event_type_header` when a header names the event type, and
    :meth:`headers` (with :attr:`outbound` True) when the hub signs outbound
    deliveries with it. Keys are HMAC-SHA256 keys: the secret's bytes, unless
    :meth:`key` says otherwise.
    """

    #: The value stored in the records' selection fields.
    code = None
    #: What the selection shows.
    label = None
    #: Whether endpoints may sign outbound deliveries with it.
    outbound = False
    #: Headers carrying the sender's delivery id, for schemes whose signature
    #: covers it (first one present wins).
    signed_id_headers = ()
    #: Header naming the event type, when the body does not carry it.
    event_type_header = None

    def key(self, secret):
        """The HMAC key of ``secret`` (``ValueError`` when unusable)."""
        return secret.encode()

    def parse(self, lowered):
        """``(timestamp or None, candidate digests)`` from the request headers
        ``lowered`` (by lowercase name); raises :class:`MissingHeaderError` or
        :class:`InvalidSignatureError` for absent or unusable headers."""
        raise NotImplementedError

    def signed_content(self, body, msg_id, timestamp):
        """The bytes the signature covers."""
        return body

    def headers(self, msg_id, timestamp, digests):
        """The headers carrying ``digests`` (one per secret) of an outbound
        delivery."""
        raise ValueError(
            f"unsupported signature scheme {self.code!r} for signing: it is "
            "used for inbound deliveries only"
        )

    def signed_key(self, payload):
        """A delivery id the signed body carries, when the scheme has one."""
        return None

    def sign(self, secrets, body, msg_id, timestamp):
        """The headers to send with ``body`` signed with every one of
        ``secrets`` (current first, so a receiver knowing only one of them
        during a rotation still accepts the delivery)."""
        if not self.outbound:
            self.headers(msg_id, timestamp, [])
        content = self.signed_content(body, msg_id, timestamp)
        digests = [_hmac(key, content) for key in self.keys(secrets)]
        return self.headers(msg_id, timestamp, digests)

    def verify(self, secrets, headers, body, now, tolerance=DEFAULT_TOLERANCE):
        """Check that ``body`` was signed with one of ``secrets``; return the
        :class:`VerifiedDelivery` (see :func:`verify`)."""
        keys = self.keys(secrets)
        lowered = {key.lower(): value for key, value in headers.items()}
        msg_id = _first_header(lowered, self.signed_id_headers)
        timestamp, candidates = self.parse(lowered)
        content = self.signed_content(body, msg_id, timestamp)
        expected = [_hmac(key, content) for key in keys]
        if not any(
            hmac.compare_digest(digest, candidate)
            for digest in expected
            for candidate in candidates
        ):
            raise InvalidSignatureError("no signature matches the configured secret")
        # Checked after the signature so that only authentic but replayed (or
        # badly clocked) deliveries learn that their timestamp is the problem.
        if timestamp is not None and abs(now - timestamp) > tolerance:
            raise TimestampOutOfToleranceError(
                f"timestamp {timestamp} is more than {tolerance} s away from now "
                f"({now})"
            )
        return VerifiedDelivery(msg_id=msg_id, timestamp=timestamp)

    def idempotency_key(self, delivery, body_hash, payload=None):
        """The key deduplicating a delivery, from what its signature covers
        only (see :func:`idempotency_key`)."""
        key = delivery.msg_id or self.signed_key(payload)
        return (key or f"sha256:{body_hash}")[:255]

    def check_secret(self, secret):
        """Raise ``ValueError`` when ``secret`` cannot be a key of this scheme."""
        self.keys([secret])

    def keys(self, secrets):
        """The HMAC keys of the configured secrets."""
        if isinstance(secrets, str):
            secrets = [secrets]
        return _decoded_keys(self, tuple(secrets))

    def __hash__(self):
        return hash((type(self), self.code))

    def __eq__(self, other):
        return type(self) is type(other) and self.code == other.code


@functools.lru_cache(maxsize=256)
def _decoded_keys(scheme, secrets):
    """The keys of ``secrets``, kept: a receiver checks every request with the
    same few."""
    if not secrets or not all(secrets):
        raise ValueError("a non-empty signing secret is required")
    return tuple(scheme.key(secret) for secret in secrets)


def _hmac(key, content):
    mac = _keyed_hmac(key).copy()
    mac.update(content)
    return mac.digest()


@functools.lru_cache(maxsize=256)
def _keyed_hmac(key):
    """An HMAC-SHA256 of ``key`` over nothing yet, copied for each message: a
    copy costs a fraction of setting up the key and the digest again."""
    return hmac.new(key, digestmod="sha256")


def _first_header(lowered, names):
    for name in names:
        value = lowered.get(name.lower())
        if value:
            return value
    return None


# Building blocks for the parse() of a scheme class.


def required_header(lowered, *names):
    """The first of the headers ``names`` present in ``lowered`` (by lowercase
    name); :class:`MissingHeaderError` when none is."""
    value = _first_header(lowered, names)
    if value is None:
        raise MissingHeaderError(f"missing header {' or '.join(names)}")
    return value


def parse_timestamp(value, header):
    """``value`` of ``header`` as unix seconds; :class:`InvalidSignatureError`
    when it is not an integer."""
    try:
        return int(value)
    except ValueError:
        raise InvalidSignatureError(f"{header} is not a unix timestamp") from None


def decode_b64(value):
    """Decode one base64 signature, or None when it is not base64 (such a candidate
    simply matches nothing)."""
    try:
        return binascii.a2b_base64(value, strict_mode=True)
    except ValueError:  # binascii.Error, or a character beyond ASCII
        return None


def decode_hex(value):
    """Decode one hex signature, or None when it is not hex."""
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def candidates(decoded):
    """The usable signatures of ``decoded``; :class:`InvalidSignatureError`
    when there is none."""
    found = [candidate for candidate in decoded if candidate]
    if not found:
        raise InvalidSignatureError("the signature header holds no usable signature")
    return found
