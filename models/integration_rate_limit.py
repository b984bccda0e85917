# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time

from odoo import api
from odoo import fields
from odoo import models


class IntegrationRateLimit(models.Model):
    """Request counters per key and fixed time window, shared by every worker.

    A row counts the requests one client (an inbound source, an API key) made in one
    window. The count lives in PostgreSQL so that all workers and nodes enforce the
    same limit; no process keeps its own tally.
    """

    _name = "integration.rate.limit"
    _description = "Integration Rate Limit Window"
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    window_start = fields.Integer(required=True, readonly=True, help="Unix time")
    count = fields.Integer(required=True, readonly=True, default=0)

    _sql_constraints = [
        ("key_window_unique", "unique(key, window_start)", "One counter per window."),
    ]

    @api.model
    def _hit(self, key, limit, window_seconds=60):
        """Count one request for ``key``; return ``(allowed, remaining, reset_in)``.

        ``reset_in`` is the number of seconds until the window ends, for the
        ``RateLimit-Reset`` and ``Retry-After`` headers.
        """
        now = int(time.time())
        window_start = now - now % window_seconds
        # One atomic statement: concurrent requests on other workers each get their
        # own incremented count, so none slips through under the limit.
        self.env.cr.execute(
            """
            INSERT INTO integration_rate_limit (key, window_start, count)
            VALUES (%s, %s, 1)
            ON CONFLICT (key, window_start)
            DO UPDATE SET count = integration_rate_limit.count + 1
            RETURNING count
            """,
            (key, window_start),
        )
        count = self.env.cr.fetchone()[0]
        reset_in = window_start + window_seconds - now
        return count <= limit, max(limit - count, 0), reset_in

    @api.autovacuum
    def _gc_windows(self):
        """Drop counters of windows that ended more than an hour ago."""
        self.env.cr.execute(
            "DELETE FROM integration_rate_limit WHERE window_start < %s",
            (int(time.time()) - 3600,),
        )
