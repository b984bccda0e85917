# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sign and verify webhook payloads for each supported signature scheme.

Schemes (the names are stored in endpoint and inbound source records):

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
  signatures are sent comma separated (``sha256=<a>,sha256=<b>``).

Only ``standard_webhooks`` and ``hmac_sha256`` are used for outbound deliveries, so
only those can be signed here. Every comparison uses :func:`hmac.compare_digest`.
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

SCHEMES = (STANDARD_WEBHOOKS, GITHUB, STRIPE, SHOPIFY, HMAC_SHA256)
OUTBOUND_SCHEMES = (STANDARD_WEBHOOKS, HMAC_SHA256)

DEFAULT_TOLERANCE = 300

SECRET_PREFIX = "whsec_"  # nosec B105  # the format's prefix, not a secret

# Headers carrying the sender's delivery id, for the schemes whose signature
# covers it. GitHub (X-GitHub-Delivery), Shopify (X-Shopify-Webhook-Id) and our
# own HMAC scheme (X-Webhook-Id) send one too, but outside what they sign: anyone
# replaying a captured request could change it, so it identifies nothing.
SIGNED_ID_HEADERS = {
    STANDARD_WEBHOOKS: ("webhook-id", "svix-id"),
}


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


def idempotency_key(
    scheme: str, delivery: VerifiedDelivery, body_hash: str, payload=None
) -> str:
    """Return the key deduplicating an inbound delivery, taken only from what
    its signature covers, so that a captured request replayed with other
    unsigned headers is still recognised as the same delivery.

    - Standard Webhooks: the signed ``webhook-id`` (``svix-id``);
    - Stripe: the event ``id`` of the signed body;
    - GitHub, Shopify, ``hmac_sha256`` (delivery id not signed): the body's
      SHA-256, ``sha256:<hex>``. The timestamp that ``hmac_sha256`` also signs is
      left out on purpose: a sender's retries of one message carry new
      timestamps and must stay duplicates of the first attempt.

    :param delivery: what :func:`verify` returned for the request.
    :param body_hash: the hex SHA-256 of the raw body.
    :param payload: the parsed JSON body (Stripe's event id is read from it).
    """
    _check_scheme(scheme, SCHEMES)
    key = delivery.msg_id
    if not key and scheme == STRIPE and isinstance(payload, dict):
        key = payload.get("id") if isinstance(payload.get("id"), str) else None
    return (key or f"sha256:{body_hash}")[:255]


def sign(
    scheme: str,
    secrets: Sequence[str] | str,
    body: bytes,
    msg_id: str,
    timestamp: int,
) -> dict[str, str]:
    """Return the headers to send with ``body`` signed under ``scheme``.

    :param scheme: one of :data:`OUTBOUND_SCHEMES`.
    :param secrets: the endpoint's secrets, current first; one string is accepted
        too. Every secret signs, so a receiver that knows only one of them during a
        rotation still accepts the delivery.
    :param body: the exact bytes that will be sent.
    :param msg_id: the message id, stable across attempts so receivers can dedupe.
    :param timestamp: unix seconds of this attempt.
    """
    _check_scheme(scheme, OUTBOUND_SCHEMES)
    keys = _keys(scheme, secrets)
    content = _signed_content(scheme, body, msg_id, timestamp)
    digests = [_hmac(key, content) for key in keys]
    if scheme == STANDARD_WEBHOOKS:
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(
                "v1," + base64.b64encode(digest).decode() for digest in digests
            ),
        }
    return {
        "X-Webhook-Id": msg_id,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": ",".join("sha256=" + d.hex() for d in digests),
    }


