# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A room of the hotel, declared to the hub: nothing else is needed for it to be
synced with a backend, served at ``/api/v1/rooms`` and announced to endpoints."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.integration_hub.tools import mapping
from odoo.addons.integration_hub.tools.resources import UPDATED_SINCE_FILTER
from odoo.addons.integration_hub.tools.resources import Resource

# Attribute name -> values key (here the field of the same name).
ROOM_FIELDS = {
    "number": "number",
    "name": "name",
    "capacity": "capacity",
    "rate": "rate",
}


def _capacity(value):
    value = mapping.parse_count(value)
    if value < 1:
        raise TypeError("must be an integer >= 1")
    return value


ROOM_PARSERS = {
    "number": mapping.parse_text,
    "name": mapping.parse_text,
    "capacity": _capacity,
    "rate": mapping.parse_amount,
}
ROOM_SCHEMAS = {
    "number": {"type": "string", "minLength": 1},
    "name": {"type": ["string", "null"]},
    "capacity": {"type": "integer", "minimum": 1, "maximum": mapping.MAX_INT},
    "rate": {"type": "number", "minimum": 0, "description": "Price per night."},
}


class IntegrationRoom(models.Model):
    """A room guests stay in: its number, name, capacity and nightly rate."""

    _name = "integration.room"
    _description = "Room"
    _inherit = ["integration.resource.mixin"]
    _order = "number, id"
    _rec_name = "number"

    number = fields.Char(required=True, index=True)
    name = fields.Char()
    capacity = fields.Integer(default=1, required=True)
    rate = fields.Float(digits=(16, 2))
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    @api.model
    def _integration_declaration(self):
        """How rooms take part in sync, the REST API and events."""
        return Resource(
            type="room",
            collection="rooms",
            model=self._name,
            attributes=ROOM_FIELDS,
            required=("number",),
            schemas=ROOM_SCHEMAS,
            parse=mapping.values_parser("room", ROOM_FIELDS, ROOM_PARSERS, ("number",)),
            serialize=mapping.attributes_serializer(ROOM_FIELDS),
            filters={
                "updated_since": UPDATED_SINCE_FILTER,
                "number": ("number", "=", "text", "Exact room number."),
            },
            sorts={
                "number": "number",
                "capacity": "capacity",
                "rate": "rate",
            },
            delete_rule="A room is deleted (204).",
        )
