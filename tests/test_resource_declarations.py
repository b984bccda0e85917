# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Models join sync, the REST API and events by declaring themselves."""

from odoo.tests import TransactionCase
from odoo.tests import tagged

from ..tools import resources


@tagged("post_install", "-at_install")
class TestResourceDeclarations(TransactionCase):
    def test_bookings_and_guests_are_declared_in_dependency_order(self):
        declared = self.env["integration.resource.mixin"]._integration_declarations()
        self.assertEqual(declared["bookings"].model, "integration.booking")
        self.assertEqual(declared["guests"].model, "res.partner")
        names = list(declared)
        # A booking points to its guest: guests are synced first.
        self.assertLess(names.index("guests"), names.index("bookings"))
        self.assertEqual(declared["bookings"].depends, ("guests",))

    def test_dependency_order_refuses_cycles_and_unknown_targets(self):
        def declared(collection, target):
            return resources.Resource(
                type=collection[:-1],
                collection=collection,
                model=f"x.{collection}",
                attributes={},
                required=(),
                schemas={},
                parse=dict,
                serialize=dict,
                relationships={"other": ("other_id", target)},
            )

        with self.assertRaisesRegex(ValueError, "cycle"):
            resources.in_dependency_order(
                {"eggs": declared("eggs", "hens"), "hens": declared("hens", "eggs")}
            )
        with self.assertRaisesRegex(ValueError, "no declared collection"):
            resources.in_dependency_order({"eggs": declared("eggs", "nests")})
