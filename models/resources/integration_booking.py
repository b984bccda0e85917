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


class IntegrationBooking(models.Model):
    """A stay of a guest: dates, room, party size and amount, kept in sync with
    external booking systems and published to webhook endpoints."""

    _name = "integration.booking"
    _description = "Booking"
    # The resource mixin first: its create and write (events, push) are the
    # model's own, taking ``vals`` like every other write of the hub.
    _inherit = ["integration.resource.mixin", "mail.thread", "mail.activity.mixin"]
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

    def _integration_update_events(self, vals):
        """A booking becoming cancelled is announced as ``booking.cancelled``."""
        codes = super()._integration_update_events(vals)
        if vals.get("status") == STATUS_CANCELLED:
            for booking in self.filtered(lambda b: b.status != STATUS_CANCELLED):
                codes[booking.id] = "booking.cancelled"
        return codes

    def _integration_api_delete(self):
        """A tentative booking is deleted; a confirmed or checked-in one is
        cancelled, kept for history; a cancelled one stays as it is; one that
        happened (checked out, no show) is refused."""
        self.ensure_one()
        if self.status in (STATUS_CONFIRMED, STATUS_CHECKED_IN):
            self.write({"status": STATUS_CANCELLED})
            return ["status"]
        if self.status == STATUS_TENTATIVE:
            return super()._integration_api_delete()
        if self.status != STATUS_CANCELLED:
            raise UserError(
                _("A %s booking happened: it is kept as it is.", self.status)
            )
        return []

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

    @requires_group(USER)
    def action_resync(self):
        """Fetch these bookings again from the backends they are bound to."""
        return self.env["integration.binding"]._resync_records(self)
