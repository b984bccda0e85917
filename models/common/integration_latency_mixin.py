# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import psycopg2

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL

from ...tools import latency

_logger = logging.getLogger(__name__)

RETENTION_PARAM = "integration_hub.call_counts_retention_days"
DEFAULT_RETENTION_DAYS = 30


def count_query(table, columns, unique):
    """The ``INSERT ... ON CONFLICT`` adding one call to counting ``table``: a
    row for the minute, ``columns`` (what was called, how it ended) and latency
    bucket, or one more call and its duration on the row already there
    (``unique``: the columns of the table's unique constraint).

    Parameters: ``minute``, each of ``columns``, ``latency_bucket`` and
    ``duration_ms`` (see :meth:`IntegrationLatencyMixin._count_params`).
    """
    names = ["minute", *columns, "latency_bucket"]
    # The table and column names are the calling module's constants.
    return f"""
    INSERT INTO {table} AS t ({", ".join(names)}, call_count, duration_sum_ms)
    VALUES ({", ".join(f"%({name})s" for name in names)}, 1, %(duration_ms)s)
    ON CONFLICT ({", ".join(unique)}) DO UPDATE
       SET call_count = t.call_count + 1,
           duration_sum_ms = t.duration_sum_ms + EXCLUDED.duration_sum_ms
    RETURNING call_count
"""  # nosec B608  # constants composed, values passed as parameters


class IntegrationLatencyMixin(models.AbstractModel):
    """Calls counted per minute and latency bucket, for flows that keep no row
    per call (REST requests, remote calls of a sync).

    A concrete model adds the columns that say what was called and how it
    ended, a unique constraint over them with ``minute`` and ``latency_bucket``,
    and a prepared ``INSERT ... ON CONFLICT`` statement adding one call: a
    flood of calls updates a few rows, committed at once on the module's own
    connection (tools/prepared.py), so even a request that rolls back is
    counted. Histograms, averages and p95s are read from these rows
    (tools/latency.py); rows older than the retention are deleted.
    """

    _name = "integration.latency.mixin"
    _description = "Integration Calls Counted per Minute and Latency Bucket"
    _order = "minute desc"
    _log_access = False

    minute = fields.Datetime(required=True, readonly=True, index=True)
    latency_bucket = fields.Integer(
        required=True,
        readonly=True,
        help="Index of the latency bucket (tools/latency.py BUCKETS_MS).",
    )
    call_count = fields.Integer(string="Calls", required=True, readonly=True)
    duration_sum_ms = fields.Float(
        string="Duration sum (ms)", digits=(16, 1), readonly=True
    )

    @api.model
    def _count_params(self, duration_ms):
        """The parameters every counting statement takes, for a call that took
        ``duration_ms`` milliseconds now."""
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        return {
            "minute": now.replace(second=0, microsecond=0),
            "latency_bucket": latency.bucket_index(duration_ms),
            "duration_ms": duration_ms,
        }

    @api.model
    def _count(self, statement, params):
        """Run the counting ``statement`` (a :class:`prepared.Statement`) with
        ``params``, committed on its own; never raises.

        The counting tables have no foreign key: on another connection, its
        check would wait for the caller's transaction when that one holds (or
        created) the referenced row, while the caller waits for the count. A
        call is never failed by its count: an error is logged.
        """
        try:
            statement.run(self.env, params)
        except (psycopg2.Error, OSError):  # the call went through; not its count
            _logger.exception("%s: a call could not be counted", self._name)

    @api.model
    def _latency_rows(self, group_by, since=None):
        """Rows ``(*group values, latency_bucket, calls, duration sum)`` of the
        counts kept (since ``since`` when given), grouped by the columns named
        in ``group_by`` and the bucket."""
        self.flush_model()
        columns = SQL(", ").join(SQL.identifier(name) for name in group_by)
        where = SQL("WHERE minute >= %s", since) if since else SQL()
        self.env.cr.execute(
            SQL(
                """
                SELECT %(columns)s, latency_bucket, sum(call_count)::bigint,
                       sum(duration_sum_ms)::float
                  FROM %(table)s %(where)s
              GROUP BY %(columns)s, latency_bucket
                """,
                columns=columns,
                table=SQL.identifier(self._table),
                where=where,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _window_latency(self, group_by, since):
        """``{group values: (calls, average ms, p95 ms)}`` since ``since``."""
        buckets, calls, sums = {}, {}, {}
        for *key, bucket, count, duration in self._latency_rows(group_by, since):
            key = tuple(key)
            buckets.setdefault(key, {})[bucket] = count
            calls[key] = calls.get(key, 0) + count
            sums[key] = sums.get(key, 0.0) + duration
        return {
            key: (calls[key], sums[key] / calls[key], latency.quantile(counts, 0.95))
            for key, counts in buckets.items()
        }

    @api.autovacuum
    def _gc_call_counts(self):
        """Delete the counts of minutes past the retention (system parameter
        ``integration_hub.call_counts_retention_days``, default 30 days)."""
        if self._abstract:
            return
        value = self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM)
        days = int(value) if (value or "").isdigit() else DEFAULT_RETENTION_DAYS
        self.env.cr.execute(
            SQL(
                "DELETE FROM %s WHERE minute < %s",
                SQL.identifier(self._table),
                fields.Datetime.now() - timedelta(days=max(days, 1)),
            )
        )
