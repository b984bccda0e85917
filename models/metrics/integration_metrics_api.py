# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""REST API metrics, per route and status class: requests, latency (average,
p95), throttled (429).

Read from ``integration.api.traffic``, where the API's dispatcher counts every
request per minute, route, status and latency bucket.
"""

from odoo import api
from odoo import models

from ...tools import prometheus_families
from .integration_api_traffic import THROTTLED_STATUS
from .integration_api_traffic import status_class


class IntegrationMetricsApi(models.AbstractModel):
    """The REST API figures, for ``integration.metrics`` and the reports."""

    _name = "integration.metrics.api"
    _description = "Integration Metrics: REST API"

    @api.model
    def _api_window(self, since):
        """Per route and status class since ``since``: ``{(route, status class):
        {"requests", "avg_ms", "p95_ms", "throttled"}}``."""
        Traffic = self.env["integration.api.traffic"]
        stats = {}
        for key, (calls, avg_ms, p95_ms) in Traffic._window_latency(
            ["route", "status_class"], since
        ).items():
            stats[key] = {
                "requests": calls,
                "avg_ms": avg_ms,
                "p95_ms": p95_ms,
                "throttled": 0,
            }
        for (route, status), count in self._api_status_counts(since).items():
            if status == THROTTLED_STATUS:
                stats[route, status_class(status)]["throttled"] += count
        return stats

    @api.model
    def _api_status_counts(self, since=None):
        """Requests per route and status code: ``{(route, status): count}``."""
        counts = {}
        rows = self.env["integration.api.traffic"]._latency_rows(
            ["route", "status_code"], since
        )
        for route, status, _bucket, calls, _duration in rows:
            counts[route, status] = counts.get((route, status), 0) + calls
        return counts

    @api.model
    def _metric_families(self):
        """The REST API metric families, labelled with the route."""
        counts, throttled, buckets, sums = {}, {}, {}, {}
        rows = self.env["integration.api.traffic"]._latency_rows(
            ["route", "status_class", "status_code"]
        )
        for route, klass, status, bucket, calls, duration in rows:
            counts[route, klass] = counts.get((route, klass), 0) + calls
            if status == THROTTLED_STATUS:
                throttled[(route,)] = throttled.get((route,), 0) + calls
            by_bucket = buckets.setdefault((route,), {})
            by_bucket[bucket] = by_bucket.get(bucket, 0) + calls
            sums[(route,)] = sums.get((route,), 0.0) + duration
        return [
            prometheus_families.counter(
                "integration_api_requests",
                "REST API requests per route and status class.",
                ["route", "status_class"],
                counts,
            ),
            prometheus_families.counter(
                "integration_api_throttled",
                "REST API requests refused by the rate limit (429), per route.",
                ["route"],
                throttled,
            ),
            prometheus_families.latency_histogram(
                "integration_api_request_duration_seconds",
                "Time the REST API took to answer, per route.",
                ["route"],
                buckets,
                sums,
            ),
        ]
