# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ...tools import backoff
from ...tools import circuit as circuit_logic
from ..common.access import USER
from ..common.access import requires_group
from ..outbound.integration_delivery import DELIVERY_DEAD
from ..outbound.integration_delivery import DELIVERY_FAILED

TONES = [
    ("muted", "Nothing yet"),
    ("info", "Information"),
    ("success", "Good"),
    ("warning", "Watch"),
    ("danger", "Needs attention"),
]
# Success rate (in %) at or above which the tile is good, then merely watched.
GOOD_RATE = 95.0
WATCH_RATE = 50.0
DAY = timedelta(hours=24)


class IntegrationDashboardFigure(models.Model):
    """One figure of the Integration dashboard, the operator's first screen.

    The figures are data records (what to show, in which order, which list opens
    when clicked); each value is computed on read, as the current user, by the
    method ``_value_<code>`` — so record rules apply and a user never counts what
    they cannot open. Another addon adds a figure with a data record and that
    method.
    """

    _name = "integration.dashboard.figure"
    _description = "Integration Dashboard Figure"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Names the method computing the value.")
    sequence = fields.Integer(default=10)
    description = fields.Char(translate=True)
    action_ref = fields.Char(
        "Action", required=True, help="XML id of the window action it opens."
    )
    action_domain = fields.Char(default="[]", help="Domain of the list it opens.")
    action_context = fields.Char(default="{}", help="Context of the list it opens.")
    value = fields.Char(compute="_compute_value")
    tone = fields.Selection(TONES, compute="_compute_value")

    _sql_constraints = [
        ("code_unique", "UNIQUE(code)", "A dashboard figure's code is unique."),
    ]

    @api.depends("code")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_value(self):
        self.env["integration.metrics"]._flush_sources()
        for figure in self:
            compute = getattr(figure, f"_value_{figure.code}", None)
            value, tone = compute() if compute else ("", "muted")
            figure.value, figure.tone = value, tone

    @requires_group(USER)
    def action_open(self):
        """Open the list behind this figure, filtered as the figure counts."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(self.action_ref)
        action["domain"] = safe_eval(self.action_domain or "[]", self._eval_context())
        action["context"] = self.action_context or "{}"
        return action

    def _eval_context(self):
        """Names a figure's domain may use: ``since_24h``, as Odoo writes it."""
        return {"since_24h": fields.Datetime.to_string(self._since())}

    def _since(self):
        return fields.Datetime.now() - DAY

    # Values: (text shown, tone) ---------------------------------------------

    def _count(self, model, domain, bad_when_any=True):
        return self._tone(self.env[model].search_count(domain), bad_when_any)

    def _tone(self, count, bad_when_any=True):
        """``count`` as a tile's text and tone: danger when any is bad."""
        tone = "danger" if count and bad_when_any else ("info" if count else "muted")
        return str(count), tone

    def _attempt_stats(self):
        """Count, success rate and p95 latency of the attempts of the last 24 h
        the user can read (record rules apply through ``_search``)."""
        query = self.env["integration.delivery.attempt"]._search(
            [("attempted_at", ">", self._since())]
        )
        self.env.cr.execute(
            query.select(
                SQL(
                    """count(*),
                       count(*) FILTER (WHERE %s = %s)::float
                           / NULLIF(count(*), 0) * 100,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY %s)""",
                    SQL.identifier(query.table, "outcome"),
                    backoff.DELIVERED,
                    SQL.identifier(query.table, "duration_ms"),
                )
            )
        )
        return self.env.cr.fetchone()

    def _value_deliveries_24h(self):
        return self._count(
            "integration.delivery",
            [("create_date", ">", self._since())],
            bad_when_any=False,
        )

    def _value_success_rate_24h(self):
        total, rate, _p95 = self._attempt_stats()
        if not total:
            return "—", "muted"
        if rate >= GOOD_RATE:
            tone = "success"
        else:
            tone = "warning" if rate >= WATCH_RATE else "danger"
        return f"{rate:.1f} %", tone

    def _value_p95_24h(self):
        total, _rate, p95 = self._attempt_stats()
        if not total:
            return "—", "muted"
        return f"{p95:.0f} ms", "info"

    def _value_open_circuits(self):
        return self._count(
            "integration.circuit", [("state", "!=", circuit_logic.CLOSED)]
        )

    def _value_failed_deliveries(self):
        return self._count("integration.delivery", [("state", "=", DELIVERY_FAILED)])

    def _value_dead_deliveries(self):
        return self._count("integration.delivery", [("state", "=", DELIVERY_DEAD)])

    def _value_failed_inbound(self):
        return self._count("integration.inbound.message", [("state", "=", "failed")])

    def _value_open_conflicts(self):
        return self._count("integration.conflict", [("state", "=", "open")])

    def _value_attempts_last_hour(self):
        return self._count(
            "integration.delivery.attempt",
            [("attempted_at", ">", fields.Datetime.now() - timedelta(hours=1))],
            bad_when_any=False,
        )

    def _value_failing_endpoints(self):
        return self._count(
            "integration.endpoint.health", [("health", "in", ("failing", "disabled"))]
        )

    def _value_api_requests_24h(self):
        window = self.env["integration.metrics.api"]._api_window(self._since())
        requests = sum(stats["requests"] for stats in window.values())
        throttled = sum(stats["throttled"] for stats in window.values())
        return str(requests), "warning" if throttled else "info"

    def _value_backend_errors_24h(self):
        calls = self.env["integration.metrics.sync"]._sync_calls(self._since())
        return self._tone(sum(stats["errors"] for stats in calls.values()))
