# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Metrics per endpoint and overall equal the figures computed by hand, per window.

p95 follows ``percentile_cont``: for ``n`` sorted values, position
``1 + 0.95 * (n - 1)`` (1-based), interpolated linearly between its neighbours.
"""

from odoo.tests import TransactionCase
from odoo.tests import tagged

from ..models.metrics.integration_metrics import WINDOWS
from .metrics_common import AttemptLogMixin


@tagged("post_install", "-at_install")
class TestMetricsWindows(AttemptLogMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_attempt_log()
        cls._known_log()
        cls.metrics = cls.env["integration.metrics"]
        cls.ids = [cls.endpoint_a.id, cls.endpoint_b.id]

    def assertStats(self, stats, expected):
        for key, value in expected.items():
            with self.subTest(key=key):
                self.assertAlmostEqual(stats[key], value, places=6)

    def test_last_hour(self):
        overall, per_endpoint = self.metrics._window_stats("1h", self.ids, self.now)
        # A: 10..200 ms; p95 at position 19.05: 190 + 0.05 * (200 - 190).
        self.assertStats(
            per_endpoint[self.endpoint_a.id],
            {
                "total": 20,
                "delivered": 16,
                "failed": 4,
                "retried": 2,
                "success_rate": 0.8,
                "avg_ms": 105,
                "p95_ms": 190.5,
                "circuit_opens": 1,
                "circuit_closes": 1,
            },
        )
        # B: 100..400 ms; p95 at position 3.85: 300 + 0.85 * 100.
        expected_b = {
            "total": 4,
            "delivered": 0,
            "failed": 4,
            "retried": 2,
            "success_rate": 0.0,
            "avg_ms": 250,
            "p95_ms": 385,
            "circuit_opens": 1,
            "circuit_closes": 0,
        }
        self.assertStats(per_endpoint[self.endpoint_b.id], expected_b)
        # Both: 24 values, positions 22 and 23 are 200 and 300; p95 at 22.85.
        self.assertStats(
            overall,
            {
                "total": 24,
                "delivered": 16,
                "failed": 8,
                "retried": 4,
                "success_rate": 16 / 24,
                "avg_ms": (2100 + 1000) / 24,
                "p95_ms": 285,
                "circuit_opens": 2,
                "circuit_closes": 1,
            },
        )

    def test_last_24_hours(self):
        overall, per_endpoint = self.metrics._window_stats("24h", self.ids, self.now)
        # A adds 1000..1400 ms; p95 at position 23.8 between 1200 and 1300.
        self.assertStats(
            per_endpoint[self.endpoint_a.id],
            {
                "total": 25,
                "delivered": 16,
                "failed": 9,
                "retried": 7,
                "success_rate": 16 / 25,
                "avg_ms": (2100 + 6000) / 25,
                "p95_ms": 1280,
                "circuit_opens": 1,
                "circuit_closes": 1,
            },
        )
        # 29 values; p95 at position 27.6 between 1200 and 1300.
        self.assertStats(
            overall,
            {
                "total": 29,
                "delivered": 16,
                "failed": 13,
                "retried": 9,
                "success_rate": 16 / 29,
                "avg_ms": (2100 + 6000 + 1000) / 29,
                "p95_ms": 1260,
                "circuit_opens": 2,
                "circuit_closes": 1,
            },
        )

    def test_last_7_days_excludes_older_attempts(self):
        overall, per_endpoint = self.metrics._window_stats("7d", self.ids, self.now)
        # A adds 3 x 5000 ms; the 9000 ms attempts of 8 days ago stay out.
        self.assertStats(
            per_endpoint[self.endpoint_a.id],
            {
                "total": 28,
                "delivered": 19,
                "failed": 9,
                "retried": 7,
                "success_rate": 19 / 28,
                "avg_ms": (2100 + 6000 + 15000) / 28,
                "p95_ms": 5000,
                "circuit_opens": 2,
                "circuit_closes": 1,
            },
        )
        self.assertStats(
            overall,
            {
                "total": 32,
                "delivered": 19,
                "failed": 13,
                "retried": 9,
                "success_rate": 19 / 32,
                "avg_ms": (2100 + 6000 + 15000 + 1000) / 32,
                "p95_ms": 5000,
                "circuit_opens": 3,
                "circuit_closes": 1,
            },
        )

    def test_all_windows_and_one_endpoint(self):
        stats = {}
        for window in WINDOWS:
            overall, per_endpoint = self.metrics._window_stats(
                window, [self.endpoint_b.id], self.now
            )
            stats[window] = {"overall": overall, "endpoints": per_endpoint}
        self.assertEqual(set(stats), {"1h", "24h", "7d"})
        for window, figures in stats.items():
            with self.subTest(window=window):
                # Only B counts, so the overall figures are B's.
                self.assertEqual(set(figures["endpoints"]), {self.endpoint_b.id})
                self.assertEqual(
                    figures["overall"], figures["endpoints"][self.endpoint_b.id]
                )
                self.assertEqual(figures["overall"]["total"], 4)
                self.assertAlmostEqual(figures["overall"]["p95_ms"], 385)

    def test_endpoint_without_attempts(self):
        quiet = self._endpoint("Metrics quiet")
        overall, per_endpoint = self.metrics._window_stats("24h", quiet.ids, self.now)
        self.assertEqual(per_endpoint, {})
        self.assertEqual(overall["total"], 0)
        self.assertIsNone(overall["success_rate"])
        self.assertIsNone(overall["p95_ms"])
