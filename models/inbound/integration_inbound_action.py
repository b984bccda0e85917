# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

from ...tools import handlers


class IntegrationInboundAction(models.Model):
    """An operator's wiring of an event type (or ``prefix.*``, or ``*``) of one
    inbound source to a server action, run on the message without any code."""

    _name = "integration.inbound.action"
    _description = "Integration Inbound Event Action"
    _order = "source_id, sequence, id"

    sequence = fields.Integer(default=10)
    source_id = fields.Many2one(
        "integration.inbound.source", required=True, ondelete="cascade", index=True
    )
    event_type = fields.Char(
        required=True,
        help="An exact event type, 'prefix.*' or '*'; the most specific match runs.",
    )
    action_id = fields.Many2one(
        "ir.actions.server",
        string="Server Action",
        required=True,
        ondelete="restrict",
        domain=[("model_id.model", "=", "integration.inbound.message")],
        help="Runs with the message as active record.",
    )

    _sql_constraints = [
        (
            "source_event_type_unique",
            "unique(source_id, event_type)",
            "An event type is mapped once per source.",
        ),
    ]

    @api.constrains("event_type")
    def _check_event_type(self):
        for line in self:
            if not handlers.is_valid_pattern(line.event_type):
                raise ValidationError(
                    _(
                        "%(pattern)s is not an event type pattern: use an exact "
                        "type, 'prefix.*' or '*'.",
                        pattern=line.event_type,
                    )
                )

    @api.constrains("action_id")
    def _check_action_model(self):
        for line in self:
            if line.action_id.model_id.model != "integration.inbound.message":
                raise ValidationError(
                    _("The server action must be defined on Inbound Messages.")
                )
