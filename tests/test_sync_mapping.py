# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Remote attributes become Odoo values and back, and every bad attribute is
named with what is wrong with it (pure functions, no database)."""

from datetime import date

from odoo.tests.common import BaseCase

from ..tools import mapping

BOOKING = {
    "reference": "BK-000001",
    "status": "confirmed",
    "check_in": "2025-06-01",
    "check_out": "2025-06-04",
    "room": "",
    "adults": 2,
    "children": 0,
    "amount": 480.5,
    "currency": "eur",
    "notes": "Late arrival",
    "updated_at": "2025-06-01T10:00:00.000000Z",
}


class TestSyncMapping(BaseCase):
    def test_booking_round_trip(self):
        values = mapping.booking_values_from_attributes(BOOKING)
        self.assertEqual(values["name"], "BK-000001")
        self.assertEqual(values["check_in"], date(2025, 6, 1))
        self.assertIsNone(values["room"])
        self.assertEqual(values["currency"], "EUR")
        attrs = mapping.booking_attributes(values)
        self.assertEqual(attrs["check_out"], "2025-06-04")
        self.assertIsNone(attrs["room"])
        self.assertEqual(attrs["currency"], "EUR")
        self.assertNotIn("updated_at", attrs)

    def test_every_bad_attribute_is_named(self):
        bad = dict(
            BOOKING,
            status="teleported",
            adults=-1,
            children=True,
            amount="12",
            check_in="20250601",
            colour="red",
        )
        del bad["reference"]
        with self.assertRaises(mapping.MappingError) as caught:
            mapping.booking_values_from_attributes(bad)
        fields = {d["field"]: d["message"] for d in caught.exception.details}
        self.assertEqual(
            set(fields),
            {
                "reference",
                "status",
                "adults",
                "children",
                "amount",
                "check_in",
                "colour",
            },
        )
        self.assertEqual(fields["reference"], "is required")
        self.assertIn("YYYY-MM-DD", fields["check_in"])
        self.assertIn("status: must be one of tentative", str(caught.exception))

    def test_check_out_after_check_in(self):
        with self.assertRaisesRegex(mapping.MappingError, "check_out: must be after"):
            mapping.booking_values_from_attributes(
                dict(BOOKING, check_out="2025-06-01")
            )

    def test_partial_values_for_a_patch(self):
        values = mapping.booking_values_from_attributes({"room": "12"}, partial=True)
        self.assertEqual(values, {"room": "12"})
        with self.assertRaisesRegex(mapping.MappingError, "reference: must not be"):
            mapping.booking_values_from_attributes({"reference": ""}, partial=True)

    def test_guest_values(self):
        values = mapping.guest_values_from_attributes(
            {"name": "Ada", "email": None, "country_code": "be"}
        )
        self.assertEqual(values, {"name": "Ada", "email": None, "country_code": "BE"})
        with self.assertRaisesRegex(mapping.MappingError, "name: is required"):
            mapping.guest_values_from_attributes({"email": "a@b.c"})
        with self.assertRaisesRegex(mapping.MappingError, "phone: must be a string"):
            mapping.guest_values_from_attributes({"name": "Ada", "phone": False})

    def test_relationship_id(self):
        resource = {"relationships": {"guest": {"data": {"type": "guest", "id": 7}}}}
        self.assertEqual(mapping.relationship_id(resource, "guest"), "7")
        self.assertIsNone(mapping.relationship_id({}, "guest"))
