# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.tools import SQL

from ...tools import backoff
from ...tools import circuit as circuit_logic
from ..common.access import USER
from ..common.access import requires_group
from ..outbound.integration_circuit import CIRCUIT_STATES
from ..outbound.integration_delivery import DELIVERY_PENDING
from ..outbound.integration_endpoint import ENDPOINT_ACTIVE
from ..outbound.integration_endpoint import ENDPOINT_DISABLED
from ..outbound.integration_endpoint import ENDPOINT_STATES
from .integration_metrics import ATTEMPT_AGGREGATES
from .integration_metrics import SOURCE_FIELDS

_logger = logging.getLogger(__name__)

HEALTH_FAILING = "failing"
HEALTH_DISABLED = "disabled"
HEALTH_DEGRADED = "degraded"
HEALTH_HEALTHY = "healthy"
HEALTH_IDLE = "idle"
# In dashboard order: what needs an operator first.
HEALTH_STATES = [
    (HEALTH_FAILING, "Failing"),
    (HEALTH_DISABLED, "Disabled"),
    (HEALTH_DEGRADED, "Degraded"),
    (HEALTH_HEALTHY, "Healthy"),
    (HEALTH_IDLE, "Idle"),
]
# Below this 24 h success rate an endpoint is failing; below the second, degraded.
FAILING_BELOW = 0.5
DEGRADED_BELOW = 0.95

DISABLE_DAYS_PARAM = "integration_hub.health_disable_days"
DEFAULT_DISABLE_DAYS = 5


