# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The operator's first screen: each figure counts what the user can open, over
the right window, and opens the list it counts; attempts per hour by outcome."""

import re
from datetime import timedelta

from odoo.tests import TransactionCase
from odoo.tests import new_test_user
from odoo.tests import tagged

from ..tools import backoff
from .metrics_common import AttemptLogMixin


def percentile_cont(values, fraction):
    """PostgreSQL's percentile_cont: linear interpolation between ranks."""
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@tagged("post_install", "-at_install")
class TestDashboardFigures(AttemptLogMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_attempt_log()
        cls._known_log()
        cls.user = new_test_user(
            cls.env,
            login="ih_figures_user",
            groups="integration_hub.group_integration_user",
        )

    def _figure(self, code):
        return (
            self.env["integration.dashboard.figure"]
            .with_user(self.user)
            .search([("code", "=", code)])
        )

    def test_the_dashboard_is_the_first_screen(self):
        figures = self.env["integration.dashboard.figure"].with_user(self.user)
        self.assertEqual(
            figures.search([]).mapped("code")[:3],
            ["deliveries_24h", "success_rate_24h", "p95_24h"],
        )
        menu = self.env.ref("integration_hub.menu_integration_dashboard")
        self.assertEqual(menu.action.res_model, "integration.dashboard.figure")

    def test_attempt_figures_cover_the_last_24_hours(self):
        # The known log's attempts of the last 24 hours (see _known_log): A's 20
        # of the last hour (16 delivered) and 5 of three hours ago, B's 4.
        durations = [*range(10, 201, 10), *range(1000, 1401, 100), 100, 200, 300, 400]
        rate = self._figure("success_rate_24h")
        self.assertEqual(rate.value, f"{16 / 29 * 100:.1f} %")
        self.assertEqual(rate.tone, "warning")
        p95 = self._figure("p95_24h")
        self.assertEqual(p95.value, f"{percentile_cont(durations, 0.95):.0f} ms")
        self.assertEqual(self._figure("attempts_last_hour").value, "24")
        self.assertEqual(self._figure("deliveries_24h").value, "2")

    def test_waiting_deliveries_and_circuits_open_their_lists(self):
        self.assertEqual(
            (
                self._figure("dead_deliveries").value,
                self._figure("dead_deliveries").tone,
            ),
            ("0", "muted"),
        )
        dead = self._delivery(self.endpoint_a) | self._delivery(self.endpoint_b)
        dead.write({"state": "dead"})
        self.endpoint_b.circuit_id.write({"state": "open"})
        # Figures are computed afresh for each request, not kept in a cache.
        self.env.invalidate_all()
        figure = self._figure("dead_deliveries")
        self.assertEqual((figure.value, figure.tone), ("2", "danger"))
        action = figure.action_open()
        self.assertEqual(action["res_model"], "integration.delivery")
        self.assertIn("search_default_dead", action["context"])
        circuits = self._figure("open_circuits")
        self.assertEqual(circuits.value, "1")
        action = circuits.action_open()
        self.assertEqual(
            self.env[action["res_model"]].with_user(self.user).search(action["domain"]),
            self.endpoint_b.circuit_id,
        )

    def test_deliveries_of_the_day_open_filtered_by_time(self):
        action = self._figure("deliveries_24h").action_open()
        found = self.env["integration.delivery"].search(action["domain"])
        self.assertEqual(len(found), 2)

    def test_attempts_per_hour_by_outcome(self):
        Hourly = self.env["integration.attempt.hourly"].with_user(self.user)
        groups = Hourly.read_group(
            [("endpoint_id", "=", self.endpoint_b.id)],
            ["attempt_count:sum"],
            ["outcome"],
        )
        self.assertEqual(
            {group["outcome"]: group["attempt_count"] for group in groups},
            {backoff.FAILED: 2, backoff.RETRY: 2},
        )
        hours = Hourly.search([("endpoint_id", "=", self.endpoint_a.id)])
        self.assertTrue(
            all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:00", row.hour) for row in hours)
        )
        self.assertEqual(sum(hours.mapped("attempt_count")), 20 + 5 + 3 + 2)

    def test_rest_api_and_backend_figures_count_the_last_24_hours(self):
        now = self.env.cr.now().replace(tzinfo=None, second=0, microsecond=0)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("integration_hub.allowed_networks", "127.0.0.1")
        params.set_param("integration_hub.allow_http", "True")
        # Never called: its counts are written below.
        backend = self.env["integration.backend"].create(
            {"name": "Figures backend", "base_url": "http://127.0.0.1:9"}
        )

        def traffic(minutes_ago, status, count):
            return {
                "minute": now - timedelta(minutes=minutes_ago),
                "route": "GET /api/v1/bookings",
                "status_code": status,
                "status_class": f"{status // 100}xx",
                "latency_bucket": 0,
                "call_count": count,
                "duration_sum_ms": 5.0 * count,
            }

        def call(minutes_ago, outcome, count):
            return {
                "minute": now - timedelta(minutes=minutes_ago),
                "backend_ref": backend.id,
                "outcome": outcome,
                "status_code": 0 if outcome == "error" else 200,
                "latency_bucket": 0,
                "call_count": count,
                "duration_sum_ms": 5.0 * count,
            }

        self.env["integration.api.traffic"].create(
            [traffic(5, 200, 7), traffic(60, 429, 2), traffic(25 * 60, 200, 100)]
        )
        self.env["integration.backend.call"].create(
            [call(5, "ok", 4), call(10, "error", 3), call(26 * 60, "error", 50)]
        )
        self.env.invalidate_all()
        requests = self._figure("api_requests_24h")
        # 7 answered and 2 throttled in the last 24 hours; throttling shows.
        self.assertEqual((requests.value, requests.tone), ("9", "warning"))
        errors = self._figure("backend_errors_24h")
        self.assertEqual((errors.value, errors.tone), ("3", "danger"))
        action = errors.action_open()
        found = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(sum(found.mapped("call_count")), 3)
