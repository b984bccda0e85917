# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL

from ..outbound.integration_delivery_attempt import ATTEMPT_OUTCOMES
from .integration_metrics import ATTEMPT_COUNTERS


class IntegrationMetricsTotal(models.Model):
    """The Prometheus counters of attempts the retention purge deleted.

    One row per endpoint and outcome: how many attempts, their summed duration and
    the cumulative latency histogram counts (``bucket_counts``, one per bound of
    ``LATENCY_BUCKETS_MS``). The collector adds these rows to what it counts in
    the live attempt log, so purging the log never makes a counter go down.
    """

    _name = "integration.metrics.total"
    _description = "Integration Metrics Total of Purged Attempts"
    _order = "endpoint_id, outcome"
    _rec_name = "endpoint_id"

    endpoint_id = fields.Many2one(
        "integration.endpoint", required=True, ondelete="cascade", readonly=True
    )
    outcome = fields.Selection(ATTEMPT_OUTCOMES, required=True, readonly=True)
    # Float with digits is a numeric column: exact, and counters grow for years
    # past the 2**31 an Integer column holds.
    attempt_count = fields.Float(digits=(16, 0), readonly=True)
    duration_sum_ms = fields.Float(
        string="Duration sum (ms)", digits=(16, 0), readonly=True
    )

    _sql_constraints = [
        (
            "endpoint_outcome_unique",
            "unique(endpoint_id, outcome)",
            "One total per endpoint and outcome.",
        ),
    ]

    def init(self):
        # The histogram counts as one bigint[] aligned with LATENCY_BUCKETS_MS, so
        # the bounds are defined in one place; the ORM has no array field, and
        # only SQL reads and writes this column.
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s ADD COLUMN IF NOT EXISTS bucket_counts bigint[]",
                SQL.identifier(self._table),
            )
        )

    @api.model
    def _purge_deliveries(self, condition):
        """Delete the deliveries matching ``condition`` (SQL on
        ``integration_delivery``) and add their attempts to the totals.

        One statement: the DELETE runs in a data-modifying CTE and the INSERT
        reads the attempts from the same snapshot, before the cascade removes
        them, so exactly the attempts deleted are counted, once. Returns the
        number of deliveries deleted.
        """
        self.env.cr.execute(
            SQL(
                """
                WITH purged AS (
                    DELETE FROM integration_delivery WHERE %(condition)s RETURNING id
                ), counted AS (
                    INSERT INTO integration_metrics_total AS t
                           (endpoint_id, outcome, attempt_count, duration_sum_ms,
                            bucket_counts, create_uid, create_date, write_uid,
                            write_date)
                    SELECT a.endpoint_id, a.outcome, %(counters)s,
                           %(uid)s, now() AT TIME ZONE 'UTC',
                           %(uid)s, now() AT TIME ZONE 'UTC'
                      FROM integration_delivery_attempt a
                      JOIN purged p ON p.id = a.delivery_id
                  GROUP BY a.endpoint_id, a.outcome
                    ON CONFLICT (endpoint_id, outcome) DO UPDATE
                       SET attempt_count = t.attempt_count + EXCLUDED.attempt_count,
                           duration_sum_ms = t.duration_sum_ms
                               + EXCLUDED.duration_sum_ms,
                           bucket_counts = ARRAY(
                               SELECT kept + added
                                 FROM unnest(t.bucket_counts, EXCLUDED.bucket_counts)
                                      WITH ORDINALITY AS b(kept, added, position)
                             ORDER BY position),
                           write_uid = EXCLUDED.write_uid,
                           write_date = EXCLUDED.write_date
                )
                SELECT count(*) FROM purged
                """,
                condition=condition,
                counters=ATTEMPT_COUNTERS,
                uid=self.env.uid,
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _totals(self):
        """Rows ``(endpoint_id, outcome, count, sum_ms, bucket_counts)``."""
        self.env.cr.execute(
            """
            SELECT endpoint_id, outcome, attempt_count::bigint,
                   duration_sum_ms::bigint, bucket_counts
              FROM integration_metrics_total
            """
        )
        return self.env.cr.fetchall()
