# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.exceptions import ValidationError

from ...tools import payload_schema


class IntegrationEventType(models.Model):
    """A kind of business event endpoints subscribe to, such as ``booking.created``;
    with a payload schema, inbound webhooks of that type must match it."""

    _name = "integration.event.type"
    _inherit = ["integration.cached.mixin"]
    _description = "Integration Event Type"
    _order = "code"
    _rec_name = "code"

    code = fields.Char(required=True, index=True, help="For example booking.created")
    description = fields.Char()
    active = fields.Boolean(default=True)
    payload_schema = fields.Text(
        string="Inbound Payload Schema",
        help="A JSON Schema: an inbound webhook of this event type whose body does "
        "not match it is refused (422, one detail per problem) and not stored. "
        "Empty: no check.",
    )

    _sql_constraints = [
        ("code_unique", "unique(code)", "An event type code must be unique."),
    ]

    @api.model
    def _by_code(self, code):
        """The active event type with this code (empty when there is none)."""
        return self.browse(self._id_by_code(code))

    @api.model
    @tools.ormcache("code")
    def _id_by_code(self, code):
        # Any user's business change may emit: the lookup is not theirs to pass.
        return self.sudo().search([("code", "=", code)], limit=1).id

    @api.constrains("payload_schema")
    def _check_payload_schema(self):
        for event_type in self.filtered("payload_schema"):
            try:
                payload_schema.compile_schema(event_type.payload_schema)
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Inbound payload schema of %(code)s: %(error)s",
                        code=event_type.code,
                        error=error,
                    )
                ) from None

    @api.model
    @tools.ormcache()
    def _payload_validators(self):
        """``{code: validator}`` of the active event types with a payload
        schema, compiled once per worker (any change to an event type clears
        them): a webhook request of a type without a schema costs no query."""
        types = self.sudo().search_fetch(
            [("payload_schema", "!=", False)], ["code", "payload_schema"]
        )
        return {
            event_type.code: payload_schema.compile_schema(event_type.payload_schema)
            for event_type in types
        }
