# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Latency buckets of calls counted per minute (tools/latency.py): the bucket
of a duration, cumulative counts, and the p95 interpolated as Prometheus'
``histogram_quantile`` does."""

from odoo.tests import BaseCase

from ..tools import latency


class TestLatencyBuckets(BaseCase):
    def test_bucket_of_a_duration(self):
        self.assertEqual(latency.bucket_index(0), 0)
        self.assertEqual(latency.bucket_index(10), 0)  # bounds are inclusive
        self.assertEqual(latency.bucket_index(10.01), 1)
        self.assertEqual(latency.bucket_index(30000), len(latency.BUCKETS_MS) - 1)
        self.assertEqual(latency.bucket_index(30000.5), latency.OVERFLOW)

    def test_cumulative_counts(self):
        cumulative, total = latency.cumulative({0: 2, 2: 3, latency.OVERFLOW: 1})
        self.assertEqual(cumulative[:4], [2, 2, 5, 5])
        self.assertEqual(cumulative[-1], 5)
        self.assertEqual(total, 6)

    def test_quantile(self):
        self.assertIsNone(latency.quantile({}, 0.95))
        # 10 calls <= 10 ms, 10 in 50-100 ms: rank 19 is the 9th of the second.
        self.assertAlmostEqual(latency.quantile({0: 10, 3: 10}, 0.95), 50 + 50 * 0.9)
        # Rank 0.5 of a single call <= 10 ms.
        self.assertAlmostEqual(latency.quantile({0: 1}, 0.5), 5.0)
        # Past the last bound: the last bound.
        self.assertEqual(latency.quantile({latency.OVERFLOW: 4}, 0.95), 30000.0)
