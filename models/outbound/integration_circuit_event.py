# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo import models

from ...tools import circuit as circuit_logic

CIRCUIT_EVENT_KINDS = [
    (circuit_logic.EVENT_OPENED, "Opened"),
    (circuit_logic.EVENT_CLOSED, "Closed"),
]


class IntegrationCircuitEvent(models.Model):
    """One opening or closing of an endpoint's or a backend's circuit, for
    operators and metrics."""

    _name = "integration.circuit.event"
    _description = "Integration Circuit Event"
    _order = "occurred_at desc, id desc"

    circuit_id = fields.Many2one(
        "integration.circuit", required=True, ondelete="cascade", readonly=True
    )
    endpoint_id = fields.Many2one(
        "integration.endpoint", ondelete="cascade", index=True, readonly=True
    )
    backend_id = fields.Many2one(
        "integration.backend", ondelete="cascade", index=True, readonly=True
    )
    kind = fields.Selection(CIRCUIT_EVENT_KINDS, required=True, readonly=True)
    occurred_at = fields.Datetime(required=True, index=True, readonly=True)
    reason = fields.Char(readonly=True)
    failure_count = fields.Integer(
        readonly=True, help="Consecutive failed attempts when the event happened."
    )
