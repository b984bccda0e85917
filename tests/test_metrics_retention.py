# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The retention purge deletes old attempts without lowering any Prometheus
counter: what it deletes is rolled into ``integration.metrics.total``, and new
attempts keep counting on top of it."""

from datetime import timedelta

from odoo.tests import HttpCase
from odoo.tests import tagged

from ..tools import backoff
from .metrics_common import AttemptLogMixin
from .metrics_common import PrometheusScrapeMixin

# The families whose samples are counters (or cumulative histogram figures).
COUNTER_NAMES = (
    "integration_delivery_attempts_total",
    "integration_delivery_attempt_duration_seconds_bucket",
    "integration_delivery_attempt_duration_seconds_count",
    "integration_delivery_attempt_duration_seconds_sum",
    "integration_circuit_transitions_total",
)


@tagged("post_install", "-at_install")
class TestMetricsRetention(PrometheusScrapeMixin, AttemptLogMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_attempt_log()
        cls._known_log()
        cls._set_metrics_token()
        cls.Attempt = cls.env["integration.delivery.attempt"]

    def _counters(self):
        return {
            key: value
            for key, value in self._samples().items()
            if key[0] in COUNTER_NAMES
        }

    def _age(self, deliveries, state, days):
        """Put ``deliveries`` in ``state``, ended ``days`` ago (in SQL: the ORM
        would stamp ``write_date`` with now)."""
        self.env.flush_all()
        ended = self.now - timedelta(days=days)
        self.env.cr.execute(
            """
            UPDATE integration_delivery
               SET state = %s, delivered_at = %s, write_date = %s
             WHERE id IN %s
            """,
            (state, ended, ended, tuple(deliveries.ids)),
        )
        self.env.invalidate_all()

    def _purge(self, deliveries):
        """Run the retention purge and check it deleted ``deliveries`` and their
        attempts."""
        attempts = self.Attempt.search([("delivery_id", "in", deliveries.ids)])
        self.assertTrue(attempts)
        self.env["integration.delivery"]._cron_purge()
        self.assertFalse(deliveries.exists())
        self.assertFalse(attempts.exists())

    def test_purge_keeps_counters_and_new_attempts_add(self):
        before = self._counters()
        attempts = "integration_delivery_attempts_total"
        delivered_a = (attempts, "Metrics A", (("outcome", "delivered"),))
        self.assertEqual(before[delivered_a], 21)
        endpoints = self.endpoint_a | self.endpoint_b
        deliveries = self.Attempt.search([("endpoint_id", "in", endpoints.ids)])
        deliveries = deliveries.delivery_id
        # Past both retentions (30 days delivered, 90 days failed or dead).
        delivery_a = deliveries.filtered(lambda d: d.endpoint_id == self.endpoint_a)
        self._age(delivery_a, "delivered", 31)
        self._age(deliveries - delivery_a, "dead", 91)
        self._purge(deliveries)
        self.assertFalse(self.Attempt.search([("endpoint_id", "in", endpoints.ids)]))
        totals = self.env["integration.metrics.total"].search(
            [("endpoint_id", "=", self.endpoint_a.id), ("outcome", "=", "delivered")]
        )
        self.assertEqual(totals.attempt_count, 21)

        after = self._counters()
        self.assertEqual(after, before)

        # Nothing left to purge: a second run counts nothing twice.
        self.env["integration.delivery"]._cron_purge()
        self.assertEqual(self._counters(), before)

        # A new attempt of A (delivered, 40 ms) adds exactly one on top.
        delivery = self._delivery(self.endpoint_a)
        self._attempts(delivery, timedelta(minutes=1), [40], backoff.DELIVERED)
        expected = dict(before)
        expected[delivered_a] += 1
        histogram = "integration_delivery_attempt_duration_seconds"
        expected[f"{histogram}_count", "Metrics A", ()] += 1
        expected[f"{histogram}_sum", "Metrics A", ()] += 0.04
        for key in expected:
            if key[0] == f"{histogram}_bucket" and key[1] == "Metrics A":
                bound = dict(key[2])["le"]
                if bound == "+Inf" or float(bound) >= 0.04:
                    expected[key] += 1
        counters = self._counters()
        self.assertEqual(counters.keys(), expected.keys())
        for key, value in expected.items():
            with self.subTest(sample=key):
                self.assertAlmostEqual(counters[key], value)
        self.assertEqual(counters[delivered_a], 22)

        # Purged in turn, it lands on the existing total row (ON CONFLICT).
        self._age(delivery, "delivered", 31)
        self._purge(delivery)
        self.assertEqual(totals.attempt_count, 22)
        self.assertEqual(self._counters(), counters)
