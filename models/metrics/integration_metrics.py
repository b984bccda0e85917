# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from prometheus_client import CollectorRegistry
from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.core import HistogramMetricFamily

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL

from ...tools import backoff
from ...tools import circuit as circuit_logic
from ...tools import latency
from ..outbound.integration_delivery import DELIVERY_PENDING

WINDOWS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}

# Aggregates of the attempts of one group (``a`` is integration_delivery_attempt),
# shared with the integration.endpoint.health view so both count the same way.
# An attempt "failed" when it did not deliver; "retried" when a retry followed.
ATTEMPT_AGGREGATES = SQL(
    """
    count(*) AS total,
    count(*) FILTER (WHERE a.outcome = %(delivered)s) AS delivered,
    count(*) FILTER (WHERE a.outcome <> %(delivered)s) AS failed,
    count(*) FILTER (WHERE a.outcome = %(retry)s) AS retried,
    count(*) FILTER (WHERE a.outcome = %(delivered)s)::float
        / NULLIF(count(*), 0) AS success_rate,
    avg(a.duration_ms)::float AS avg_ms,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY a.duration_ms) AS p95_ms
    """,
    delivered=backoff.DELIVERED,
    retry=backoff.RETRY,
)

STAT_KEYS = (
    "total",
    "delivered",
    "failed",
    "retried",
    "success_rate",
    "avg_ms",
    "p95_ms",
    "circuit_opens",
    "circuit_closes",
)

# Stats of a group with no attempt and no circuit event in the window; rates and
# latencies are unknown (None) rather than zero.
EMPTY_STATS = dict.fromkeys(STAT_KEYS, 0) | dict.fromkeys(
    ("success_rate", "avg_ms", "p95_ms")
)

# The columns metrics are computed from: flushed before each query, and the
# dependencies of the integration.endpoint.health view.
SOURCE_FIELDS = {
    "integration.endpoint": ["name", "company_id", "state"],
    "integration.circuit": ["endpoint_id", "state"],
    "integration.circuit.event": ["endpoint_id", "kind", "occurred_at"],
    "integration.delivery": ["endpoint_id", "state"],
    "integration.delivery.attempt": [
        "endpoint_id",
        "attempted_at",
        "outcome",
        "duration_ms",
    ],
}

# Upper bounds (milliseconds) of the Prometheus latency histogram buckets.
LATENCY_BUCKETS_MS = latency.BUCKETS_MS

# The Prometheus figures of a group of attempts: count, latency sum and the
# cumulative bucket counts as an array aligned with LATENCY_BUCKETS_MS (element i
# counts the attempts that took at most LATENCY_BUCKETS_MS[i] ms). Shared by the
# scrape and by the retention purge that rolls deleted attempts into
# integration.metrics.total, so both count the same way.
ATTEMPT_COUNTERS = SQL(
    "count(*), COALESCE(sum(duration_ms), 0), ARRAY[%s]::bigint[]",
    SQL(", ").join(
        SQL("count(*) FILTER (WHERE duration_ms <= %s)", bound)
        for bound in LATENCY_BUCKETS_MS
    ),
)


def sql_any(column, values):
    """``AND column = ANY(values)``, or nothing when ``values`` is None."""
    if values is None:
        return SQL()
    if not values:
        return SQL("AND FALSE")
    return SQL("AND %s = ANY(%s)", SQL(column), list(values))


