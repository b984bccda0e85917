# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import fields
from odoo import models
from odoo import tools


class IntegrationEventType(models.Model):
    """A kind of business event endpoints subscribe to, such as ``booking.created``."""

    _name = "integration.event.type"
    _inherit = ["integration.cached.mixin"]
    _description = "Integration Event Type"
    _order = "code"
    _rec_name = "code"

    code = fields.Char(required=True, index=True, help="For example booking.created")
    description = fields.Char()
    active = fields.Boolean(default=True)

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
