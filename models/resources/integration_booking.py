# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

from ...tools import mapping
from ...tools import resources
from ..common.access import USER
from ..common.access import requires_group

STATUS_TENTATIVE = "tentative"
STATUS_CONFIRMED = "confirmed"
STATUS_CHECKED_IN = "checked_in"
STATUS_CHECKED_OUT = "checked_out"
STATUS_CANCELLED = "cancelled"
STATUS_NO_SHOW = "no_show"
STATUSES = [
    (STATUS_TENTATIVE, "Tentative"),
    (STATUS_CONFIRMED, "Confirmed"),
    (STATUS_CHECKED_IN, "Checked In"),
    (STATUS_CHECKED_OUT, "Checked Out"),
    (STATUS_CANCELLED, "Cancelled"),
    (STATUS_NO_SHOW, "No Show"),
]


# Fields whose change is sent to two-way backends and announced to endpoints.
SYNCED_FIELDS = {
    "name",
    "status",
    "check_in",
    "check_out",
    "room",
    "adults",
    "children",
    "amount",
    "currency_id",
    "notes",
    "guest_id",
}


class IntegrationBooking(models.Model):
    """A stay of a guest: dates, room, party size and amount, kept in sync with
    external booking systems and published to webhook endpoints."""

    _name = "integration.booking"
    _description = "Booking"
    _inherit = ["mail.thread", "mail.activity.mixin", "integration.resource.mixin"]
    _order = "check_in desc, id desc"

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        index=True,
        default=lambda self: self._default_name(),
    )
    status = fields.Selection(
        STATUSES, required=True, default=STATUS_TENTATIVE, tracking=True, index=True
    )
    check_in = fields.Date(required=True, tracking=True, index=True)
    check_out = fields.Date(required=True, tracking=True)
    guest_id = fields.Many2one("res.partner", required=True, index=True, tracking=True)
    room = fields.Char(string="Room or Unit")
    adults = fields.Integer(default=1)
    children = fields.Integer(default=0)
    amount = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    notes = fields.Text()
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    color = fields.Integer(compute="_compute_color")

    @api.model_create_multi
    def create(self, vals_list):
        """Create, and announce each booking to the endpoints (outbox)."""
        bookings = super().create(vals_list)
        Event = self.env["integration.event"]
        for booking in bookings:
            Event.emit("booking.created", records=booking)
        return bookings

    def write(self, vals):
        """Write; announce changes of synced fields to the endpoints, as a
        cancellation when the booking becomes cancelled, and queue their push
        to two-way backends."""
        if not SYNCED_FIELDS & vals.keys():
            return super().write(vals)
        was_cancelled = {b.id for b in self if b.status == STATUS_CANCELLED}
        result = super().write(vals)
        Event = self.env["integration.event"]
        for booking in self:
            cancelled = (
                booking.status == STATUS_CANCELLED and booking.id not in was_cancelled
            )
            Event.emit(
                "booking.cancelled" if cancelled else "booking.updated",
                records=booking,
            )
        self.env["integration.binding"]._push_records(self)
        return result

    @api.model
    def _integration_declaration(self):
        """How bookings take part in sync, the REST API and events."""
        return resources.Resource(
            type=mapping.BOOKING_TYPE,
            collection="bookings",
            model=self._name,
            attributes=mapping.BOOKING_FIELDS,
            required=mapping.BOOKING_REQUIRED,
            schemas=mapping.BOOKING_SCHEMAS,
            parse=mapping.booking_values_from_attributes,
            serialize=mapping.booking_attributes,
            codes={"currency": ("currency_id", "res.currency", "name")},
            relationships={"guest": ("guest_id", "guests")},
            include=("guest",),
            synced_fields=frozenset(SYNCED_FIELDS),
            filters={
                "status": ("status", "in", "statuses", "Comma-separated statuses."),
                "updated_since": resources.UPDATED_SINCE_FILTER,
                "check_in_from": ("check_in", ">=", "date", "Check-in on or after."),
                "check_in_to": ("check_in", "<=", "date", "Check-in on or before."),
                "guest": ("guest_id", "=", "id", "Bookings of this guest id."),
            },
            sorts={
                "reference": "name",
                "status": "status",
                "check_in": "check_in",
                "check_out": "check_out",
                "amount": "amount",
                "updated_at": "write_date",
            },
            delete_rule=(
                "A tentative booking is deleted. A confirmed or checked-in booking "
                "is kept for history and cancelled instead (status becomes "
                "`cancelled`); deleting an already cancelled booking changes "
                "nothing. A checked-out or no-show booking happened: it can be "
                "neither deleted nor cancelled (409). Both successful cases answer "
                "204."
            ),
        )

    @api.model
    def _default_name(self):
        return self.env["ir.sequence"].next_by_code("integration.booking") or _("New")

    @api.depends("status")
    def _compute_color(self):
        # Kanban colour index per status, so cancelled and no-show stand out.
        colors = {
            STATUS_TENTATIVE: 0,
            STATUS_CONFIRMED: 10,
            STATUS_CHECKED_IN: 4,
            STATUS_CHECKED_OUT: 7,
            STATUS_CANCELLED: 1,
            STATUS_NO_SHOW: 2,
        }
        for booking in self:
            booking.color = colors.get(booking.status, 0)

    @api.constrains("check_in", "check_out")
    def _check_dates(self):
        for booking in self:
            if booking.check_out <= booking.check_in:
                raise ValidationError(
                    _(
                        "Check-out (%(check_out)s) must be after check-in "
                        "(%(check_in)s) on booking %(name)s.",
                        check_out=booking.check_out,
                        check_in=booking.check_in,
                        name=booking.name,
                    )
                )

    @api.constrains("adults", "children")
    def _check_counts(self):
        for booking in self:
            for field_name in ("adults", "children"):
                if booking[field_name] < 0:
                    raise ValidationError(
                        _(
                            "%(field)s cannot be negative on booking %(name)s.",
                            field=self._fields[field_name].string,
                            name=booking.name,
                        )
                    )

    # -- sync ---------------------------------------------------------------

    def _sync_values(self):
        """Return the booking's values in the mapped form the sync compares and
        hashes (see tools/mapping.py), with the guest as a partner id."""
        self.ensure_one()
        return {
            "name": self.name,
            "status": self.status,
            "check_in": self.check_in,
            "check_out": self.check_out,
            "room": self.room or None,
            "adults": self.adults,
            "children": self.children,
            "amount": round(self.amount, 2),
            "currency": self.currency_id.name,
            "notes": self.notes or None,
            "guest_id": self.guest_id.id,
        }

    @api.model
    def _sync_values_from_json(self, values):
        """Turn mapped values read back from JSON (dates as text) into values."""
        values = dict(values)
        for key in ("check_in", "check_out"):
            if isinstance(values.get(key), str):
                values[key] = fields.Date.to_date(values[key])
        return values

    @api.model
    def _sync_prepare_vals(self, values_list, backend, create=False):
        """Turn mapped values into ``create``/``write`` values: the currency code
        becomes a currency, created bookings get the backend's company."""
        codes = {v["currency"] for v in values_list if v.get("currency")}
        currencies = {
            c.name: c.id
            for c in self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", list(codes))])
        }
        vals_list = []
        for values in values_list:
            vals = dict(values)
            if "currency" in vals:
                code = vals.pop("currency")
                if code not in currencies:
                    raise UserError(_("Unknown currency %s.", code))
                vals["currency_id"] = currencies[code]
            if create:
                vals["company_id"] = backend.company_id.id
            vals_list.append(vals)
        return vals_list

    def _sync_attributes(self, values):
        """Return the remote attributes of mapped booking values."""
        return mapping.booking_attributes(values)

    def _integration_resource(self):
        """Return the booking as a JSON:API resource (REST API, webhooks)."""
        self.ensure_one()
        values = self._sync_values()
        attributes = mapping.booking_attributes(values)
        attributes["updated_at"] = fields.Datetime.to_string(self.write_date)
        return {
            "id": str(self.id),
            "type": mapping.BOOKING_TYPE,
            "attributes": attributes,
            "relationships": {
                "guest": {
                    "data": {"type": mapping.GUEST_TYPE, "id": str(self.guest_id.id)}
                }
            },
        }

    @requires_group(USER)
    def action_resync(self):
        """Fetch these bookings again from the backends they are bound to."""
        return self.env["integration.binding"]._resync_records(self)
