# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Prometheus metric families built from SQL aggregates (no ORM)."""

from prometheus_client.core import CounterMetricFamily
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.core import HistogramMetricFamily

from . import latency


def counter(name, documentation, label_names, values):
    """A counter family with one sample per ``{label values: value}``."""
    family = CounterMetricFamily(name, documentation, labels=label_names)
    for labels, value in values.items():
        family.add_metric([str(label) for label in labels], value)
    return family


def gauge(name, documentation, label_names, values):
    """A gauge family with one sample per ``{label values: value}``."""
    family = GaugeMetricFamily(name, documentation, labels=label_names)
    for labels, value in values.items():
        family.add_metric([str(label) for label in labels], value)
    return family


def histogram(name, documentation, label_names, bounds, series):
    """A histogram family: ``series`` maps label values to ``(cumulative,
    count, sum)``, ``cumulative[i]`` counting the observations at most
    ``bounds[i]`` (in the unit of the metric), ``count`` all of them."""
    family = HistogramMetricFamily(name, documentation, labels=label_names)
    for labels, (cumulative, count, total) in series.items():
        buckets = [(str(float(b)), c) for b, c in zip(bounds, cumulative, strict=True)]
        family.add_metric(
            [str(label) for label in labels],
            [*buckets, ("+Inf", count)],
            sum_value=total,
        )
    return family


def latency_histogram(name, documentation, label_names, buckets, sums_ms):
    """A histogram family in seconds of calls counted per latency bucket
    (tools/latency.py): ``buckets`` maps label values to ``{bucket index:
    count}``, ``sums_ms`` to the summed durations in milliseconds."""
    series = {
        labels: (*latency.cumulative(counts), sums_ms[labels] / 1000)
        for labels, counts in buckets.items()
    }
    bounds = [bound / 1000 for bound in latency.BUCKETS_MS]
    return histogram(name, documentation, label_names, bounds, series)
