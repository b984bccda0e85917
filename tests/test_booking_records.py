# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bookings get a reference, refuse impossible stays, and guests show their
bookings; access follows the integration groups and the company."""

from datetime import date

from odoo.exceptions import AccessError
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase
from odoo.tests import new_test_user
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestBookingRecords(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, login="ih_bk_user", groups="integration_hub.group_integration_user"
        )
        cls.guest = cls.env["res.partner"].create(
            {"name": "Ada Guest", "is_guest": True}
        )

    def _booking(self, **values):
        return self.env["integration.booking"].create(
            {
                "guest_id": self.guest.id,
                "check_in": date(2026, 5, 1),
                "check_out": date(2026, 5, 4),
                **values,
            }
        )

    def test_reference_and_defaults(self):
        booking = self._booking()
        self.assertRegex(booking.name, r"^BK\d{5}$")
        self.assertEqual(booking.status, "tentative")
        self.assertEqual((booking.adults, booking.children), (1, 0))
        self.assertEqual(booking.currency_id, self.env.company.currency_id)
        self.assertEqual(booking.company_id, self.env.company)
        self.assertEqual(self.guest.booking_count, 1)
        self.assertEqual(self.guest.booking_ids, booking)

    def test_check_out_must_follow_check_in(self):
        with self.assertRaisesRegex(ValidationError, "Check-out"):
            self._booking(check_out=date(2026, 5, 1))

    def test_counts_cannot_be_negative(self):
        with self.assertRaisesRegex(ValidationError, "Children"):
            self._booking(children=-1)
        with self.assertRaisesRegex(ValidationError, "Adults"):
            self._booking(adults=-2)

    def test_user_edits_but_cannot_delete(self):
        booking = self._booking().with_user(self.user)
        booking.status = "confirmed"
        self.assertEqual(booking.status, "confirmed")
        with self.assertRaises(AccessError):
            booking.unlink()

    def test_other_company_bookings_are_hidden(self):
        other = self.env["res.company"].create({"name": "Other Hotel"})
        booking = self._booking(company_id=other.id)
        Booking = self.env["integration.booking"].with_user(self.user)
        self.assertFalse(Booking.search([("id", "=", booking.id)]))

    def test_bookings_smart_button(self):
        booking = self._booking()
        action = self.guest.action_view_bookings()
        self.assertEqual(
            self.env["integration.booking"].search(action["domain"]), booking
        )
