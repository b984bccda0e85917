# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inbound webhooks through Odoo's real HTTP server: every scheme accepted when
signed as its provider signs, refused with the right envelope otherwise, stored
once and queued for processing; refusals leave one audit line and nothing else.

Expected signatures are computed here with :mod:`hmac` following each provider's
documented recipe, or taken from the providers' published examples, or made by
the official ``standardwebhooks`` library, never by the code under test.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from standardwebhooks import Webhook

from odoo import fields
from odoo.tests import HttpCase
from odoo.tests import tagged

# The Standard Webhooks specification's test vector (signed in February 2021).
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SW_TIMESTAMP = 1614265330
SW_BODY = b'{"test": 2432232314}'
SW_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
# GitHub's documentation example ("Validating webhook deliveries").
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = (
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)
OTHER_SECRET = "whsec_" + base64.b64encode(b"another secret of 32 bytes long!").decode()


def hex_hmac(secret, content):
    return hmac.new(secret.encode(), content, hashlib.sha256).hexdigest()


def canonical_sha256(body):
    """The hex SHA-256 of the canonical JSON of ``body`` (sorted keys, compact
    separators, UTF-8), written out here with :mod:`json` and :mod:`hashlib`."""
    canonical = json.dumps(
        json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def library_headers(secret, body, msg_id=None, timestamp=None):
    """Headers the official Standard Webhooks library produces for ``body``."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = Webhook(secret).sign(
        msg_id, datetime.fromtimestamp(timestamp, tz=timezone.utc), body.decode()
    )
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


class InboundCase(HttpCase):
    """Sources for each scheme and helpers to post to them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Source = cls.env["integration.inbound.source"]
        cls.source = Source.create(
            {"name": "Channel manager", "slug": "channel", "secret": SW_SECRET}
        )
        cls.github = Source.create(
            {
                "name": "GitHub",
                "slug": "github",
                "scheme": "github",
                "secret": GITHUB_SECRET,
            }
        )
        cls.stripe = Source.create(
            {
                "name": "Stripe",
                "slug": "stripe",
                "scheme": "stripe",
                "secret": "whsec_stripe_test_secret",
            }
        )
        cls.shopify = Source.create(
            {
                "name": "Shopify",
                "slug": "shopify",
                "scheme": "shopify",
                "secret": "shpss_shopify_secret",
            }
        )
        cls.hmac_source = Source.create(
            {
                "name": "Own HMAC",
                "slug": "hmac",
                "scheme": "hmac_sha256",
                "secret": "plain shared secret",
            }
        )

    def post(self, slug, body, headers=None, content_type="application/json"):
        all_headers = {"Content-Type": content_type, **(headers or {})}
        return self.opener.post(
            f"{self.base_url()}/integration/webhook/{slug}",
            data=body,
            headers=all_headers,
            timeout=20,
        )

    def body(self, **values):
        return json.dumps(
            {"type": "booking.created", "data": {"id": 7}, **values}
        ).encode()

    def count(self, model, domain=None):
        return self.env[model].search_count(domain or [])

    def assert_accepted(self, response):
        self.assertEqual(response.status_code, 202, response.text)
        data = response.json()["data"]
        self.assertEqual(data["type"], "inbound_message")
        self.assertEqual(data["attributes"], {"status": "queued"})
        self.assertTrue(response.headers.get("X-Request-Id"))
        message = self.env["integration.inbound.message"].browse(int(data["id"]))
        self.assertTrue(message.exists())
        self.assertEqual(message.state, "queued")
        self.assertTrue(message.sudo().job_id, "a processing job is queued")
        self.assertEqual(message.sudo().job_id.channel, "root.integration.inbound")
        return message


@tagged("post_install", "-at_install")
class TestInboundSchemes(InboundCase):
    def test_standard_webhooks_specification_vector(self):
        # The vector was signed in 2021: only a tolerance reaching back that far
        # accepts it, which shows the signature itself is right.
        self.source.tolerance = int(time.time()) - SW_TIMESTAMP + 600
        response = self.post(
            "channel",
            SW_BODY,
            {
                "webhook-id": SW_MSG_ID,
                "webhook-timestamp": str(SW_TIMESTAMP),
                "webhook-signature": SW_SIGNATURE,
            },
        )
        message = self.assert_accepted(response)
        self.assertEqual(message.idempotency_key, SW_MSG_ID)
        self.assertEqual(message.body, SW_BODY.decode())
        self.assertEqual(message.source_id, self.source)

    def test_standard_webhooks_library_signature(self):
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        message = self.assert_accepted(self.post("channel", body, headers))
        self.assertEqual(message.event_type, "booking.created")
        self.assertEqual(message.idempotency_key, headers["webhook-id"])
        stored = json.loads(message.headers)
        self.assertEqual(
            stored["Webhook-Signature"], "v1,********", "signatures are masked"
        )
        self.assertEqual(stored["Webhook-Id"], headers["webhook-id"])

    def test_svix_headers(self):
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        svix = {name.replace("webhook", "svix"): v for name, v in headers.items()}
        message = self.assert_accepted(self.post("channel", body, svix))
        self.assertEqual(message.idempotency_key, svix["svix-id"])

    def test_github_documentation_vector_passes_verification(self):
        # GitHub's example body is not JSON: it gets past the signature and is
        # refused by the next step, as malformed JSON.
        response = self.post(
            "github", GITHUB_BODY, {"X-Hub-Signature-256": GITHUB_SIGNATURE}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["code"], "malformed_json")

    def test_github_signed_delivery(self):
        body = json.dumps({"action": "opened", "number": 1}).encode()
        delivery = str(uuid.uuid4())
        response = self.post(
            "github",
            body,
            {
                "X-Hub-Signature-256": "sha256=" + hex_hmac(GITHUB_SECRET, body),
                "X-GitHub-Event": "pull_request",
                "X-GitHub-Delivery": delivery,
            },
        )
        message = self.assert_accepted(response)
        self.assertEqual(message.event_type, "pull_request")
        # X-GitHub-Delivery is not signed: the signed body is the key.
        self.assertEqual(message.idempotency_key, "sha256:" + canonical_sha256(body))

    def test_stripe_signed_delivery(self):
        body = json.dumps(
            {"id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "type": "charge.succeeded"}
        ).encode()
        now = int(time.time())
        signature = hex_hmac("whsec_stripe_test_secret", f"{now}.".encode() + body)
        response = self.post(
            "stripe", body, {"Stripe-Signature": f"t={now},v1={signature},v0=abc"}
        )
        message = self.assert_accepted(response)
        self.assertEqual(message.event_type, "charge.succeeded")
        self.assertEqual(message.idempotency_key, "evt_1NG8Du2eZvKYlo2CUI79vXWy")

    def test_shopify_signed_delivery(self):
        body = json.dumps({"id": 820982911946154508}).encode()
        digest = hmac.new(b"shpss_shopify_secret", body, hashlib.sha256).digest()
        response = self.post(
            "shopify",
            body,
            {
                "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            },
        )
        message = self.assert_accepted(response)
        self.assertEqual(message.event_type, "orders.create")
        # X-Shopify-Webhook-Id is not signed: the signed body is the key.
        self.assertEqual(message.idempotency_key, "sha256:" + canonical_sha256(body))

    def test_hmac_sha256_signed_delivery(self):
        body = self.body()
        now = int(time.time())
        response = self.post(
            "hmac",
            body,
            {
                "X-Webhook-Timestamp": str(now),
                "X-Webhook-Signature": "sha256="
                + hex_hmac("plain shared secret", f"{now}.".encode() + body),
            },
        )
        message = self.assert_accepted(response)
        # No delivery id header: the body's hash is the key.
        self.assertEqual(message.idempotency_key, "sha256:" + canonical_sha256(body))

    def test_unsigned_idempotency_key_header_is_ignored(self):
        body = self.body()
        headers = {
            "Idempotency-Key": "order-42",
            "X-Idempotency-Key": "order-43",
            "X-Webhook-Id": "msg_unsigned",
            "X-Webhook-Timestamp": str(int(time.time())),
        }
        headers["X-Webhook-Signature"] = "sha256=" + hex_hmac(
            "plain shared secret",
            f"{headers['X-Webhook-Timestamp']}.".encode() + body,
        )
        message = self.assert_accepted(self.post("hmac", body, headers))
        self.assertEqual(message.idempotency_key, "sha256:" + canonical_sha256(body))


@tagged("post_install", "-at_install")
class TestInboundReplay(InboundCase):
    def test_duplicate_gets_the_first_answer(self):
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        first = self.post("channel", body, headers)
        self.assertEqual(first.status_code, 202)
        self.assertNotIn("Idempotent-Replayed", first.headers)
        second = self.post("channel", body, headers)
        self.assertEqual(second.status_code, 202)
        self.assertEqual(second.content, first.content)
        self.assertEqual(second.headers["Idempotent-Replayed"], "true")
        self.assertEqual(
            self.count(
                "integration.inbound.message", [("source_id", "=", self.source.id)]
            ),
            1,
        )
        self.assertEqual(
            self.count("queue.job", [("channel", "=", "root.integration.inbound")]),
            1,
        )

    def test_same_id_with_another_body_is_refused(self):
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        self.assertEqual(self.post("channel", body, headers).status_code, 202)
        other = self.body(data={"id": 8})
        reused = library_headers(SW_SECRET, other, msg_id=headers["webhook-id"])
        response = self.post("channel", other, reused)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["error"]["code"], "idempotency_key_reused")
        self.assertEqual(self.count("integration.inbound.message"), 1)

    def test_expired_key_is_claimed_again(self):
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        self.assertEqual(self.post("channel", body, headers).status_code, 202)
        key = self.env["integration.idempotency.key"].search(
            [("scope", "=", f"inbound:{self.source.id}")]
        )
        key.sudo().expires_at = fields.Datetime.now() - timedelta(seconds=1)
        again = self.post("channel", body, headers)
        self.assertEqual(again.status_code, 202)
        self.assertNotIn("Idempotent-Replayed", again.headers)
        self.assertEqual(self.count("integration.inbound.message"), 2)


@tagged("post_install", "-at_install")
class TestInboundRotation(InboundCase):
    def test_previous_secret_accepted_until_it_expires(self):
        self.source.action_rotate_secret()
        self.assertNotEqual(self.source.secret, SW_SECRET)
        self.assertEqual(self.source.previous_secret, SW_SECRET)
        body = self.body()
        self.assert_accepted(
            self.post("channel", body, library_headers(SW_SECRET, body))
        )
        self.assert_accepted(
            self.post("channel", body, library_headers(self.source.secret, body))
        )
        self.source.previous_secret_expires_at = fields.Datetime.now() - timedelta(
            seconds=1
        )
        response = self.post("channel", body, library_headers(SW_SECRET, body))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"]["code"], "invalid_signature")