class IntegrationMetrics(models.AbstractModel):
    """Delivery metrics computed from the attempt log with SQL aggregates.

    Nothing is stored: every figure is one grouped query over
    ``integration_delivery_attempt`` (indexed on ``(endpoint_id, attempted_at)``)
    and ``integration_circuit_event``, so the numbers are always current and no
    attempt is ever loaded into Python. The all-time Prometheus counters also add
    ``integration.metrics.total``, the attempts the retention purge deleted; the
    windows (at most 7 days, shorter than the retention) need only the live log.
    The scrape adds the figures of the inbound, REST API and sync flows
    (``integration.metrics.inbound``, ``.api`` and ``.sync``).
    """

    _name = "integration.metrics"
    _description = "Integration Metrics"

    @api.model
    def _flush_sources(self):
        """Write pending ORM changes of ``SOURCE_FIELDS`` before reading them in SQL."""
        for model_name, field_names in SOURCE_FIELDS.items():
            self.env[model_name].flush_model(field_names)

    @api.model
    def _window_stats(self, window, endpoint_ids=None, now=None):
        """Stats of the attempts of the last ``window`` (a key of ``WINDOWS``).

        Returns ``(overall, per_endpoint)``: ``overall`` a dict with the keys of
        ``STAT_KEYS``, ``per_endpoint`` ``{endpoint_id: dict}`` for the endpoints
        with an attempt or a circuit event in the window (others: ``EMPTY_STATS``).
        With ``endpoint_ids``, only those endpoints count, overall included.
        """
        self._flush_sources()
        since = (now or fields.Datetime.now()) - WINDOWS[window]
        endpoint_filter = (
            SQL("AND endpoint_id = ANY(%s)", list(endpoint_ids))
            if endpoint_ids is not None
            else SQL()
        )
        # One statement per window: GROUPING SETS yields the per-endpoint rows and
        # the overall row (key 0) from one scan of the attempts, and the circuit
        # events are counted the same way and joined on that key.
        self.env.cr.execute(
            SQL(
                """
                WITH attempts AS (
                    SELECT CASE WHEN GROUPING(a.endpoint_id) = 1 THEN 0
                                ELSE a.endpoint_id END AS key,
                           %(aggregates)s
                      FROM integration_delivery_attempt a
                     WHERE a.attempted_at > %(since)s %(endpoint_filter)s
                  GROUP BY GROUPING SETS ((a.endpoint_id), ())
                ), circuit_events AS (
                    SELECT CASE WHEN GROUPING(endpoint_id) = 1 THEN 0
                                ELSE endpoint_id END AS key,
                           count(*) FILTER (WHERE kind = %(opened)s) AS opens,
                           count(*) FILTER (WHERE kind = %(closed)s) AS closes
                      FROM integration_circuit_event
                     WHERE occurred_at > %(since)s AND endpoint_id IS NOT NULL
                           %(endpoint_filter)s
                  GROUP BY GROUPING SETS ((endpoint_id), ())
                )
                SELECT COALESCE(a.key, c.key),
                       COALESCE(a.total, 0), COALESCE(a.delivered, 0),
                       COALESCE(a.failed, 0), COALESCE(a.retried, 0),
                       a.success_rate, a.avg_ms, a.p95_ms,
                       COALESCE(c.opens, 0), COALESCE(c.closes, 0)
                  FROM attempts a
             FULL JOIN circuit_events c ON c.key = a.key
                """,
                aggregates=ATTEMPT_AGGREGATES,
                since=since,
                endpoint_filter=endpoint_filter,
                opened=circuit_logic.EVENT_OPENED,
                closed=circuit_logic.EVENT_CLOSED,
            )
        )
        overall = dict(EMPTY_STATS)
        per_endpoint = {}
        for key, *values in self.env.cr.fetchall():
            stats = dict(zip(STAT_KEYS, values, strict=True))
            if key == 0:
                overall = stats
            elif key is not None:
                per_endpoint[key] = stats
        return overall, per_endpoint

    @api.model
    def _prometheus_text(self):
        """The metrics in the Prometheus text exposition format (bytes)."""
        self._flush_sources()
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_SqlCollector(self.env))
        return generate_latest(registry)

    @api.model
    def _flow_metric_families(self):
        """The Prometheus metric families of the other flows (inbound, REST
        API, sync), after the outbound ones; an addon adds its own by
        extending this method with ``super()``."""
        return [
            *self.env["integration.metrics.inbound"]._metric_families(),
            *self.env["integration.metrics.api"]._metric_families(),
            *self.env["integration.metrics.sync"]._metric_families(),
        ]

    @api.model
    def _attempt_totals(self):
        """All-time attempt counts, latency sums and cumulative latency buckets.

        Rows ``(endpoint_id, outcome, count, sum_ms, bucket_counts)`` where
        ``bucket_counts[i]`` counts the attempts that took at most
        ``LATENCY_BUCKETS_MS[i]`` milliseconds: the live attempt log plus the
        totals of the attempts the retention purge deleted, so counters never
        go down.
        """
        # One scan gives the counters and the histogram: grouped by endpoint and
        # outcome, the histogram of an endpoint is the sum of its outcome rows.
        self.env.cr.execute(
            SQL(
                """
                SELECT endpoint_id, outcome, %s
                  FROM integration_delivery_attempt
              GROUP BY endpoint_id, outcome
                """,
                ATTEMPT_COUNTERS,
            )
        )
        rows = self.env.cr.fetchall() + self.env["integration.metrics.total"]._totals()
        totals = {}
        for endpoint_id, outcome, count, sum_ms, bucket_counts in rows:
            known = totals.get((endpoint_id, outcome))
            if known:
                count += known[0]
                sum_ms += known[1]
                bucket_counts = [
                    a + b for a, b in zip(known[2], bucket_counts, strict=True)
                ]
            totals[endpoint_id, outcome] = (count, sum_ms, bucket_counts)
        return [(*key, *values) for key, values in totals.items()]

    @api.model
    def _circuit_event_totals(self):
        """All-time circuit events: rows ``(endpoint_id, kind, count)``."""
        self.env.cr.execute(
            """
            SELECT endpoint_id, kind, count(*)
              FROM integration_circuit_event
             WHERE endpoint_id IS NOT NULL  -- backends' circuits are sync's
          GROUP BY endpoint_id, kind
            """
        )
        return self.env.cr.fetchall()

    @api.model
    def _endpoint_gauges(self):
        """Rows ``(endpoint_id, name, circuit state, pending deliveries)``."""
        # The queue depth counts the deliveries' state in SQL, per endpoint; an
        # endpoint whose circuit was never created is closed.
        self.env.cr.execute(
            """
            SELECT e.id, e.name, COALESCE(c.state, %s),
                   (SELECT count(*) FROM integration_delivery d
                     WHERE d.endpoint_id = e.id AND d.state = %s)
              FROM integration_endpoint e
         LEFT JOIN integration_circuit c ON c.endpoint_id = e.id
          ORDER BY e.id
            """,
            (circuit_logic.CLOSED, DELIVERY_PENDING),
        )
        return self.env.cr.fetchall()


