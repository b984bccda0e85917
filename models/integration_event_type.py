# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo import models


class IntegrationEventType(models.Model):
    """A kind of business event endpoints subscribe to, such as ``booking.created``."""

    _name = "integration.event.type"
    _description = "Integration Event Type"
    _order = "code"
    _rec_name = "code"

    code = fields.Char(required=True, index=True, help="For example booking.created")
    description = fields.Char()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "unique(code)", "An event type code must be unique."),
    ]
