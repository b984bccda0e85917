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

# Fields whose change is sent to two-way backends and announced to endpoints.
SYNCED_FIELDS = {"name", "email", "phone", "street", "city", "zip", "country_id"}


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
            synced_fields=frozenset(SYNCED_FIELDS),
            filters={
                "updated_since": resources.UPDATED_SINCE_FILTER,
                "email": ("email", "=ilike", "text", "Exact e-mail, case-insensitive."),
                "name": ("name", "ilike", "text", "Name contains, case-insensitive."),
            },
            sorts={
                "name": "name",
                "email": "email",
                "city": "city",
                "updated_at": "write_date",
            },
            delete_rule=(
                "A guest without bookings is deleted (204). A guest with bookings, "
                "in any company, is kept (409): delete or reassign the bookings "
                "first."
            ),
        )

    @api.model_create_multi
    def create(self, vals_list):
        """Create, and announce each new guest to the endpoints (outbox)."""
        partners = super().create(vals_list)
        Event = self.env["integration.event"]
        for guest in partners.filtered("is_guest"):
            Event.emit("guest.created", records=guest)
        return partners

    def write(self, vals):
        """Write; announce changes of guests' synced fields to the endpoints and
        queue their push to two-way backends."""
        result = super().write(vals)
        if (SYNCED_FIELDS | {"is_guest"}) & vals.keys():
            guests = self.filtered("is_guest")
            Event = self.env["integration.event"]
            for guest in guests:
                Event.emit("guest.updated", records=guest)
            if guests:
                self.env["integration.binding"]._push_records(guests)
        return result

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

    # -- sync ---------------------------------------------------------------

    def _sync_values(self):
        """Return the guest's values in the mapped form the sync compares and
        hashes (see tools/mapping.py)."""
        self.ensure_one()
        return {
            "name": self.name,
            "email": self.email or None,
            "phone": self.phone or None,
            "street": self.street or None,
            "city": self.city or None,
            "zip": self.zip or None,
            "country_code": self.country_id.code or None,
        }

    @api.model
    def _sync_values_from_json(self, values):
        """Mapped guest values read back from JSON are already values."""
        return dict(values)

    @api.model
    def _sync_prepare_vals(self, values_list, backend, create=False):
        """Turn mapped values into ``create``/``write`` values: the country code
        becomes a country, and created partners are guests."""
        codes = {v["country_code"] for v in values_list if v.get("country_code")}
        countries = {
            c.code: c.id
            for c in self.env["res.country"].search([("code", "in", list(codes))])
        }
        vals_list = []
        for values in values_list:
            vals = dict(values, is_guest=True) if create else dict(values)
            if "country_code" in vals:
                code = vals.pop("country_code")
                if code and code not in countries:
                    raise UserError(_("Unknown country code %s.", code))
                vals["country_id"] = countries.get(code, False)
            vals_list.append(vals)
        return vals_list

    def _sync_attributes(self, values):
        """Return the remote attributes of mapped guest values."""
        return mapping.guest_attributes(values)

    def _integration_resource(self):
        """Return the guest as a JSON:API resource (REST API, webhooks)."""
        self.ensure_one()
        attributes = mapping.guest_attributes(self._sync_values())
        attributes["updated_at"] = fields.Datetime.to_string(self.write_date)
        return {
            "id": str(self.id),
            "type": mapping.GUEST_TYPE,
            "attributes": attributes,
        }

    @requires_group(USER)
    def action_resync(self):
        """Fetch these guests again from the backends they are bound to."""
        return self.env["integration.binding"]._resync_records(self)
