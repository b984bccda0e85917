# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""During a secret rotation, receivers holding either secret accept deliveries;
after the overlap only the new secret signs."""

from datetime import timedelta

from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from odoo import fields
from odoo.tests import HttpCase
from odoo.tests import tagged

from ..tools import signatures
from .outbound_common import OutboundMixin
from .outbound_common import Receiver


@tagged("post_install", "-at_install")
class TestSecretRotation(OutboundMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()

    def _send_one(self):
        delivery = self.env["integration.event"].emit("outbound.test").delivery_ids
        self.run_jobs()
        self.assertEqual(delivery.state, "delivered")

    def test_both_secrets_verify_during_overlap(self):
        with Receiver() as receiver:
            endpoint = self._new_endpoint(receiver.url)
            old_secret = endpoint.secret
            wizard = (
                self.env["integration.endpoint.rotate.secret"]
                .with_context(default_endpoint_id=endpoint.id)
                .create({})
            )
            self.assertAlmostEqual(
                wizard.previous_expires_at,
                fields.Datetime.now() + timedelta(hours=24),
                delta=timedelta(seconds=5),
            )
            wizard.action_rotate()
            new_secret = endpoint.secret
            self.assertNotEqual(new_secret, old_secret)
            self._send_one()
            # Overlap over: only the new secret signs.
            endpoint.previous_secret_expires_at = fields.Datetime.now() - timedelta(
                seconds=1
            )
            self._send_one()
        during, after = receiver.requests
        for secret in (old_secret, new_secret):
            Webhook(secret).verify(during["body"], during["headers"])
        self.assertEqual(len(during["headers"]["webhook-signature"].split()), 2)
        Webhook(new_secret).verify(after["body"], after["headers"])
        with self.assertRaises(WebhookVerificationError):
            Webhook(old_secret).verify(after["body"], after["headers"])

    def test_hmac_scheme_headers(self):
        with Receiver() as receiver:
            endpoint = self._new_endpoint(receiver.url, signature_scheme="hmac_sha256")
            self._send_one()
        [request] = receiver.requests
        headers = {k.lower(): v for k, v in request["headers"].items()}
        self.assertTrue(headers["x-webhook-signature"].startswith("sha256="))
        self.assertTrue(headers["x-webhook-timestamp"].isdigit())
        signatures.verify(
            "hmac_sha256",
            endpoint.secret,
            headers,
            request["body"],
            int(headers["x-webhook-timestamp"]),
        )
