# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bad endpoint configuration is refused with a clear message and nothing is
saved; unsafe targets are refused when saved and again when sent; secrets stay
with managers."""

import base64

from odoo.exceptions import AccessError
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase
from odoo.tests import new_test_user
from odoo.tests import tagged

from .outbound_common import OutboundMixin
from .outbound_common import Receiver


@tagged("post_install", "-at_install")
class TestEndpointConfig(OutboundMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()
        cls.Endpoint = cls.env["integration.endpoint"]

    def assertRefused(self, message_part, **values):
        count = self.Endpoint.search_count([])
        url = values.pop("url", "http://127.0.0.1:9/hook")
        with self.assertRaises(ValidationError) as caught:
            self._new_endpoint(url, **values)
        self.assertIn(message_part, str(caught.exception))
        self.assertEqual(self.Endpoint.search_count([]), count, "something saved")

    def test_invalid_urls(self):
        self.assertRefused("must start with https://", url="not a url")
        self.assertRefused("must start with https://", url="ftp://127.0.0.1/x")
        self.assertRefused("no host", url="https:///path")

    def test_unsafe_targets_refused_when_saved(self):
        self.assertRefused("private", url="https://10.0.0.1/hook")
        self.assertRefused("cloud metadata", url="https://169.254.169.254/latest")
        self.assertRefused("loopback", url="https://127.0.0.2/hook")

    def test_http_needs_the_setting(self):
        self.env["ir.config_parameter"].set_param("integration_hub.allow_http", False)
        self.assertRefused("plain http is not allowed")

    def test_bad_numbers_and_schedules(self):
        self.assertRefused("not a whole number", retry_schedule="0, soon")
        self.assertRefused("negative", retry_schedule="0, -5")
        self.assertRefused("empty", retry_schedule="0,,60")
        self.assertRefused("timeout", timeout=0)
        self.assertRefused("timeout", timeout=61)
        self.assertRefused("timeout", timeout=-3)
        self.assertRefused("greater than 0", circuit_failure_threshold=0)
        self.assertRefused("greater than 0", circuit_open_seconds=-1)
        self.assertRefused("greater than 0", circuit_half_open_trials=0)
        self.assertRefused("concurrent", max_concurrency=0)
        self.assertRefused("JSON object", custom_headers="{not json")
        self.assertRefused("JSON object of strings", custom_headers='{"X-A": 1}')

    def test_event_types_required(self):
        self.assertRefused("at least one event type", event_type_ids=[(5,)])

    def test_unsafe_target_refused_again_when_sent(self):
        with Receiver() as receiver:
            endpoint = self._new_endpoint(receiver.url)
            event = self.env["integration.event"].emit("outbound.test")
            # The allow-list changed after the endpoint was saved.
            self.env["ir.config_parameter"].set_param(
                "integration_hub.allowed_networks", ""
            )
            event.delivery_ids._send()
        delivery = event.delivery_ids
        self.assertEqual(delivery.state, "failed")
        self.assertEqual(delivery.attempt_ids.error_class, "UnsafeURL")
        self.assertIn("loopback", delivery.attempt_ids.error_message)
        self.assertEqual(receiver.requests, [], "a refused target was contacted")
        self.assertEqual(endpoint.state, "active")

    def test_secret_generated_and_manager_only(self):
        endpoint = self._new_endpoint("http://127.0.0.1:9/hook")
        self.assertTrue(endpoint.secret.startswith("whsec_"))
        self.assertGreaterEqual(len(base64.b64decode(endpoint.secret[6:])), 24)
        user = new_test_user(
            self.env,
            login="ih_out_user",
            groups="integration_hub.group_integration_user",
        )
        as_user = endpoint.with_user(user)
        self.assertEqual(as_user.name, endpoint.name)
        with self.assertRaises(AccessError):
            as_user.read(["secret"])
        with self.assertRaises(AccessError):
            as_user.write({"name": "renamed"})

    def test_secret_never_in_chatter(self):
        endpoint = self._new_endpoint("http://127.0.0.1:9/hook")
        old_secret = endpoint.secret
        endpoint.write({"name": "Renamed", "timeout": 12})
        endpoint._rotate_secret("2099-01-01 00:00:00")
        # Tracking messages are written when the transaction commits.
        self.env.cr.precommit.run()
        endpoint.invalidate_recordset(["message_ids"])
        texts = " ".join(
            str(m.body)
            + " ".join(m.tracking_value_ids.mapped("old_value_char"))
            + " ".join(m.tracking_value_ids.mapped("new_value_char"))
            for m in endpoint.message_ids
        )
        self.assertNotIn(old_secret, texts)
        self.assertNotIn(endpoint.secret, texts)
        self.assertIn("Secret rotated", texts)
