# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Scrape ``GET /integration/metrics`` and read samples back by their labels,
for the metrics of the inbound, REST API and sync flows."""

from prometheus_client.parser import text_string_to_metric_families

from .metrics_common import PrometheusScrapeMixin


class FlowMetricsMixin(PrometheusScrapeMixin):
    """Samples of a scrape, keyed by name and every label."""

    def _scraped(self):
        """``{(sample name, frozenset of (label, value))): value}`` of a scrape,
        parsed back with prometheus_client's text parser."""
        response = self._scrape()
        self.assertEqual(response.status_code, 200, response.text)
        samples = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                key = (sample.name, frozenset(sample.labels.items()))
                self.assertNotIn(key, samples, "each sample appears once")
                samples[key] = sample.value
        return samples

    def assertSample(self, samples, name, expected, **labels):
        """The sample ``name`` with exactly ``labels`` has value ``expected``."""
        key = (name, frozenset(labels.items()))
        self.assertIn(key, samples, f"{name} {labels} is exported")
        self.assertAlmostEqual(samples[key], expected, msg=f"{name} {labels}")

    def assertHistogram(self, samples, name, buckets, count, total, **labels):
        """The histogram ``name``: its cumulative ``buckets`` (``{le: count}``),
        its ``_count`` and its ``_sum``."""
        for bound, value in buckets.items():
            self.assertSample(samples, f"{name}_bucket", value, le=bound, **labels)
        self.assertSample(samples, f"{name}_bucket", count, le="+Inf", **labels)
        self.assertSample(samples, f"{name}_count", count, **labels)
        self.assertSample(samples, f"{name}_sum", total, **labels)
