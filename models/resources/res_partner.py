# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ...tools import mapping
from ...tools import resources
from ..common.access import USER
from ..common.access import requires_group


class ResPartner(models.Model):
    """Guests are partners flagged ``is_guest``, with their bookings."""

    _name = "res.partner"
    _inherit = ["res.partner", "integration.resource.mixin"]

    is_guest = fields.Boolean(
        string="Guest", index=True, help="This contact stays with us (bookings)."
    )
    # Only integration users may read bookings; other users keep a usable
    # partner form.
    booking_ids = fields.One2many(
        "integration.booking",
        "guest_id",
        string="Bookings",
        groups="integration_hub.group_integration_user",
    )
    booking_count = fields.Integer(
        compute="_compute_booking_count",
        groups="integration_hub.group_integration_user",
    )

    @api.model
    def _integration_declaration(self):
        """How guests take part in sync, the REST API and events."""
        return resources.Resource(
            type=mapping.GUEST_TYPE,
            collection="guests",
            model=self._name,
            attributes=mapping.GUEST_FIELDS,
            required=mapping.GUEST_REQUIRED,
            schemas=mapping.GUEST_SCHEMAS,
            parse=mapping.guest_values_from_attributes,
            serialize=mapping.guest_attributes,
            domain=(("is_guest", "=", True),),
            create_values={"is_guest": True},
            codes={"country_code": ("country_id", "res.country", "code")},
            filters={
                "updated_since": resources.UPDATED_SINCE_FILTER,
                "email": ("email", "=ilike", "text", "Exact e-mail, case-insensitive."),
                "name": ("name", "ilike", "text", "Name contains, case-insensitive."),
            },
            sorts={
                "name": "name",
                "email": "email",
                "city": "city",
            },
            delete_rule=(
                "A guest without bookings is deleted (204). A guest with bookings, "
                "in any company, is kept (409): delete or reassign the bookings "
                "first."
            ),
        )

    def _integration_api_delete(self):
        """A guest with bookings, in any company, is kept: it must outlive them."""
        if (
            self.env["integration.booking"]
            .sudo()
            .search_count([("guest_id", "in", self.ids)], limit=1)
        ):
            raise UserError(_("This guest has bookings."))
        return super()._integration_api_delete()

    @api.depends("booking_ids")
    def _compute_booking_count(self):
        counts = dict(
            self.env["integration.booking"]._read_group(
                [("guest_id", "in", self.ids)], ["guest_id"], ["__count"]
            )
        )
        for partner in self:
            partner.booking_count = counts.get(partner, 0)

    @requires_group(USER)
    def action_view_bookings(self):
        """Open the bookings of these guests."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_hub.integration_booking_action"
        )
        action["domain"] = [("guest_id", "in", self.ids)]
        action["context"] = {"default_guest_id": self[:1].id}
        return action

    @requires_group(USER)
    def action_resync(self):
        """Fetch these guests again from the backends they are bound to."""
        return self.env["integration.binding"]._resync_records(self)
