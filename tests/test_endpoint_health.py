# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The health cron disables an endpoint whose every attempt failed for the
configured days, says why on the endpoint, keeps its pending deliveries, and
leaves alone endpoints with a recent success or a shorter failure streak."""

from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase
from odoo.tests import tagged

from ..tools import backoff
from .metrics_common import AttemptLogMixin

DAY = timedelta(days=1)


@tagged("post_install", "-at_install")
class TestEndpointHealth(AttemptLogMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_attempt_log()
        cls.Health = cls.env["integration.endpoint.health"]
        # Failed every attempt for 6 days: disabled.
        cls.failing = cls._endpoint("Failing for 6 days")
        cls.failing_delivery = cls._failing_since(cls.failing, 6)
        # Failed for 6 days but delivered once 2 days ago: kept.
        cls.recovered = cls._endpoint("Delivered 2 days ago")
        delivery = cls._failing_since(cls.recovered, 6)
        cls._attempts(delivery, 2 * DAY, [80], backoff.DELIVERED)
        # Failing for 2 days only (a success 3 days ago): kept with the default 5.
        cls.recent = cls._endpoint("Failing for 2 days")
        delivery = cls._failing_since(cls.recent, 2)
        cls._attempts(delivery, 3 * DAY, [80], backoff.DELIVERED)
        # Paused by an operator: not the cron's business.
        cls.paused = cls._endpoint("Paused", state="paused")
        cls._failing_since(cls.paused, 6)

    @classmethod
    def _failing_since(cls, endpoint, days):
        """A pending delivery of ``endpoint`` that failed once a day for ``days``
        days, the last time an hour ago."""
        delivery = cls._delivery(endpoint)
        for day in range(days, 0, -1):
            cls._attempts(delivery, day * DAY, [30], backoff.RETRY)
        cls._attempts(delivery, timedelta(hours=1), [30], backoff.RETRY)
        return delivery

    def _run_cron(self):
        self.env.ref(
            "integration_hub.ir_cron_disable_failing_endpoints"
        ).method_direct_trigger()
        self.env.invalidate_all()

    def test_disables_endpoint_failing_for_5_days(self):
        self._run_cron()
        self.assertEqual(self.failing.state, "disabled")
        message = self.failing.message_ids[:1]
        self.assertIn("Disabled automatically", message.body)
        self.assertIn("7 delivery attempts", message.body)
        self.assertIn("5 days", message.body)
        # Nothing is lost: the delivery waits for the endpoint to be enabled.
        self.assertEqual(self.failing_delivery.state, "pending")
        for endpoint in (self.recovered, self.recent):
            with self.subTest(endpoint=endpoint.name):
                self.assertEqual(endpoint.state, "active")
        self.assertEqual(self.paused.state, "paused")

    def test_days_come_from_the_setting(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "integration_hub.health_disable_days", "2"
        )
        self._run_cron()
        self.assertEqual(self.recent.state, "disabled")
        self.assertIn("2 days", self.recent.message_ids[:1].body)
        # Its failures began right after a success 1 day ago: still kept.
        self.assertEqual(self.recovered.state, "active")

    def test_dashboard_row_of_a_disabled_endpoint(self):
        self._run_cron()
        self.env.flush_all()
        row = self.Health.search([("endpoint_id", "=", self.failing.id)])
        self.assertEqual(row.health, "disabled")
        self.assertEqual(row.pending_count, 1)
        # One failed attempt (an hour ago) in the last 24 hours.
        self.assertEqual(row.total_24h, 1)
        self.assertEqual(row.success_rate_24h, 0.0)

    def test_nothing_to_do_twice(self):
        self._run_cron()
        self.assertFalse(self.Health._failing_endpoints(5))

    def test_settings(self):
        Settings = self.env["res.config.settings"]
        with self.assertRaises(ValidationError):
            Settings.create({"integration_health_disable_days": 0})
        Settings.create(
            {
                "integration_health_disable_days": 3,
                "integration_metrics_token": "scrape-me",
            }
        ).execute()
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("integration_hub.health_disable_days"), "3")
        self.assertEqual(params.get_param("integration_hub.metrics_token"), "scrape-me")
        self.assertEqual(self.Health._disable_days(), 3)
