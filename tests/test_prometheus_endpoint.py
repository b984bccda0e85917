# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``GET /integration/metrics`` answers Prometheus text for the right bearer token,
with the figures of the attempt log, and the JSON error envelope (401) otherwise."""

from odoo.tests import HttpCase
from odoo.tests import tagged

from .metrics_common import METRICS_TOKEN
from .metrics_common import METRICS_URL
from .metrics_common import AttemptLogMixin
from .metrics_common import PrometheusScrapeMixin


@tagged("post_install", "-at_install")
class TestPrometheusEndpoint(PrometheusScrapeMixin, AttemptLogMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_attempt_log()
        cls._known_log()
        cls.endpoint_b.circuit_id.sudo().write({"state": "open"})
        cls._set_metrics_token()

    def assertError(self, response, code):
        self.assertEqual(response.status_code, 401)
        self.assertIn("Bearer", response.headers["WWW-Authenticate"])
        error = response.json()["error"]
        self.assertEqual(error["code"], code)
        self.assertEqual(error["request_id"], response.headers["X-Request-Id"])
        self.assertNotIn(METRICS_TOKEN, response.text)
        return error

    def test_attempt_counters_all_time(self):
        samples = self._samples()
        name = "integration_delivery_attempts_total"
        # A: 16 + 3 + 2 delivered (the 8-day-old ones too: counters never drop).
        expected = {
            ("Metrics A", "delivered"): 21,
            ("Metrics A", "retry"): 7,
            ("Metrics A", "failed"): 1,
            ("Metrics A", "gone"): 1,
            ("Metrics B", "failed"): 2,
            ("Metrics B", "retry"): 2,
        }
        for (endpoint, outcome), value in expected.items():
            with self.subTest(endpoint=endpoint, outcome=outcome):
                self.assertEqual(
                    samples[name, endpoint, (("outcome", outcome),)], value
                )

    def test_latency_histogram(self):
        samples = self._samples()
        bucket = "integration_delivery_attempt_duration_seconds_bucket"
        # A: 10..200 ms, 1000..1400 ms, 3 x 5000 ms, 2 x 9000 ms.
        expected_a = {
            "0.01": 1,
            "0.1": 10,
            "0.25": 20,
            "1.0": 21,
            "2.5": 25,
            "5.0": 28,
            "10.0": 30,
            "+Inf": 30,
        }
        for bound, count in expected_a.items():
            with self.subTest(bound=bound):
                self.assertEqual(samples[bucket, "Metrics A", (("le", bound),)], count)
        histogram = "integration_delivery_attempt_duration_seconds"
        self.assertEqual(samples[f"{histogram}_count", "Metrics A", ()], 30)
        self.assertAlmostEqual(
            samples[f"{histogram}_sum", "Metrics A", ()],
            (2100 + 6000 + 15000 + 18000) / 1000,
        )
        # B: 100, 200, 300, 400 ms.
        self.assertEqual(samples[bucket, "Metrics B", (("le", "0.1"),)], 1)
        self.assertEqual(samples[bucket, "Metrics B", (("le", "0.25"),)], 2)
        self.assertEqual(samples[bucket, "Metrics B", (("le", "0.5"),)], 4)
        self.assertAlmostEqual(samples[f"{histogram}_sum", "Metrics B", ()], 1.0)

    def test_circuits_and_queue_depth(self):
        samples = self._samples()
        state = "integration_circuit_state"
        self.assertEqual(samples[state, "Metrics A", (("state", "closed"),)], 1)
        self.assertEqual(samples[state, "Metrics A", (("state", "open"),)], 0)
        self.assertEqual(samples[state, "Metrics B", (("state", "open"),)], 1)
        self.assertEqual(samples[state, "Metrics B", (("state", "closed"),)], 0)
        transitions = "integration_circuit_transitions_total"
        self.assertEqual(samples[transitions, "Metrics A", (("kind", "opened"),)], 2)
        self.assertEqual(samples[transitions, "Metrics A", (("kind", "closed"),)], 1)
        self.assertEqual(samples[transitions, "Metrics B", (("kind", "opened"),)], 1)
        # Each endpoint has one delivery, still pending.
        pending = "integration_deliveries_pending"
        self.assertEqual(samples[pending, "Metrics A", ()], 1)
        self.assertEqual(samples[pending, "Metrics B", ()], 1)

    def test_missing_token(self):
        self.assertError(self._scrape(token=None), "missing_token")
        response = self.url_open(
            METRICS_URL, headers={"Authorization": f"Basic {METRICS_TOKEN}"}
        )
        self.assertError(response, "missing_token")

    def test_wrong_token(self):
        self.assertError(self._scrape(token=METRICS_TOKEN + "x"), "invalid_token")
        self.assertError(self._scrape(token=METRICS_TOKEN[:-1]), "invalid_token")

    def test_no_token_configured(self):
        self.params.set_param("integration_hub.metrics_token", "")
        error = self.assertError(self._scrape(), "metrics_token_not_configured")
        self.assertIn("integration_hub.metrics_token", error["message"])
