# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""REST API metrics per route and status class: requests made over HTTP and
known counts, latency (histogram; average and p95 of the last 24 hours) and
throttled requests, in the Prometheus output parsed back."""

from collections import Counter
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .api_common import ApiCase
from .flow_metrics_common import FlowMetricsMixin

GUESTS = "GET /api/v1/guests"
BOOKINGS = "GET /api/v1/bookings"
BOOKING = "GET /api/v1/bookings/{id}"
DURATION = "integration_api_request_duration_seconds"


@tagged("post_install", "-at_install")
class TestMetricsApi(FlowMetricsMixin, ApiCase):
    @classmethod
    def setUpClass(cls):
        """Known counts of the guests route: 2 hours ago, 3 answers of 200 in
        12 ms together (bucket <= 10 ms), 1 of 200 in 40 ms (<= 50 ms), 1 of 500
        in 20 ms (<= 25 ms); 2 days ago, 2 of 200 in 160 ms together (<= 100
        ms)."""
        super().setUpClass()
        cls._set_metrics_token()
        now = fields.Datetime.now().replace(second=0)
        Traffic = cls.env["integration.api.traffic"]
        for ago, status, bucket, count, duration_sum in (
            (timedelta(hours=2), 200, 0, 3, 12),
            (timedelta(hours=2), 200, 2, 1, 40),
            (timedelta(hours=2), 500, 1, 1, 20),
            (timedelta(days=2), 200, 3, 2, 160),
        ):
            Traffic.create(
                {
                    "minute": now - ago,
                    "route": GUESTS,
                    "status_code": status,
                    "status_class": f"{status // 100}xx",
                    "latency_bucket": bucket,
                    "call_count": count,
                    "duration_sum_ms": duration_sum,
                }
            )

    def test_known_counts(self):
        samples = self._scraped()
        requests = "integration_api_requests_total"
        self.assertSample(samples, requests, 6, route=GUESTS, status_class="2xx")
        self.assertSample(samples, requests, 1, route=GUESTS, status_class="5xx")
        self.assertHistogram(
            samples,
            DURATION,
            {"0.01": 3, "0.025": 4, "0.05": 5, "0.1": 7, "30.0": 7},
            7,
            (12 + 40 + 20 + 160) / 1000,
            route=GUESTS,
        )

    def test_last_24_hours(self):
        stats = self.env["integration.metrics.api"]._api_window(
            fields.Datetime.now() - timedelta(hours=24)
        )
        ok = stats[GUESTS, "2xx"]
        self.assertEqual(ok["requests"], 4)
        self.assertAlmostEqual(ok["avg_ms"], 52 / 4)
        # Rank 0.95 x 4 = 3.8 falls in the 25-50 ms bucket, which holds the 4th:
        # 25 + 25 x (3.8 - 3) / 1.
        self.assertAlmostEqual(ok["p95_ms"], 45.0)
        failed = stats[GUESTS, "5xx"]
        self.assertEqual((failed["requests"], failed["avg_ms"]), (1, 20))
        # Rank 0.95 of 1 in the 10-25 ms bucket.
        self.assertAlmostEqual(failed["p95_ms"], 10 + 15 * 0.95)
        self.assertEqual(ok["throttled"], 0)

    def test_requests_over_http_and_throttled(self):
        """Requests are counted per route template and status; past the rate
        limit (1 per minute here), 429s are counted as throttled."""
        self.env["ir.config_parameter"].sudo().set_param(
            "integration_hub.api_rate_limit", "1"
        )
        booking = self.booking()
        sent = Counter()
        for route, path in (
            (BOOKINGS, "/api/v1/bookings"),
            (BOOKINGS, "/api/v1/bookings"),
            (BOOKING, f"/api/v1/bookings/{booking.id}"),
            ("other", "/api/v1/nowhere/7"),
            ("other", "/api/v1/nowhere/8"),
        ):
            response = self.call("GET", path)
            sent[route, response.status_code] += 1
        # One request per minute: whatever the minute boundaries, some of the
        # three requests of the key are refused.
        throttled = sent[BOOKINGS, 429] + sent[BOOKING, 429]
        self.assertGreaterEqual(throttled, 1)
        self.assertEqual(sent["other", 404], 2)
        samples = self._scraped()
        requests = "integration_api_requests_total"
        for (route, status), count in sent.items():
            with self.subTest(route=route, status=status):
                self.assertSample(
                    samples,
                    requests,
                    count,
                    route=route,
                    status_class=f"{status // 100}xx",
                )
        for route in (BOOKINGS, BOOKING):
            if sent[route, 429]:
                self.assertSample(
                    samples,
                    "integration_api_throttled_total",
                    sent[route, 429],
                    route=route,
                )
            total = sum(count for (r, _s), count in sent.items() if r == route)
            self.assertSample(samples, f"{DURATION}_count", total, route=route)
        self.assertSample(samples, f"{DURATION}_count", 2, route="other")

    def test_counts_past_the_retention_are_deleted(self):
        Traffic = self.env["integration.api.traffic"]
        old = Traffic.create(
            {
                "minute": fields.Datetime.now() - timedelta(days=31),
                "route": GUESTS,
                "status_code": 200,
                "status_class": "2xx",
                "latency_bucket": 0,
                "call_count": 1,
                "duration_sum_ms": 3,
            }
        )
        Traffic._gc_call_counts()
        self.assertFalse(old.exists())
        self.assertEqual(Traffic.search_count([("route", "=", GUESTS)]), 4)
