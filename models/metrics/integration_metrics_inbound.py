# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inbound metrics, per source: received, refused by reason, messages by state
(processed, failed, ignored...), processing delay.

Read from the rows the inbound flow keeps: its messages (one per accepted
delivery, with its state, reception and processing times) and its audit lines
(refused requests counted per source, refusal and minute). States are counted
as they are stored (``GROUP BY state``), so a state another module adds shows
up by itself.
"""

from odoo import api
from odoo import models
from odoo.tools import SQL

from ...tools import prometheus_families
from ..inbound.integration_inbound_source_metrics import STATE_IGNORED
from ..inbound.processor import STATE_DONE
from ..inbound.processor import STATE_FAILED
from ..inbound.processor import STATE_QUEUED
from .integration_metrics import sql_any

# Upper bounds (seconds) of the processing delay histogram: from a message
# processed at once by its job to one that waited an hour in the queue.
DELAY_BUCKETS_S = (0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600)
# States every source shows, at 0 when it has no such message.
STATES_SHOWN = (STATE_QUEUED, STATE_DONE, STATE_FAILED, STATE_IGNORED)
# Seconds from reception to the end of processing, of a processed message.
DELAY = SQL("extract(epoch FROM m.processed_at - m.create_date)")


class IntegrationMetricsInbound(models.AbstractModel):
    """The inbound figures, for ``integration.metrics`` and the source form."""

    _name = "integration.metrics.inbound"
    _description = "Integration Metrics: Inbound"

    @api.model
    def _flush_sources(self):
        """Write pending changes of inbound messages and sources before SQL reads."""
        self.env["integration.inbound.message"].flush_model(
            ["source_id", "state", "create_date", "processed_at"]
        )
        self.env["integration.inbound.source"].flush_model(["slug"])

    @api.model
    def _inbound_counts(self, since=None, source_ids=None):
        """Messages per source and state: ``{(source_id, state): count}`` (those
        received since ``since`` when given, of ``source_ids`` when given)."""
        self._flush_sources()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.source_id, m.state, count(*)
                  FROM integration_inbound_message m
                 WHERE %(since)s %(sources)s
              GROUP BY m.source_id, m.state
                """,
                since=SQL("m.create_date > %s", since) if since else SQL("TRUE"),
                sources=sql_any("m.source_id", source_ids),
            )
        )
        return {
            (source, state): count for source, state, count in self.env.cr.fetchall()
        }

    @api.model
    def _inbound_refusals(self, since=None, slugs=None):
        """Refused requests per source slug ('' for no source) and refusal code:
        ``{(slug, code): count}``."""
        self.env["integration.inbound.audit"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT COALESCE(a.slug, ''), a.code, sum(a.count)::bigint
                  FROM integration_inbound_audit a
                 WHERE %(since)s %(slugs)s
              GROUP BY 1, a.code
                """,
                since=SQL("a.logged_at >= %s", since) if since else SQL("TRUE"),
                slugs=sql_any("a.slug", slugs),
            )
        )
        return {(slug, code): count for slug, code, count in self.env.cr.fetchall()}

    @api.model
    def _inbound_delays(self, since, source_ids=None):
        """Processing delay of the messages received since ``since`` and
        processed: ``{source_id: (count, average s, p95 s)}``."""
        self._flush_sources()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.source_id, count(*), avg(%(delay)s)::float,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY %(delay)s)
                  FROM integration_inbound_message m
                 WHERE m.create_date > %(since)s AND m.processed_at IS NOT NULL
                       AND m.state <> %(queued)s %(sources)s
              GROUP BY m.source_id
                """,
                delay=DELAY,
                since=since,
                queued=STATE_QUEUED,
                sources=sql_any("m.source_id", source_ids),
            )
        )
        return {row[0]: tuple(row[1:]) for row in self.env.cr.fetchall()}

    @api.model
    def _inbound_delay_histograms(self):
        """All-time processing delays per source: ``{source_id: (cumulative
        counts per bound of DELAY_BUCKETS_S, count, sum of seconds)}``."""
        self.env.cr.execute(
            SQL(
                """
                SELECT m.source_id, ARRAY[%(buckets)s]::bigint[], count(*),
                       COALESCE(sum(%(delay)s), 0)::float
                  FROM integration_inbound_message m
                 WHERE m.processed_at IS NOT NULL AND m.state <> %(queued)s
              GROUP BY m.source_id
                """,
                buckets=SQL(", ").join(
                    SQL("count(*) FILTER (WHERE %s <= %s)", DELAY, bound)
                    for bound in DELAY_BUCKETS_S
                ),
                delay=DELAY,
                queued=STATE_QUEUED,
            )
        )
        return {row[0]: tuple(row[1:]) for row in self.env.cr.fetchall()}

    @api.model
    def _metric_families(self):
        """The inbound metric families, labelled with the source's slug."""
        self._flush_sources()
        self.env.cr.execute("SELECT id, slug FROM integration_inbound_source")
        slugs = dict(self.env.cr.fetchall())
        counts = self._inbound_counts()
        received, by_state = {}, {}
        for slug in slugs.values():
            for state in STATES_SHOWN:
                by_state[slug, state] = 0
            received[(slug,)] = 0
        for (source_id, state), count in counts.items():
            slug = slugs[source_id]
            by_state[slug, state] = count
            received[(slug,)] += count
        refused = {
            (slug, code): count
            for (slug, code), count in self._inbound_refusals().items()
        }
        delays = {
            (slugs[source_id],): series
            for source_id, series in self._inbound_delay_histograms().items()
        }
        return [
            prometheus_families.counter(
                "integration_inbound_received",
                "Inbound deliveries accepted and stored, per source.",
                ["source"],
                received,
            ),
            prometheus_families.gauge(
                "integration_inbound_messages",
                "Stored inbound messages per source and state (queued, done = "
                "processed, failed, ignored...).",
                ["source", "state"],
                by_state,
            ),
            prometheus_families.counter(
                "integration_inbound_refused",
                "Refused inbound requests per source slug ('' for no source) and "
                "reason (the error code answered).",
                ["source", "reason"],
                refused,
            ),
            prometheus_families.histogram(
                "integration_inbound_processing_delay_seconds",
                "Time from reception to the end of processing of inbound messages.",
                ["source"],
                DELAY_BUCKETS_S,
                delays,
            ),
        ]
