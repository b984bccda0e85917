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
import secrets as secrets_module
from collections.abc import Mapping
from collections.abc import Sequence

from .signature_scheme import DEFAULT_TOLERANCE
from .signature_scheme import SECRET_PREFIX
from .signature_scheme import InvalidSignatureError
from .signature_scheme import SignatureScheme
from .signature_scheme import VerifiedDelivery
from .signature_scheme import candidates
from .signature_scheme import decode_b64
from .signature_scheme import decode_hex
from .signature_scheme import parse_timestamp
from .signature_scheme import required_header

STANDARD_WEBHOOKS = "standard_webhooks"
GITHUB = "github"
STRIPE = "stripe"
SHOPIFY = "shopify"
HMAC_SHA256 = "hmac_sha256"


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
        timestamp = parse_timestamp(raw_timestamp, "webhook-timestamp")
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
        return parse_timestamp(timestamps[0], "Stripe-Signature t"), candidates(
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
        timestamp = parse_timestamp(raw_timestamp, "X-Webhook-Timestamp")
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