class IntegrationEndpointHealth(models.Model):
    """One row per endpoint with its last 24 hours: the Integration dashboard.

    A PostgreSQL view over endpoints, circuits, attempts and deliveries, read
    afresh each time (nothing stored), ordered with the endpoints that need an
    operator first. The cron that disables endpoints failing for days lives here
    too, since it acts on the same notion of health.
    """

    _name = "integration.endpoint.health"
    _description = "Integration Endpoint Health"
    _auto = False
    _order = "health_rank, success_rate_24h, name"
    _rec_name = "name"
    _depends = SOURCE_FIELDS

    endpoint_id = fields.Many2one("integration.endpoint", readonly=True)
    name = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    endpoint_state = fields.Selection(ENDPOINT_STATES, readonly=True)
    circuit_state = fields.Selection(CIRCUIT_STATES, readonly=True)
    health = fields.Selection(HEALTH_STATES, readonly=True)
    health_rank = fields.Integer(readonly=True)
    total_24h = fields.Integer("Attempts (24 h)", readonly=True)
    delivered_24h = fields.Integer("Delivered (24 h)", readonly=True)
    failed_24h = fields.Integer("Failed (24 h)", readonly=True)
    retried_24h = fields.Integer("Retried (24 h)", readonly=True)
    success_rate_24h = fields.Float(
        "Success rate (24 h)",
        readonly=True,
        aggregator="avg",
        help="Share of the attempts that delivered, in %.",
    )
    avg_ms_24h = fields.Float("Average latency ms (24 h)", readonly=True)
    p95_ms_24h = fields.Float("p95 latency ms (24 h)", readonly=True, aggregator="max")
    circuit_opens_24h = fields.Integer("Circuit opens (24 h)", readonly=True)
    circuit_closes_24h = fields.Integer("Circuit closes (24 h)", readonly=True)
    pending_count = fields.Integer("Pending deliveries", readonly=True)
    last_attempt_at = fields.Datetime(readonly=True)
    # Not part of the view: the server configuration, shown on each card.
    delivery_capacity_warning = fields.Char(
        related="endpoint_id.delivery_capacity_warning"
    )

    def init(self):
        """(Re)create the view; run at every module install and update."""
        tools.drop_view_if_exists(self.env.cr, self._table)
        # LATERAL joins compute each endpoint's figures on its own slice of the
        # (endpoint_id, attempted_at) index; the health rank (position in
        # HEALTH_STATES) puts what needs an operator first.
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(view)s AS (
                    SELECT e.id,
                           e.id AS endpoint_id,
                           e.name,
                           e.company_id,
                           e.state AS endpoint_state,
                           COALESCE(c.state, %(closed)s) AS circuit_state,
                           h.health,
                           array_position(%(ranking)s, h.health) AS health_rank,
                           s.total AS total_24h,
                           s.delivered AS delivered_24h,
                           s.failed AS failed_24h,
                           s.retried AS retried_24h,
                           s.success_rate * 100 AS success_rate_24h,
                           s.avg_ms AS avg_ms_24h,
                           s.p95_ms AS p95_ms_24h,
                           s.last_attempt_at,
                           ev.opens AS circuit_opens_24h,
                           ev.closes AS circuit_closes_24h,
                           q.pending AS pending_count
                      FROM integration_endpoint e
                 LEFT JOIN integration_circuit c ON c.endpoint_id = e.id
                CROSS JOIN LATERAL (
                        SELECT %(aggregates)s,
                               max(a.attempted_at) AS last_attempt_at
                          FROM integration_delivery_attempt a
                         WHERE a.endpoint_id = e.id
                           AND a.attempted_at > %(since)s
                    ) s
                CROSS JOIN LATERAL (
                        SELECT count(*) FILTER (WHERE kind = %(opened)s) AS opens,
                               count(*) FILTER (WHERE kind = %(closed_kind)s)
                                   AS closes
                          FROM integration_circuit_event ce
                         WHERE ce.endpoint_id = e.id AND ce.occurred_at > %(since)s
                    ) ev
                CROSS JOIN LATERAL (
                        SELECT count(*) AS pending
                          FROM integration_delivery d
                         WHERE d.endpoint_id = e.id AND d.state = %(pending)s
                    ) q
                CROSS JOIN LATERAL (
                        SELECT CASE
                            WHEN e.state = %(endpoint_disabled)s THEN %(disabled)s
                            WHEN c.state IN (%(open)s, %(half_open)s)
                              OR s.success_rate < %(failing_below)s
                                THEN %(failing)s
                            WHEN s.success_rate < %(degraded_below)s
                                THEN %(degraded)s
                            WHEN s.total > 0 THEN %(healthy)s
                            ELSE %(idle)s
                        END AS health
                    ) h
                )
                """,
                view=SQL.identifier(self._table),
                aggregates=ATTEMPT_AGGREGATES,
                since=SQL("(now() AT TIME ZONE 'UTC') - interval '24 hours'"),
                closed=circuit_logic.CLOSED,
                open=circuit_logic.OPEN,
                half_open=circuit_logic.HALF_OPEN,
                opened=circuit_logic.EVENT_OPENED,
                closed_kind=circuit_logic.EVENT_CLOSED,
                pending=DELIVERY_PENDING,
                endpoint_disabled=ENDPOINT_DISABLED,
                ranking=[health for health, _label in HEALTH_STATES],
                failing=HEALTH_FAILING,
                disabled=HEALTH_DISABLED,
                degraded=HEALTH_DEGRADED,
                healthy=HEALTH_HEALTHY,
                idle=HEALTH_IDLE,
                failing_below=FAILING_BELOW,
                degraded_below=DEGRADED_BELOW,
            )
        )

    @requires_group(USER)
    def action_open_endpoint(self):
        """Open the endpoint behind this dashboard card."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "integration.endpoint",
            "res_id": self.endpoint_id.id,
            "view_mode": "form",
        }

    @api.model
    def _failing_endpoints(self, days, now=None):
        """Active endpoints that delivered nothing for ``days`` days while failing.

        Such an endpoint's current failure streak (its attempts since its last
        delivered one) began at least ``days`` days ago and still goes on inside
        the window. Returns ``[(endpoint_id, first_failure_at, failures)]``.
        """
        self.env["integration.metrics"]._flush_sources()
        since = (now or fields.Datetime.now()) - timedelta(days=days)
        # Per active endpoint, two index range scans on (endpoint_id, attempted_at):
        # the last delivered attempt, then the failures after it.
        self.env.cr.execute(
            """
            SELECT e.id, streak.first_failure, streak.failures
              FROM integration_endpoint e
        CROSS JOIN LATERAL (
                    SELECT max(attempted_at) AS last_delivered
                      FROM integration_delivery_attempt
                     WHERE endpoint_id = e.id AND outcome = %(delivered)s
                ) ok
        CROSS JOIN LATERAL (
                    SELECT min(attempted_at) AS first_failure,
                           max(attempted_at) AS last_failure,
                           count(*) AS failures
                      FROM integration_delivery_attempt
                     WHERE endpoint_id = e.id
                       AND outcome <> %(delivered)s
                       AND attempted_at > COALESCE(ok.last_delivered, '-infinity')
                ) streak
             WHERE e.state = %(active)s
               AND streak.first_failure <= %(since)s
               AND streak.last_failure > %(since)s
          ORDER BY e.id
            """,
            {"delivered": backoff.DELIVERED, "active": ENDPOINT_ACTIVE, "since": since},
        )
        return self.env.cr.fetchall()

    @api.model
    def _cron_disable_failing_endpoints(self):
        """Disable the endpoints whose every attempt failed for the configured days.

        The number of days is the system parameter
        ``integration_hub.health_disable_days`` (default 5). Each disabled endpoint
        gets a message saying why; its pending deliveries are kept, to be sent once
        an operator enables it again.
        """
        days = self._disable_days()
        Endpoint = self.env["integration.endpoint"]
        for endpoint_id, first_failure, failures in self._failing_endpoints(days):
            endpoint = Endpoint.browse(endpoint_id)
            endpoint.state = ENDPOINT_DISABLED
            endpoint.message_post(
                body=_(
                    "Disabled automatically: none of the %(failures)s delivery "
                    "attempts since %(since)s UTC succeeded, so this endpoint has "
                    "failed for more than %(days)s days. Its pending deliveries are "
                    "kept and will be sent once it is enabled again.",
                    failures=failures,
                    since=fields.Datetime.to_string(first_failure),
                    days=days,
                )
            )
            _logger.info(
                "Endpoint %s disabled: failing since %s", endpoint_id, first_failure
            )

    @api.model
    def _disable_days(self):
        """Days of failure after which an endpoint is disabled (at least 1)."""
        value = self.env["ir.config_parameter"].sudo().get_param(DISABLE_DAYS_PARAM, "")
        try:
            days = int(value)
        except ValueError:
            return DEFAULT_DISABLE_DAYS
        return days if days > 0 else DEFAULT_DISABLE_DAYS