class _SqlCollector:
    """A prometheus_client collector whose figures come from ``integration.metrics``
    (SQL aggregates), read afresh at every scrape."""

    def __init__(self, env):
        self.metrics = env["integration.metrics"]

    def collect(self):
        """Yield the metric families (called by ``generate_latest``)."""
        gauges = self.metrics._endpoint_gauges()
        labels = {row[0]: [str(row[0]), row[1] or ""] for row in gauges}
        label_names = ["endpoint_id", "endpoint"]

        attempts = CounterMetricFamily(
            "integration_delivery_attempts",
            "Delivery attempts by endpoint and outcome.",
            labels=[*label_names, "outcome"],
        )
        counts = defaultdict(int)
        sums = defaultdict(int)
        buckets = defaultdict(lambda: [0] * len(LATENCY_BUCKETS_MS))
        for (
            endpoint_id,
            outcome,
            count,
            sum_ms,
            bucket_counts,
        ) in self.metrics._attempt_totals():
            if endpoint_id not in labels:
                continue
            attempts.add_metric([*labels[endpoint_id], outcome], count)
            counts[endpoint_id] += count
            sums[endpoint_id] += sum_ms
            buckets[endpoint_id] = [
                a + b for a, b in zip(buckets[endpoint_id], bucket_counts, strict=True)
            ]
        yield attempts

        latency = HistogramMetricFamily(
            "integration_delivery_attempt_duration_seconds",
            "Time from request to response (or error) of delivery attempts.",
            labels=label_names,
        )
        for endpoint_id, cumulative in buckets.items():
            bounds = [str(bound / 1000) for bound in LATENCY_BUCKETS_MS]
            latency.add_metric(
                labels[endpoint_id],
                [*zip(bounds, cumulative, strict=True), ("+Inf", counts[endpoint_id])],
                sum_value=sums[endpoint_id] / 1000,
            )
        yield latency

        transitions = CounterMetricFamily(
            "integration_circuit_transitions",
            "Circuit opens and closes by endpoint.",
            labels=[*label_names, "kind"],
        )
        for endpoint_id, kind, count in self.metrics._circuit_event_totals():
            if endpoint_id in labels:
                transitions.add_metric([*labels[endpoint_id], kind], count)
        yield transitions

        state = GaugeMetricFamily(
            "integration_circuit_state",
            "1 for the circuit's current state, 0 for the others.",
            labels=[*label_names, "state"],
        )
        queue = GaugeMetricFamily(
            "integration_deliveries_pending",
            "Deliveries waiting to be attempted or retried.",
            labels=label_names,
        )
        for endpoint_id, _name, current, pending in gauges:
            for name in circuit_logic.STATES:
                state.add_metric(
                    [*labels[endpoint_id], name], 1 if name == current else 0
                )
            queue.add_metric(labels[endpoint_id], pending)
        yield state
        yield queue
        yield from self.metrics._flow_metric_families()
