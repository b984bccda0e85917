# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Integration dashboard: the first screen of the Integration menu, one card per
endpoint with its last 24 hours, the endpoints that need an operator first."""

from datetime import timedelta

from odoo.tests import TransactionCase
from odoo.tests import new_test_user
from odoo.tests import tagged

from ..tools import backoff
from .metrics_common import AttemptLogMixin


@tagged("post_install", "-at_install")
class TestMetricsDashboard(AttemptLogMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_attempt_log()
        cls._known_log()
        half_hour = timedelta(minutes=30)
        cls.healthy = cls._endpoint("Metrics healthy")
        cls._attempts(
            cls._delivery(cls.healthy), half_hour, [40, 50], backoff.DELIVERED
        )
        # Every attempt delivered, but its circuit is open: failing.
        cls.open_circuit = cls._endpoint("Metrics open circuit")
        cls._attempts(
            cls._delivery(cls.open_circuit), half_hour, [40], backoff.DELIVERED
        )
        cls.open_circuit.circuit_id.sudo().write({"state": "open"})
        cls.idle = cls._endpoint("Metrics idle")
        cls.disabled = cls._endpoint("Metrics disabled", state="disabled")
        cls.ids = (
            cls.endpoint_a
            | cls.endpoint_b
            | cls.healthy
            | cls.open_circuit
            | cls.idle
            | cls.disabled
        ).ids
        cls.user = new_test_user(
            cls.env,
            login="ih_dashboard_user",
            groups="integration_hub.group_integration_user",
        )

    def _rows(self):
        return self.env["integration.endpoint.health"].search(
            [("endpoint_id", "in", self.ids)]
        )

    def test_failing_endpoints_first(self):
        rows = self._rows()
        self.assertEqual(
            [(row.name, row.health) for row in rows],
            [
                # Failing: the lowest success rate first, then by name.
                ("Metrics B", "failing"),
                ("Metrics open circuit", "failing"),
                ("Metrics disabled", "disabled"),
                ("Metrics A", "degraded"),
                ("Metrics healthy", "healthy"),
                ("Metrics idle", "idle"),
            ],
        )

    def test_card_figures_are_the_24_hour_metrics(self):
        row = self._rows().filtered(lambda r: r.endpoint_id == self.endpoint_a)
        # Same figures as integration.metrics for 24 h (see test_metrics_windows).
        self.assertEqual(row.total_24h, 25)
        self.assertEqual(row.delivered_24h, 16)
        self.assertEqual(row.failed_24h, 9)
        self.assertEqual(row.retried_24h, 7)
        self.assertAlmostEqual(row.success_rate_24h, 64.0)
        self.assertAlmostEqual(row.avg_ms_24h, 324)
        self.assertAlmostEqual(row.p95_ms_24h, 1280)
        self.assertEqual(row.circuit_opens_24h, 1)
        self.assertEqual(row.circuit_closes_24h, 1)
        self.assertEqual(row.circuit_state, "closed")
        self.assertEqual(row.pending_count, 1)
        self.assertEqual(row.last_attempt_at, self.now - timedelta(minutes=10))
        idle = self._rows().filtered(lambda r: r.endpoint_id == self.idle)
        self.assertEqual(idle.total_24h, 0)
        self.assertEqual(idle.p95_ms_24h, 0)

    def test_endpoint_form_fields(self):
        self.assertEqual(self.endpoint_a.attempt_count_24h, 25)
        self.assertAlmostEqual(self.endpoint_a.success_rate_24h, 64.0)
        self.assertAlmostEqual(self.endpoint_a.avg_ms_24h, 324)
        self.assertAlmostEqual(self.endpoint_a.p95_ms_24h, 1280)
        self.assertEqual(self.idle.attempt_count_24h, 0)
        self.assertEqual(self.idle.p95_ms_24h, 0)

    def test_grouped_for_graph_and_pivot(self):
        groups = self.env["integration.endpoint.health"].read_group(
            [("endpoint_id", "in", self.ids)],
            ["total_24h:sum", "p95_ms_24h:max"],
            ["health"],
        )
        by_health = {group["health"]: group for group in groups}
        self.assertEqual(by_health["failing"]["total_24h"], 4 + 1)
        self.assertAlmostEqual(by_health["degraded"]["p95_ms_24h"], 1280)

    def test_first_screen_of_the_integration_menu(self):
        root = self.env.ref("integration_hub.menu_integration_root")
        first = self.env["ir.ui.menu"].search(
            [("parent_id", "=", root.id)], order="sequence, id", limit=1
        )
        self.assertEqual(
            first, self.env.ref("integration_hub.menu_integration_dashboard")
        )
        self.assertEqual(first.action.res_model, "integration.dashboard.figure")

    def test_integration_user_reads_the_dashboard(self):
        rows = (
            self.env["integration.endpoint.health"]
            .with_user(self.user)
            .search([("endpoint_id", "in", self.ids)])
        )
        self.assertEqual(len(rows), 6)
        action = rows[:1].action_open_endpoint()
        self.assertEqual(action["res_model"], "integration.endpoint")
        self.assertEqual(action["res_id"], rows[:1].endpoint_id.id)
