# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Latency histograms kept as counts per bucket (no ORM).

Where a flow keeps no row per call (REST requests, remote calls of a sync), it
counts calls per minute and latency bucket: a call adds one to the row of its
bucket, so a flood of calls updates a few rows and the storage stays bounded.
The average comes from the summed durations; the p95 is estimated from the
bucket counts by linear interpolation inside the bucket that holds it, as
Prometheus' ``histogram_quantile`` does.
"""

import bisect

# Upper bounds (milliseconds) of the latency buckets; a last, open bucket holds
# what took longer than the last bound. Shared with the outbound attempts'
# Prometheus histogram, so every latency histogram has the same buckets.
BUCKETS_MS = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000)
OVERFLOW = len(BUCKETS_MS)


def bucket_index(duration_ms):
    """The index of the bucket of a call of ``duration_ms`` milliseconds: the
    first bound it does not exceed, or :data:`OVERFLOW` past the last."""
    return bisect.bisect_left(BUCKETS_MS, duration_ms)


def cumulative(counts_by_bucket):
    """Counts per bucket index (``{index: count}``) as the cumulative counts
    per bound of :data:`BUCKETS_MS` and the total (the ``+Inf`` bucket)."""
    running, result = 0, []
    for index in range(len(BUCKETS_MS)):
        running += counts_by_bucket.get(index, 0)
        result.append(running)
    return result, running + counts_by_bucket.get(OVERFLOW, 0)


def quantile(counts_by_bucket, fraction):
    """The ``fraction`` quantile (0.95 for the p95) in milliseconds of the calls
    counted per bucket index, or None without calls.

    Interpolated linearly between the bounds of the bucket holding the rank
    ``fraction x total``; a quantile in the open last bucket is its lower bound.
    """
    bounds, total = cumulative(counts_by_bucket)
    if not total:
        return None
    rank = fraction * total
    lower_bound, lower_count = 0, 0
    for bound, count in zip(BUCKETS_MS, bounds, strict=True):
        if count >= rank:
            inside = count - lower_count
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / inside
        lower_bound, lower_count = bound, count
    return float(BUCKETS_MS[-1])
