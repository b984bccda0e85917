# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo import models
from odoo import tools
from odoo.tools import SQL

from ..outbound.integration_delivery_attempt import ATTEMPT_OUTCOMES


class IntegrationAttemptHourly(models.Model):
    """Delivery attempts counted per hour, endpoint and outcome: the dashboard's
    graph of volumes over time.

    A PostgreSQL view over the attempt log. Odoo 18's graph view groups dates by
    day at the finest, so the hour is also a text column (``2026-11-30 14:00``,
    UTC, which sorts in time order) that the graph groups by.
    """

    _name = "integration.attempt.hourly"
    _description = "Integration Delivery Attempts per Hour"
    _auto = False
    _order = "hour_start desc, endpoint_id, outcome"
    _rec_name = "hour"
    _depends = {
        "integration.delivery.attempt": ["endpoint_id", "attempted_at", "outcome"],
        "integration.endpoint": ["company_id"],
    }

    hour_start = fields.Datetime("Hour start", readonly=True)
    hour = fields.Char("Hour (UTC)", readonly=True)
    endpoint_id = fields.Many2one("integration.endpoint", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    outcome = fields.Selection(ATTEMPT_OUTCOMES, readonly=True)
    attempt_count = fields.Integer("Attempts", readonly=True)
    avg_ms = fields.Float("Average latency ms", readonly=True, aggregator="avg")

    def init(self):
        """(Re)create the view; run at every module install and update."""
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(view)s AS (
                    SELECT row_number() OVER () AS id, g.*
                      FROM (
                        SELECT date_trunc('hour', a.attempted_at) AS hour_start,
                               to_char(date_trunc('hour', a.attempted_at),
                                       'YYYY-MM-DD HH24:00') AS hour,
                               a.endpoint_id,
                               e.company_id,
                               a.outcome,
                               count(*) AS attempt_count,
                               avg(a.duration_ms)::float AS avg_ms
                          FROM integration_delivery_attempt a
                          JOIN integration_endpoint e ON e.id = a.endpoint_id
                      GROUP BY 1, 2, 3, 4, 5
                    ) g
                )
                """,
                view=SQL.identifier(self._table),
            )
        )
