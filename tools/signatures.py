# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sign and verify webhook payloads, one class per signature scheme.

A scheme is a :class:`SignatureScheme` subclass holding everything about it: its
code (stored in endpoint and inbound source records) and label, the headers it
reads, how it parses them into a timestamp and candidate signatures, what
content it signs, how it signs (schemes used for outbound deliveries only), which
signed value identifies a delivery and which header names the event type. The
built-in ones:

- ``standard_webhooks``: https://www.standardwebhooks.com (also sent by Svix).
  ``webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``,
  the key being the base64 part of a ``whsec_...`` secret.
- ``github``: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>``.
- ``stripe``: ``Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256(secret, "{t}.{body}")>``.
  Stripe uses its ``whsec_...`` secret as-is, it does not base64-decode it.
- ``shopify``: ``X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(secret, body)>``.
- ``hmac_sha256``: our own simple scheme for receivers without a Standard Webhooks
  library: ``X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, "{ts}.{body}")>``
  with ``X-Webhook-Timestamp: <unix seconds>``; while a secret is rotated, several
  signatures are sent comma separated (``sha256=<a>,sha256=<b>``). Received
  signatures may leave out the ``sha256=`` prefix.

Which schemes a database offers is decided by the models, per database
(``integration.secret.mixin._signature_schemes``, which other addons extend with
``super()``): this module keeps no registry, only :data:`BUILTIN_SCHEMES`. The
module-level :func:`sign`, :func:`verify` and :func:`idempotency_key` take a
scheme object or the code of a built-in one. Every comparison uses
:func:`hmac.compare_digest`.
"""

import base64
import binascii
import functools
import hmac
import secrets as secrets_module
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

STANDARD_WEBHOOKS = "standard_webhooks"
GITHUB = "github"
STRIPE = "stripe"
SHOPIFY = "shopify"
HMAC_SHA256 = "hmac_sha256"

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


def generate_secret() -> str:
    """Return a new Standard Webhooks secret: ``whsec_`` + base64 of 32 random
    bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets_module.token_bytes(32)).decode()


def current_secrets(secret, previous_secret, previous_expires_at, now):
    """The secrets valid at ``now``: ``secret``, then ``previous_secret`` until
    ``previous_expires_at`` (the overlap of a rotation)."""
    if previous_secret and previous_expires_at and previous_expires_at > now:
        return [secret, previous_secret]
    return [secret]


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


class StandardWebhooks(SignatureScheme):
    """Standard Webhooks (and Svix): id, timestamp and body signed."""

    code = STANDARD_WEBHOOKS
    label = "Standard Webhooks / Svix"
    outbound = True
    signed_id_headers = ("webhook-id", "svix-id")

    def key(self, secret):
        """Decode a ``whsec_<base64>`` secret; a bare base64 secret is accepted
        too, as the reference library does."""
        encoded = secret.removeprefix(SECRET_PREFIX)
        try:
            # Padding is added because some providers hand out unpadded base64;
            # extra padding is ignored by the decoder.
            key = base64.b64decode(encoded + "==")
        except binascii.Error as error:
            raise ValueError(
                f"the Standard Webhooks secret is not base64: {error}"
            ) from None
        if not key:
            raise ValueError("the Standard Webhooks secret decodes to an empty key")
        return key

    def parse(self, lowered):
        required_header(lowered, "webhook-id", "svix-id")
        raw_timestamp = required_header(lowered, "webhook-timestamp", "svix-timestamp")
        signature = required_header(lowered, "webhook-signature", "svix-signature")
        timestamp = _parse_timestamp(raw_timestamp, "webhook-timestamp")
        # Space separated "v1,<base64>" entries; other versions are skipped, as
        # the specification asks, so a future scheme can be sent alongside v1.
        return timestamp, candidates(
            [
                decode_b64(entry[3:])
                for entry in signature.split()
                if entry.startswith("v1,")
            ]
        )

    def signed_content(self, body, msg_id, timestamp):
        return f"{msg_id}.{timestamp}.".encode() + body

    def headers(self, msg_id, timestamp, digests):
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(
                "v1," + base64.b64encode(digest).decode() for digest in digests
            ),
        }


class GitHub(SignatureScheme):
    """GitHub: the body signed, nothing else (its delivery id header is not
    covered, so it identifies nothing)."""

    code = GITHUB
    label = "GitHub"
    event_type_header = "x-github-event"

    def parse(self, lowered):
        signature = required_header(lowered, "X-Hub-Signature-256")
        prefix, _sep, digest = signature.partition("=")
        return None, candidates([decode_hex(digest) if prefix == "sha256" else None])


class Stripe(SignatureScheme):
    """Stripe: timestamp and body signed; the event id is in the body."""

    code = STRIPE
    label = "Stripe"

    def parse(self, lowered):
        header = required_header(lowered, "Stripe-Signature")
        timestamps, signatures = [], []
        for item in header.split(","):
            key, _sep, value = item.strip().partition("=")
            if key == "t":
                timestamps.append(value)
            elif key == "v1":
                signatures.append(decode_hex(value))
        if len(timestamps) != 1:
            raise InvalidSignatureError("Stripe-Signature must hold exactly one t=")
        return _parse_timestamp(timestamps[0], "Stripe-Signature t"), candidates(
            signatures
        )

    def signed_content(self, body, msg_id, timestamp):
        return f"{timestamp}.".encode() + body

    def signed_key(self, payload):
        key = payload.get("id") if isinstance(payload, dict) else None
        return key if isinstance(key, str) else None


