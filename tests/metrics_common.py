# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A known attempt log, written through the ORM, for the metrics tests."""

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from odoo import fields

from ..tools import backoff

METRICS_TOKEN = "s3cret-metrics-token"
METRICS_URL = "/integration/metrics"

STATUS_BY_OUTCOME = {
    backoff.DELIVERED: 200,
    backoff.RETRY: 503,
    backoff.FAILED: 400,
    backoff.GONE: 410,
}


class AttemptLogMixin:
    """Helpers to create endpoints, deliveries, attempts and circuit events with
    fixed timestamps (relative to ``cls.now``)."""

    @classmethod
    def _setup_attempt_log(cls):
        cls.now = fields.Datetime.now()
        params = cls.env["ir.config_parameter"].sudo()
        # Loopback receivers only; nothing is sent by these tests anyway.
        params.set_param("integration_hub.allowed_networks", "127.0.0.0/8")
        params.set_param("integration_hub.allow_http", "True")
        cls.event_type = cls.env["integration.event.type"].create(
            {"code": "metrics.test"}
        )

    @classmethod
    def _endpoint(cls, name, **values):
        return cls.env["integration.endpoint"].create(
            {
                "name": name,
                "url": "http://127.0.0.1:9/hook",
                "event_type_ids": [(6, 0, cls.event_type.ids)],
                **values,
            }
        )

    @classmethod
    def _delivery(cls, endpoint):
        """A pending delivery of a new event to ``endpoint`` (never sent: test
        transactions do not commit, so its job is not enqueued)."""
        event = cls.env["integration.event"]._create_event(
            cls.event_type.code, {}, endpoint
        )
        return event.delivery_ids

    @classmethod
    def _attempts(cls, delivery, ago, durations, outcome):
        """One attempt per duration (ms), ``ago`` (a timedelta) before ``now``."""
        return cls.env["integration.delivery.attempt"].create(
            [
                {
                    "delivery_id": delivery.id,
                    "endpoint_id": delivery.endpoint_id.id,
                    "attempt_number": number,
                    "attempted_at": cls.now - ago,
                    "duration_ms": duration,
                    "status_code": STATUS_BY_OUTCOME[outcome],
                    "outcome": outcome,
                }
                for number, duration in enumerate(durations, start=1)
            ]
        )

    @classmethod
    def _circuit_event(cls, endpoint, kind, ago):
        return cls.env["integration.circuit.event"].create(
            {
                "circuit_id": endpoint.circuit_id.id,
                "endpoint_id": endpoint.id,
                "kind": kind,
                "occurred_at": cls.now - ago,
                "failure_count": 5,
            }
        )

    @classmethod
    def _known_log(cls):
        """Two endpoints with attempts in each window and older ones.

        Endpoint A, last hour: 20 attempts of 10, 20, ..., 200 ms, the first 16
        delivered, then 2 retried, 1 failed, 1 gone. Three hours ago: 5 retried
        attempts of 1000 to 1400 ms. Three days ago: 3 delivered of 5000 ms.
        Eight days ago (outside every window): 2 delivered of 9000 ms.
        Endpoint B, last hour: 100 and 200 ms failed, 300 and 400 ms retried.
        Circuit events: A opened 30 min and closed 20 min ago, opened 2 days ago;
        B opened 10 min ago.
        """
        minutes = timedelta(minutes=1)
        cls.endpoint_a = cls._endpoint("Metrics A")
        cls.endpoint_b = cls._endpoint("Metrics B")
        delivery_a = cls._delivery(cls.endpoint_a)
        delivery_b = cls._delivery(cls.endpoint_b)
        durations = list(range(10, 201, 10))
        cls._attempts(delivery_a, 10 * minutes, durations[:16], backoff.DELIVERED)
        cls._attempts(delivery_a, 11 * minutes, durations[16:18], backoff.RETRY)
        cls._attempts(delivery_a, 12 * minutes, durations[18:19], backoff.FAILED)
        cls._attempts(delivery_a, 13 * minutes, durations[19:], backoff.GONE)
        cls._attempts(
            delivery_a, timedelta(hours=3), range(1000, 1401, 100), backoff.RETRY
        )
        cls._attempts(delivery_a, timedelta(days=3), [5000] * 3, backoff.DELIVERED)
        cls._attempts(delivery_a, timedelta(days=8), [9000] * 2, backoff.DELIVERED)
        cls._attempts(delivery_b, 5 * minutes, [100, 200], backoff.FAILED)
        cls._attempts(delivery_b, 6 * minutes, [300, 400], backoff.RETRY)
        cls._circuit_event(cls.endpoint_a, "opened", 30 * minutes)
        cls._circuit_event(cls.endpoint_a, "closed", 20 * minutes)
        cls._circuit_event(cls.endpoint_a, "opened", timedelta(days=2))
        cls._circuit_event(cls.endpoint_b, "opened", 10 * minutes)


class PrometheusScrapeMixin:
    """Scrape ``GET /integration/metrics`` from an ``HttpCase`` and parse it."""

    @classmethod
    def _set_metrics_token(cls):
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param("integration_hub.metrics_token", METRICS_TOKEN)

    def _scrape(self, token=METRICS_TOKEN):
        self.env.flush_all()
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.url_open(METRICS_URL, headers=headers)

    def _samples(self):
        """``{(sample name, endpoint name, other labels): value}`` of a scrape."""
        response = self._scrape()
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        samples = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                labels = dict(sample.labels)
                endpoint = labels.pop("endpoint", None)
                labels.pop("endpoint_id", None)
                key = (sample.name, endpoint, tuple(sorted(labels.items())))
                samples[key] = sample.value
        return samples
