# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Signing and verification match each provider's published vectors, the official
``standardwebhooks`` library, and reject what they must with the right code.

Where no exact published vector exists (Stripe, our hmac_sha256), the expected
signature is computed here independently with :mod:`hmac`, following the
provider's documented recipe rather than calling the code under test.
"""

import base64
import hashlib
import hmac
import time
from datetime import datetime
from datetime import timezone

from standardwebhooks import Webhook
from standardwebhooks import WebhookVerificationError

from odoo.tests.common import BaseCase

from ..tools import signatures
from ..tools.signature_scheme import InvalidSignatureError
from ..tools.signature_scheme import MissingHeaderError
from ..tools.signature_scheme import TimestampOutOfToleranceError
from ..tools.signature_scheme import VerifiedDelivery
from ..tools.signatures import GITHUB
from ..tools.signatures import HMAC_SHA256
from ..tools.signatures import SHOPIFY
from ..tools.signatures import STANDARD_WEBHOOKS
from ..tools.signatures import STRIPE

# Test vector of the Standard Webhooks specification and its reference libraries.
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SW_TIMESTAMP = 1614265330
SW_BODY = b'{"test": 2432232314}'
SW_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SECOND_SECRET = (
    "whsec_" + base64.b64encode(b"a rotated secret, 32 bytes long!").decode()
)


def _hex_hmac(secret, content):
    return hmac.new(secret.encode(), content, hashlib.sha256).hexdigest()


class TestStandardWebhooks(BaseCase):
    def _headers(self, signature=SW_SIGNATURE):
        return {
            "webhook-id": SW_MSG_ID,
            "webhook-timestamp": str(SW_TIMESTAMP),
            "webhook-signature": signature,
        }

    def _rejection(self, error_class, headers, now):
        """Verify the specification body and return the error it must raise."""
        with self.assertRaises(error_class) as caught:
            signatures.verify(STANDARD_WEBHOOKS, [SW_SECRET], headers, SW_BODY, now)
        return caught.exception

    def test_sign_reproduces_specification_vector(self):
        headers = signatures.sign(
            STANDARD_WEBHOOKS, [SW_SECRET], SW_BODY, SW_MSG_ID, SW_TIMESTAMP
        )
        self.assertEqual(headers, self._headers())

    def test_verify_accepts_specification_vector(self):
        delivery = signatures.verify(
            STANDARD_WEBHOOKS, [SW_SECRET], self._headers(), SW_BODY, SW_TIMESTAMP
        )
        self.assertEqual(delivery, VerifiedDelivery(SW_MSG_ID, SW_TIMESTAMP))

    def test_secret_without_prefix_is_the_same_key(self):
        headers = signatures.sign(
            STANDARD_WEBHOOKS,
            SW_SECRET.removeprefix("whsec_"),
            SW_BODY,
            SW_MSG_ID,
            SW_TIMESTAMP,
        )
        self.assertEqual(headers["webhook-signature"], SW_SIGNATURE)

    def test_svix_header_names_and_any_case_are_accepted(self):
        headers = {
            "Svix-Id": SW_MSG_ID,
            "SVIX-TIMESTAMP": str(SW_TIMESTAMP),
            "svix-signature": SW_SIGNATURE,
        }
        delivery = signatures.verify(
            STANDARD_WEBHOOKS, [SW_SECRET], headers, SW_BODY, SW_TIMESTAMP
        )
        self.assertEqual(delivery.msg_id, SW_MSG_ID)

    def test_rotation_signs_with_every_secret(self):
        headers = signatures.sign(
            STANDARD_WEBHOOKS,
            [SW_SECRET, SECOND_SECRET],
            SW_BODY,
            SW_MSG_ID,
            SW_TIMESTAMP,
        )
        parts = headers["webhook-signature"].split(" ")
        self.assertEqual(len(parts), 2)
        self.assertEqual(parts[0], SW_SIGNATURE)
        # A receiver knowing either secret alone accepts the delivery.
        for secret in (SW_SECRET, SECOND_SECRET):
            delivery = signatures.verify(
                STANDARD_WEBHOOKS, [secret], headers, SW_BODY, SW_TIMESTAMP
            )
            self.assertEqual(delivery.msg_id, SW_MSG_ID)

    def test_unknown_versions_are_skipped(self):
        headers = self._headers("v2,bm90IGEgdjEgc2lnbmF0dXJl " + SW_SIGNATURE)
        delivery = signatures.verify(
            STANDARD_WEBHOOKS, [SW_SECRET], headers, SW_BODY, SW_TIMESTAMP
        )
        self.assertEqual(delivery.timestamp, SW_TIMESTAMP)

    def test_tampered_body_is_rejected(self):
        with self.assertRaises(InvalidSignatureError) as caught:
            signatures.verify(
                STANDARD_WEBHOOKS,
                [SW_SECRET],
                self._headers(),
                b'{"test": 2432232315}',
                SW_TIMESTAMP,
            )
        self.assertEqual(caught.exception.code, "invalid_signature")
        self.assertEqual(caught.exception.http_status, 401)

    def test_wrong_secret_is_rejected(self):
        with self.assertRaises(InvalidSignatureError):
            signatures.verify(
                STANDARD_WEBHOOKS,
                [SECOND_SECRET],
                self._headers(),
                SW_BODY,
                SW_TIMESTAMP,
            )

    def test_garbage_signature_is_rejected(self):
        error = self._rejection(
            InvalidSignatureError, self._headers("v1,***"), SW_TIMESTAMP
        )
        self.assertIn("no usable signature", error.message)

    def test_missing_header_is_a_client_error(self):
        for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            headers = self._headers()
            del headers[missing]
            with self.subTest(missing=missing):
                error = self._rejection(MissingHeaderError, headers, SW_TIMESTAMP)
                self.assertEqual(error.code, "missing_header")
                self.assertEqual(error.http_status, 400)
                self.assertIn(missing, error.message)

    def test_timestamp_tolerance_is_inclusive_both_ways(self):
        for now in (SW_TIMESTAMP - 300, SW_TIMESTAMP + 300):
            delivery = signatures.verify(
                STANDARD_WEBHOOKS, [SW_SECRET], self._headers(), SW_BODY, now
            )
            self.assertEqual(delivery.timestamp, SW_TIMESTAMP)

    def test_stale_and_future_timestamps_are_rejected(self):
        # now after the timestamp: a replay; now before it: a message from the future.
        for now in (SW_TIMESTAMP + 301, SW_TIMESTAMP - 301):
            with self.subTest(now=now):
                error = self._rejection(
                    TimestampOutOfToleranceError, self._headers(), now
                )
                self.assertEqual(error.code, "timestamp_out_of_tolerance")
                self.assertEqual(error.http_status, 401)

    def test_custom_tolerance(self):
        with self.assertRaises(TimestampOutOfToleranceError):
            signatures.verify(
                STANDARD_WEBHOOKS,
                [SW_SECRET],
                self._headers(),
                SW_BODY,
                SW_TIMESTAMP + 61,
                tolerance=60,
            )

    def test_non_numeric_timestamp_is_rejected(self):
        headers = self._headers()
        headers["webhook-timestamp"] = "yesterday"
        error = self._rejection(InvalidSignatureError, headers, SW_TIMESTAMP)
        self.assertIn("not a unix timestamp", error.message)


class TestStandardWebhooksLibraryInterop(BaseCase):
    """Both directions against the official ``standardwebhooks`` package, which
    checks timestamps against the real clock, hence ``time.time()`` here."""

    msg_id = "msg_interop"
    body = b'{"type": "booking.confirmed", "data": {"id": 7}}'

    def _library_signature(self, secret, timestamp):
        return Webhook(secret).sign(
            self.msg_id,
            datetime.fromtimestamp(timestamp, tz=timezone.utc),
            self.body.decode(),
        )

    def test_library_verifies_our_signature(self):
        headers = signatures.sign(
            STANDARD_WEBHOOKS, [SW_SECRET], self.body, self.msg_id, int(time.time())
        )
        payload = Webhook(SW_SECRET).verify(self.body, headers)
        self.assertEqual(payload, {"type": "booking.confirmed", "data": {"id": 7}})

    def test_library_rejects_our_signature_under_another_secret(self):
        headers = signatures.sign(
            STANDARD_WEBHOOKS, [SW_SECRET], self.body, self.msg_id, int(time.time())
        )
        with self.assertRaises(WebhookVerificationError):
            Webhook(SECOND_SECRET).verify(self.body, headers)

    def test_we_verify_the_library_signature(self):
        now = int(time.time())
        headers = {
            "webhook-id": self.msg_id,
            "webhook-timestamp": str(now),
            "webhook-signature": self._library_signature(SW_SECRET, now),
        }
        delivery = signatures.verify(
            STANDARD_WEBHOOKS, [SW_SECRET], headers, self.body, now
        )
        self.assertEqual(delivery, VerifiedDelivery(self.msg_id, now))

    def test_rotation_with_the_library(self):
        now = int(time.time())
        ours = signatures.sign(
            STANDARD_WEBHOOKS, [SW_SECRET, SECOND_SECRET], self.body, self.msg_id, now
        )
        for secret in (SW_SECRET, SECOND_SECRET):
            with self.subTest(direction="library verifies ours", secret=secret):
                self.assertIsNotNone(Webhook(secret).verify(self.body, ours))
        theirs = {
            "webhook-id": self.msg_id,
            "webhook-timestamp": str(now),
            "webhook-signature": " ".join(
                self._library_signature(secret, now)
                for secret in (SW_SECRET, SECOND_SECRET)
            ),
        }
        for secret in (SW_SECRET, SECOND_SECRET):
            with self.subTest(direction="we verify theirs", secret=secret):
                delivery = signatures.verify(
                    STANDARD_WEBHOOKS, [secret], theirs, self.body, now
                )
                self.assertEqual(delivery.msg_id, self.msg_id)

    def test_generated_secret_works_with_the_library(self):
        secret = signatures.generate_secret()
        self.assertTrue(secret.startswith("whsec_"))
        self.assertEqual(len(base64.b64decode(secret.removeprefix("whsec_"))), 32)
        self.assertNotEqual(secret, signatures.generate_secret())
        headers = signatures.sign(
            STANDARD_WEBHOOKS, [secret], self.body, self.msg_id, int(time.time())
        )
        self.assertIsNotNone(Webhook(secret).verify(self.body, headers))


class TestGithub(BaseCase):
    # GitHub's documented example ("Validating webhook deliveries").
    secret = "It's a Secret to Everybody"
    body = b"Hello, World!"
    signature = (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )

    def test_documented_example_verifies(self):
        headers = {"X-Hub-Signature-256": self.signature, "X-GitHub-Delivery": "d-1"}
        delivery = signatures.verify(GITHUB, [self.secret], headers, self.body, 0)
        # No timestamp in the scheme: any "now" is fine, and none is reported;
        # X-GitHub-Delivery is not signed, so it is not reported either.
        self.assertEqual(delivery, VerifiedDelivery(None, None))

    def test_rotation_accepts_any_configured_secret(self):
        headers = {"x-hub-signature-256": self.signature}
        delivery = signatures.verify(
            GITHUB, ["new secret", self.secret], headers, self.body, 0
        )
        self.assertIsNone(delivery.msg_id)

    def test_other_algorithm_prefix_is_rejected(self):
        headers = {"X-Hub-Signature-256": self.signature.replace("sha256=", "sha1=")}
        with self.assertRaises(InvalidSignatureError):
            signatures.verify(GITHUB, [self.secret], headers, self.body, 0)

    def test_tampered_body_is_rejected(self):
        headers = {"X-Hub-Signature-256": self.signature}
        with self.assertRaises(InvalidSignatureError):
            signatures.verify(GITHUB, [self.secret], headers, b"Hello, World?", 0)

    def test_missing_header(self):
        # The legacy SHA-1 header alone is not enough.
        headers = {"X-Hub-Signature": "sha1=01"}
        with self.assertRaises(MissingHeaderError):
            signatures.verify(GITHUB, [self.secret], headers, self.body, 0)


class TestStripe(BaseCase):
    # Stripe keys the HMAC with the whole "whsec_..." string, not its base64 part.
    secret = "whsec_test_secret"
    body = b'{"id": "evt_1", "object": "event"}'
    timestamp = 1700000000

    def _expected(self, secret=secret):
        return _hex_hmac(secret, f"{self.timestamp}.".encode() + self.body)

    def _verify(self, header, now=timestamp):
        return signatures.verify(
            STRIPE, [self.secret], {"Stripe-Signature": header}, self.body, now
        )

    def test_signature_verifies(self):
        delivery = self._verify(f"t={self.timestamp},v1={self._expected()}")
        # The event id is in the body: no delivery id from headers.
        self.assertEqual(delivery, VerifiedDelivery(None, self.timestamp))

    def test_any_v1_may_match_and_other_schemes_are_ignored(self):
        header = (
            f"t={self.timestamp},v1={self._expected('whsec_old')},"
            f"v1={self._expected()},v0=00ff"
        )
        self.assertEqual(self._verify(header).timestamp, self.timestamp)

    def test_wrong_secret_is_rejected(self):
        with self.assertRaises(InvalidSignatureError):
            self._verify(f"t={self.timestamp},v1={self._expected('whsec_other')}")

    def test_signature_bound_to_timestamp(self):
        # Replaying the signature under a fresh t= must fail.
        with self.assertRaises(InvalidSignatureError):
            self._verify(f"t={self.timestamp + 1},v1={self._expected()}")

    def test_stale_timestamp(self):
        with self.assertRaises(TimestampOutOfToleranceError):
            self._verify(
                f"t={self.timestamp},v1={self._expected()}", now=self.timestamp + 301
            )

    def test_malformed_headers(self):
        for header in (f"v1={self._expected()}", f"t={self.timestamp}", "garbage"):
            with self.subTest(header=header), self.assertRaises(InvalidSignatureError):
                self._verify(header)

    def test_missing_header(self):
        with self.assertRaises(MissingHeaderError):
            signatures.verify(STRIPE, [self.secret], {}, self.body, self.timestamp)


class TestShopify(BaseCase):
    # A Shopify example published with SQLPage's sqlpage.hmac('sha256-base64')
    # tests; test_vector_matches_independent_hmac recomputes it.
    secret = "test-webhook-secret"
    body = b'{"id":1234567890,"email":"customer@example.com","total_price":"123.45"}'
    signature = "QNyObTlKbMx2qDlPF/ZOZcBqg5OgPg+2oky3zldc0Gw="

    def test_vector_matches_independent_hmac(self):
        digest = hmac.new(self.secret.encode(), self.body, hashlib.sha256).digest()
        self.assertEqual(base64.b64encode(digest).decode(), self.signature)

    def test_signature_verifies(self):
        headers = {
            "X-Shopify-Hmac-Sha256": self.signature,
            "X-Shopify-Webhook-Id": "w1",
        }
        delivery = signatures.verify(SHOPIFY, [self.secret], headers, self.body, 0)
        # X-Shopify-Webhook-Id is not signed: not reported.
        self.assertEqual(delivery, VerifiedDelivery(None, None))

    def test_tampered_body_is_rejected(self):
        headers = {"X-Shopify-Hmac-SHA256": self.signature}
        with self.assertRaises(InvalidSignatureError):
            signatures.verify(SHOPIFY, [self.secret], headers, self.body + b" ", 0)

    def test_missing_header(self):
        with self.assertRaises(MissingHeaderError):
            signatures.verify(SHOPIFY, [self.secret], {}, self.body, 0)


class TestHmacSha256(BaseCase):
    secret = "whsec_plain_shared_secret"
    body = b'{"event": "guest.updated"}'
    timestamp = 1700000000

    def test_sign_follows_the_documented_recipe(self):
        headers = signatures.sign(
            HMAC_SHA256, [self.secret], self.body, "msg_1", self.timestamp
        )
        expected = _hex_hmac(self.secret, b"1700000000." + self.body)
        self.assertEqual(
            headers,
            {
                "X-Webhook-Id": "msg_1",
                "X-Webhook-Timestamp": "1700000000",
                "X-Webhook-Signature": f"sha256={expected}",
            },
        )

    def test_round_trip_with_rotation(self):
        headers = signatures.sign(
            HMAC_SHA256, ["current", "previous"], self.body, "msg_2", self.timestamp
        )
        self.assertEqual(headers["X-Webhook-Signature"].count("sha256="), 2)
        for secret in ("current", "previous"):
            delivery = signatures.verify(
                HMAC_SHA256, [secret], headers, self.body, self.timestamp
            )
            # X-Webhook-Id is not signed: not reported.
            self.assertEqual(delivery, VerifiedDelivery(None, self.timestamp))
        with self.assertRaises(InvalidSignatureError):
            signatures.verify(
                HMAC_SHA256, ["other"], headers, self.body, self.timestamp
            )

    def test_stale_timestamp(self):
        headers = signatures.sign(
            HMAC_SHA256, [self.secret], self.body, "msg_3", self.timestamp
        )
        with self.assertRaises(TimestampOutOfToleranceError):
            signatures.verify(
                HMAC_SHA256, [self.secret], headers, self.body, self.timestamp + 3600
            )

    def test_missing_timestamp_header(self):
        headers = signatures.sign(
            HMAC_SHA256, [self.secret], self.body, "msg_4", self.timestamp
        )
        del headers["X-Webhook-Timestamp"]
        with self.assertRaises(MissingHeaderError):
            signatures.verify(
                HMAC_SHA256, [self.secret], headers, self.body, self.timestamp
            )


class TestSchemeContract(BaseCase):
    def test_scheme_names(self):
        self.assertEqual(
            signatures.SCHEMES,
            ("standard_webhooks", "github", "stripe", "shopify", "hmac_sha256"),
        )
        self.assertEqual(
            tuple(s.code for s in signatures.BUILTIN_SCHEMES if s.outbound),
            ("standard_webhooks", "hmac_sha256"),
        )

    def test_idempotency_key_comes_from_signed_content_only(self):
        body_hash = hashlib.sha256(b"{}").hexdigest()
        by_body = f"sha256:{body_hash}"
        signed_id = VerifiedDelivery("msg_a", 1)
        unsigned = VerifiedDelivery(None, None)
        cases = [
            (STANDARD_WEBHOOKS, signed_id, None, "msg_a"),
            (STRIPE, VerifiedDelivery(None, 1), {"id": "evt_1"}, "evt_1"),
            (STRIPE, VerifiedDelivery(None, 1), {"id": 7}, by_body),
            (STRIPE, VerifiedDelivery(None, 1), ["evt_1"], by_body),
            (GITHUB, unsigned, {"id": "x"}, by_body),
            (SHOPIFY, unsigned, {"id": "x"}, by_body),
            (HMAC_SHA256, VerifiedDelivery(None, 1), {"id": "x"}, by_body),
        ]
        for scheme, delivery, payload, expected in cases:
            with self.subTest(scheme=scheme, payload=payload):
                self.assertEqual(
                    signatures.idempotency_key(scheme, delivery, body_hash, payload),
                    expected,
                )

    def test_unsigned_delivery_id_headers_are_not_reported(self):
        # What verify() reports is what the key is made of: for each scheme,
        # only an id its signature covers.
        headers = {
            "X-GitHub-Delivery": "g",
            "X-Shopify-Webhook-Id": "s",
            "X-Webhook-Id": "h",
            "Idempotency-Key": "i",
        }
        body = b"{}"
        cases = {
            GITHUB: {"X-Hub-Signature-256": "sha256=" + _hex_hmac("k", body)},
            SHOPIFY: {
                "X-Shopify-Hmac-Sha256": base64.b64encode(
                    hmac.new(b"k", body, hashlib.sha256).digest()
                ).decode()
            },
            HMAC_SHA256: {
                "X-Webhook-Timestamp": "5",
                "X-Webhook-Signature": "sha256=" + _hex_hmac("k", b"5." + body),
            },
        }
        for scheme, signed in cases.items():
            with self.subTest(scheme=scheme):
                delivery = signatures.verify(
                    scheme, ["k"], {**headers, **signed}, body, 5
                )
                self.assertIsNone(delivery.msg_id)

    def test_inbound_only_schemes_cannot_sign(self):
        for scheme in (GITHUB, STRIPE, SHOPIFY, "nope"):
            with (
                self.subTest(scheme=scheme),
                self.assertRaisesRegex(ValueError, "unsupported"),
            ):
                signatures.sign(scheme, ["s"], b"", "m", 0)

    def test_a_secret_is_required(self):
        for secrets in ([], [""], ""):
            with (
                self.subTest(secrets=secrets),
                self.assertRaisesRegex(ValueError, "secret"),
            ):
                signatures.verify(
                    HMAC_SHA256, secrets, {"X-Webhook-Signature": "x"}, b"", 0
                )