class Shopify(SignatureScheme):
    """Shopify: the body signed, base64 (its webhook id header is not
    covered)."""

    code = SHOPIFY
    label = "Shopify"
    event_type_header = "x-shopify-topic"

    def parse(self, lowered):
        signature = required_header(lowered, "X-Shopify-Hmac-Sha256")
        return None, candidates([decode_b64(signature)])


class HmacSha256(SignatureScheme):
    """Our own scheme: timestamp and body signed, one signature per secret.

    The ``X-Webhook-Id`` sent along is not covered, and the timestamp is left
    out of the key on purpose: a sender's retries of one message carry new
    timestamps and must stay duplicates of the first attempt.
    """

    code = HMAC_SHA256
    label = "HMAC-SHA256 with timestamp"
    outbound = True

    def parse(self, lowered):
        signature = required_header(lowered, "X-Webhook-Signature")
        raw_timestamp = required_header(lowered, "X-Webhook-Timestamp")
        timestamp = _parse_timestamp(raw_timestamp, "X-Webhook-Timestamp")
        # The sha256= prefix is optional: senders that copied a bare hex digest
        # from their HMAC library are accepted too (another algorithm's prefix
        # is not hex, so it matches nothing).
        return timestamp, candidates(
            [
                decode_hex(entry.strip().removeprefix("sha256="))
                for entry in signature.split(",")
            ]
        )

    def signed_content(self, body, msg_id, timestamp):
        return f"{timestamp}.".encode() + body

    def headers(self, msg_id, timestamp, digests):
        return {
            "X-Webhook-Id": msg_id,
            "X-Webhook-Timestamp": str(timestamp),
            "X-Webhook-Signature": ",".join("sha256=" + d.hex() for d in digests),
        }


#: The schemes the hub ships, in the order the selection lists show them.
BUILTIN_SCHEMES = (StandardWebhooks(), GitHub(), Stripe(), Shopify(), HmacSha256())
SCHEMES = tuple(scheme.code for scheme in BUILTIN_SCHEMES)
OUTBOUND_SCHEMES = tuple(scheme.code for scheme in BUILTIN_SCHEMES if scheme.outbound)


def idempotency_key(
    scheme, delivery: VerifiedDelivery, body_hash: str, payload=None
) -> str:
    """Return the key deduplicating an inbound delivery, taken only from what
    its signature covers, so that a captured request replayed with other
    unsigned headers is still recognised as the same delivery.

    - Standard Webhooks: the signed ``webhook-id`` (``svix-id``);
    - Stripe: the event ``id`` of the signed body;
    - GitHub, Shopify, ``hmac_sha256`` (delivery id not signed): the SHA-256
      of the body, ``sha256:<hex>``.

    :param scheme: a :class:`SignatureScheme`, or the code of a built-in one.
    :param delivery: what :func:`verify` returned for the request.
    :param body_hash: the hex SHA-256 of the body; the webhook controller
        passes that of its canonical JSON (sorted keys, compact separators), so
        the same payload serialised differently gets the same key.
    :param payload: the parsed JSON body (Stripe's event id is read from it).
    """
    return _scheme(scheme).idempotency_key(delivery, body_hash, payload)


def sign(
    scheme,
    secrets: Sequence[str] | str,
    body: bytes,
    msg_id: str,
    timestamp: int,
) -> dict[str, str]:
    """Return the headers to send with ``body`` signed under ``scheme``.

    :param scheme: a :class:`SignatureScheme` that signs outbound deliveries, or
        the code of a built-in one.
    :param secrets: the endpoint's secrets, current first; one string is accepted
        too. Every secret signs, so a receiver that knows only one of them during a
        rotation still accepts the delivery.
    :param body: the exact bytes that will be sent.
    :param msg_id: the message id, stable across attempts so receivers can dedupe.
    :param timestamp: unix seconds of this attempt.
    """
    return _scheme(scheme).sign(secrets, body, msg_id, timestamp)


def verify(
    scheme,
    secrets: Sequence[str] | str,
    headers: Mapping[str, str],
    body: bytes,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> VerifiedDelivery:
    """Check that ``body`` was signed under ``scheme`` with one of ``secrets``.

    :param scheme: a :class:`SignatureScheme`, or the code of a built-in one.
    :param headers: the request headers; looked up case-insensitively.
    :param body: the raw request body, exactly as received.
    :param now: current unix seconds, compared with the signed timestamp.
    :param tolerance: accepted distance in seconds between ``now`` and the signed
        timestamp, in both directions; ignored by schemes without a timestamp.
    :returns: :class:`VerifiedDelivery`.
    :raises SignatureError: a :class:`MissingHeaderError`,
        :class:`InvalidSignatureError` or :class:`TimestampOutOfToleranceError`.
    :raises ValueError: the scheme or the secrets are unusable (a configuration
        error, not the sender's fault).
    """
    return _scheme(scheme).verify(secrets, headers, body, now, tolerance)


def _scheme(scheme):
    if isinstance(scheme, SignatureScheme):
        return scheme
    for builtin in BUILTIN_SCHEMES:
        if builtin.code == scheme:
            return builtin
    raise ValueError(
        f"unsupported signature scheme {scheme!r}; expected one of "
        + ", ".join(SCHEMES)
    )


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


def _parse_timestamp(value, header):
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
