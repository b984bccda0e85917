# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

STATE_EMIT_EVENT = "integration_event"


class IrActionsServer(models.Model):
    """Adds the "Emit integration event" action type, so that any automation
    rule can feed webhooks from any model without code."""

    _inherit = "ir.actions.server"

    state = fields.Selection(
        selection_add=[(STATE_EMIT_EVENT, "Emit integration event")],
        ondelete={STATE_EMIT_EVENT: "cascade"},
    )
    integration_event_type_id = fields.Many2one(
        "integration.event.type",
        string="Integration event type",
        ondelete="restrict",
        help="One event of this type is emitted per record the action runs on; "
        "its data is the record as a JSON:API resource.",
    )

    @api.constrains("state", "integration_event_type_id")
    def _check_integration_event_type(self):
        for action in self:
            if (
                action.state == STATE_EMIT_EVENT
                and not action.integration_event_type_id
            ):
                raise ValidationError(
                    _("Action %s needs an integration event type.", action.name)
                )

    def _run_action_integration_event_multi(self, eval_context=None):
        """Emit one event per record the action runs on."""
        records = (eval_context or {}).get("records") or (eval_context or {}).get(
            "record"
        )
        Event = self.env["integration.event"]
        for record in records or ():
            Event.emit(self.integration_event_type_id.code, records=record)
        return False