def verify(
    scheme: str,
    secrets: Sequence[str] | str,
    headers: Mapping[str, str],
    body: bytes,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> VerifiedDelivery:
    """Check that ``body`` was signed under ``scheme`` with one of ``secrets``.

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
    _check_scheme(scheme, SCHEMES)
    keys = _keys(scheme, secrets)
    lowered = _lower_keys(headers)
    msg_id = _first_header(lowered, SIGNED_ID_HEADERS.get(scheme, ()))
    timestamp, candidates = _PARSERS[scheme](lowered)
    content = _signed_content(scheme, body, msg_id, timestamp)
    expected = [_hmac(key, content) for key in keys]
    if not any(
        hmac.compare_digest(digest, candidate)
        for digest in expected
        for candidate in candidates
    ):
        raise InvalidSignatureError("no signature matches the configured secret")
    # Checked after the signature so that only authentic but replayed (or badly
    # clocked) deliveries learn that their timestamp is the problem.
    if timestamp is not None and abs(now - timestamp) > tolerance:
        raise TimestampOutOfToleranceError(
            f"timestamp {timestamp} is more than {tolerance} s away from now ({now})"
        )
    return VerifiedDelivery(msg_id=msg_id, timestamp=timestamp)


def _check_scheme(scheme, supported):
    if scheme not in supported:
        raise ValueError(
            f"unsupported signature scheme {scheme!r}; expected one of "
            + ", ".join(supported)
        )


def _keys(scheme, secrets):
    """Turn the configured secrets into HMAC keys."""
    if isinstance(secrets, str):
        secrets = [secrets]
    return _decoded_keys(scheme, tuple(secrets))


@functools.lru_cache(maxsize=256)
def _decoded_keys(scheme, secrets):
    """:func:`_keys`, kept: a receiver checks every request with the same few."""
    if not secrets or not all(secrets):
        raise ValueError("a non-empty signing secret is required")
    if scheme == STANDARD_WEBHOOKS:
        return tuple(_standard_webhooks_key(secret) for secret in secrets)
    return tuple(secret.encode() for secret in secrets)


def _standard_webhooks_key(secret):
    """Decode a ``whsec_<base64>`` secret; a bare base64 secret is accepted too,
    as the reference library does."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        # Padding is added because some providers hand out unpadded base64; extra
        # padding is ignored by the decoder.
        key = base64.b64decode(encoded + "==")
    except binascii.Error as error:
        raise ValueError(
            f"the Standard Webhooks secret is not base64: {error}"
        ) from None
    if not key:
        raise ValueError("the Standard Webhooks secret decodes to an empty key")
    return key


def _signed_content(scheme, body, msg_id, timestamp):
    if scheme == STANDARD_WEBHOOKS:
        return f"{msg_id}.{timestamp}.".encode() + body
    if scheme in (STRIPE, HMAC_SHA256):
        return f"{timestamp}.".encode() + body
    return body


def _hmac(key, content):
    mac = _keyed_hmac(key).copy()
    mac.update(content)
    return mac.digest()


@functools.lru_cache(maxsize=256)
def _keyed_hmac(key):
    """An HMAC-SHA256 of ``key`` over nothing yet, copied for each message: a
    copy costs a fraction of setting up the key and the digest again."""
    return hmac.new(key, digestmod="sha256")


def _lower_keys(headers):
    return {key.lower(): value for key, value in headers.items()}


def _first_header(lowered, names):
    for name in names:
        value = lowered.get(name.lower())
        if value:
            return value
    return None


def _required_header(lowered, *names):
    value = _first_header(lowered, names)
    if value is None:
        raise MissingHeaderError(f"missing header {' or '.join(names)}")
    return value


def _parse_timestamp(value, header):
    try:
        return int(value)
    except ValueError:
        raise InvalidSignatureError(f"{header} is not a unix timestamp") from None


def _decode_b64(value):
    """Decode one base64 signature, or None when it is not base64 (such a candidate
    simply matches nothing)."""
    try:
        return binascii.a2b_base64(value, strict_mode=True)
    except ValueError:  # binascii.Error, or a character beyond ASCII
        return None


def _decode_hex(value):
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _candidates(decoded):
    found = [candidate for candidate in decoded if candidate]
    if not found:
        raise InvalidSignatureError("the signature header holds no usable signature")
    return found


def _parse_standard_webhooks(lowered):
    _required_header(lowered, "webhook-id", "svix-id")
    raw_timestamp = _required_header(lowered, "webhook-timestamp", "svix-timestamp")
    signature = _required_header(lowered, "webhook-signature", "svix-signature")
    timestamp = _parse_timestamp(raw_timestamp, "webhook-timestamp")
    # Space separated "v1,<base64>" entries; other versions are skipped, as the
    # specification asks, so a future scheme can be sent alongside v1.
    return timestamp, _candidates(
        [
            _decode_b64(entry[3:])
            for entry in signature.split()
            if entry.startswith("v1,")
        ]
    )


def _parse_github(lowered):
    signature = _required_header(lowered, "X-Hub-Signature-256")
    prefix, _sep, digest = signature.partition("=")
    return None, _candidates([_decode_hex(digest) if prefix == "sha256" else None])


def _parse_stripe(lowered):
    header = _required_header(lowered, "Stripe-Signature")
    timestamps, signatures = [], []
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        if key == "t":
            timestamps.append(value)
        elif key == "v1":
            signatures.append(_decode_hex(value))
    if len(timestamps) != 1:
        raise InvalidSignatureError("Stripe-Signature must hold exactly one t=")
    return _parse_timestamp(timestamps[0], "Stripe-Signature t"), _candidates(
        signatures
    )


def _parse_shopify(lowered):
    signature = _required_header(lowered, "X-Shopify-Hmac-Sha256")
    return None, _candidates([_decode_b64(signature)])


def _parse_hmac_sha256(lowered):
    signature = _required_header(lowered, "X-Webhook-Signature")
    raw_timestamp = _required_header(lowered, "X-Webhook-Timestamp")
    timestamp = _parse_timestamp(raw_timestamp, "X-Webhook-Timestamp")
    decoded = []
    for entry in signature.split(","):
        prefix, _sep, digest = entry.strip().partition("=")
        decoded.append(_decode_hex(digest) if prefix == "sha256" else None)
    return timestamp, _candidates(decoded)


# Each parser returns (timestamp or None, candidate signature digests) and raises
# MissingHeaderError / InvalidSignatureError for absent or unusable headers.
_PARSERS = {
    STANDARD_WEBHOOKS: _parse_standard_webhooks,
    GITHUB: _parse_github,
    STRIPE: _parse_stripe,
    SHOPIFY: _parse_shopify,
    HMAC_SHA256: _parse_hmac_sha256,
}
