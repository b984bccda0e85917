# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import fields
from odoo import models
from odoo.tools.sql import create_index

from ...tools import backoff

ATTEMPT_OUTCOMES = [
    (backoff.DELIVERED, "Delivered"),
    (backoff.RETRY, "Retry"),
    (backoff.FAILED, "Failed"),
    (backoff.GONE, "Gone"),
]


class IntegrationDeliveryAttempt(models.Model):
    """One HTTP request made for a delivery: when, how long, what came back.

    The attempt log is what metrics are computed from, so the endpoint is stored
    on the attempt itself (not a related field) and indexed with the time.
    """

    _name = "integration.delivery.attempt"
    _description = "Integration Webhook Delivery Attempt"
    _order = "attempted_at desc, id desc"
    _rec_name = "summary"

    delivery_id = fields.Many2one(
        "integration.delivery", required=True, ondelete="cascade", index=True
    )
    endpoint_id = fields.Many2one(
        "integration.endpoint", required=True, ondelete="cascade", index=True
    )
    event_type_id = fields.Many2one(related="delivery_id.event_type_id")
    attempt_number = fields.Integer(required=True)
    attempted_at = fields.Datetime(required=True, index=True)
    duration_ms = fields.Integer(string="Duration (ms)", aggregator="avg")
    status_code = fields.Integer(
        string="HTTP status", aggregator=False, help="0 when no response came."
    )
    outcome = fields.Selection(ATTEMPT_OUTCOMES, required=True)
    error_class = fields.Char()
    error_message = fields.Char()
    response_body = fields.Text(help="The first 2 KB of the response body.")
    request_headers = fields.Text(
        help="Headers sent, as JSON; signatures and credentials masked."
    )
    summary = fields.Char(compute="_compute_summary")

    def init(self):
        # Metrics read "attempts of an endpoint in a time window".
        create_index(
            self.env.cr,
            "integration_delivery_attempt_endpoint_time_idx",
            self._table,
            ["endpoint_id", "attempted_at"],
        )

    @api.depends("status_code", "duration_ms", "error_class", "outcome")
    def _compute_summary(self):
        for attempt in self:
            if attempt.status_code:
                attempt.summary = (
                    f"HTTP {attempt.status_code} in {attempt.duration_ms} ms "
                    f"({attempt.outcome})"
                )
            else:
                attempt.summary = f"{attempt.error_class} ({attempt.outcome})"
