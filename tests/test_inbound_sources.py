# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inbound source configuration is checked when saved, and rotation works."""

from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase
from odoo.tests import tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestInboundSources(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source = cls.env["integration.inbound.source"].create(
            {"name": "Channel manager", "slug": "cm"}
        )

    def test_defaults(self):
        self.assertTrue(self.source.secret.startswith("whsec_"))
        self.assertEqual(self.source.scheme, "standard_webhooks")
        self.assertEqual(self.source.tolerance, 300)
        self.assertEqual(self.source.max_body_size, 1024 * 1024)
        self.assertEqual(self.source.key_ttl_days, 7)
        self.assertTrue(self.source.webhook_url.endswith("/integration/webhook/cm"))

    def test_invalid_settings_are_refused(self):
        cases = {
            "slug": "Not a slug!",
            "secret": "whsec_!!!",
            "allowed_networks": "10.0.0.0/8, not-an-address",
        }
        for field, value in cases.items():
            with self.subTest(field=field), self.assertRaises(ValidationError):
                self.source.write({field: value})

    @mute_logger("odoo.sql_db")
    def test_limits_must_be_positive(self):
        for field, value in (
            ("tolerance", 0),
            ("max_body_size", 0),
            ("rate_limit", -1),
        ):
            with self.subTest(field=field), self.assertRaises(IntegrityError):
                self.source.write({field: value})
                self.source.flush_recordset()

    def test_previous_secret_needs_an_expiry(self):
        with self.assertRaises(ValidationError):
            self.source.previous_secret = self.source.secret

    def test_rotation_keeps_the_old_secret_for_a_day(self):
        old = self.source.secret
        self.source.action_rotate_secret()
        now = fields.Datetime.now()
        # What a webhook request checks signatures with.
        webhook_source = self.source._as_webhook_source()
        self.assertNotEqual(self.source.secret, old)
        self.assertEqual(
            webhook_source.verification_secrets(now), [self.source.secret, old]
        )
        tomorrow = now + timedelta(days=1, seconds=1)
        self.assertEqual(
            webhook_source.verification_secrets(tomorrow), [self.source.secret]
        )

    @mute_logger("odoo.sql_db")
    def test_duplicate_slug_is_refused(self):
        with self.assertRaises(IntegrityError):
            self.env["integration.inbound.source"].create({"name": "x", "slug": "cm"})
