# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields
from odoo import models

from ..common.computed_fields import figure
from ..common.computed_fields import window_start
from .processor import STATE_DONE
from .processor import STATE_FAILED
from .processor import STATE_IGNORED
from .processor import STATE_QUEUED


class IntegrationInboundSourceMetrics(models.Model):
    """The inbound source's figures of the last 24 hours, on its form.

    Computed when read, from ``integration.metrics.inbound`` (SQL aggregates over the
    source's messages and audit lines): nothing is stored.
    """

    _inherit = "integration.inbound.source"

    metrics_received_24h = figure("Received (24 h)")
    metrics_refused_24h = figure("Refused (24 h)")
    metrics_processed_24h = figure("Processed (24 h)")
    metrics_failed_24h = figure("Failed (24 h)")
    metrics_ignored_24h = figure(
        "Ignored (24 h)",
        help="Messages of event types no handler serves, kept but not processed.",
    )
    metrics_queued_24h = figure("Waiting (24 h)")
    metrics_delay_avg_s_24h = figure(
        "Average processing delay s (24 h)", fields.Float, digits=(16, 3)
    )
    metrics_delay_p95_s_24h = figure(
        "p95 processing delay s (24 h)", fields.Float, digits=(16, 3)
    )

    def _compute_metrics_24h(self):
        metrics = self.env["integration.metrics.inbound"].sudo()
        since = window_start()
        ids = [source.id for source in self if source.id]
        counts = metrics._inbound_counts(since, ids)
        delays = metrics._inbound_delays(since, ids)
        refusals = metrics._inbound_refusals(since, [s.slug for s in self if s.slug])
        for source in self:
            states = {
                state: count
                for (source_id, state), count in counts.items()
                if source_id == source.id
            }
            _count, avg_s, p95_s = delays.get(source.id, (0, 0.0, 0.0))
            source.update(
                {
                    "metrics_received_24h": sum(states.values()),
                    "metrics_refused_24h": sum(
                        count
                        for (slug, _code), count in refusals.items()
                        if slug == source.slug
                    ),
                    "metrics_processed_24h": states.get(STATE_DONE, 0),
                    "metrics_failed_24h": states.get(STATE_FAILED, 0),
                    "metrics_ignored_24h": states.get(STATE_IGNORED, 0),
                    "metrics_queued_24h": states.get(STATE_QUEUED, 0),
                    "metrics_delay_avg_s_24h": avg_s or 0.0,
                    "metrics_delay_p95_s_24h": p95_s or 0.0,
                }
            )
