# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The module installs, its menus and views load, and each group gets its rights."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase
from odoo.tests import new_test_user
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestInstallAndAccess(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, login="ih_user", groups="integration_hub.group_integration_user"
        )
        cls.manager = new_test_user(
            cls.env,
            login="ih_manager",
            groups="integration_hub.group_integration_manager",
        )
        cls.employee = new_test_user(
            cls.env, login="ih_employee", groups="base.group_user"
        )

    def test_module_installed(self):
        module = self.env["ir.module.module"].search([("name", "=", "integration_hub")])
        self.assertEqual(module.state, "installed")
        self.assertEqual(module.license, "LGPL-3")

    def test_manager_implies_user(self):
        self.assertTrue(
            self.manager.has_group("integration_hub.group_integration_user")
        )
        self.assertFalse(
            self.user.has_group("integration_hub.group_integration_manager")
        )

    def test_menus_visible_per_group(self):
        root = self.env.ref("integration_hub.menu_integration_root")
        config = self.env.ref("integration_hub.menu_integration_configuration")
        Menu = self.env["ir.ui.menu"]
        user_menus = Menu.with_user(self.user)._visible_menu_ids()
        manager_menus = Menu.with_user(self.manager)._visible_menu_ids()
        employee_menus = Menu.with_user(self.employee)._visible_menu_ids()
        self.assertIn(config.id, manager_menus)
        self.assertNotIn(config.id, user_menus)
        self.assertNotIn(root.id, employee_menus)

    def test_event_types_shipped(self):
        codes = set(self.env["integration.event.type"].search([]).mapped("code"))
        self.assertTrue(
            {"booking.created", "booking.updated", "guest.created"} <= codes, codes
        )

    def test_event_type_access(self):
        EventType = self.env["integration.event.type"]
        self.assertTrue(EventType.with_user(self.user).search_count([]))
        with self.assertRaises(AccessError):
            EventType.with_user(self.user).create({"code": "x.by_user"})
        created = EventType.with_user(self.manager).create({"code": "x.by_manager"})
        self.assertEqual(created.code, "x.by_manager")
        with self.assertRaises(AccessError):
            EventType.with_user(self.employee).search([])

    def test_every_model_readable_by_integration_groups_only(self):
        models = self.env["ir.model"].search(
            [("modules", "ilike", "integration_hub"), ("transient", "=", False)]
        )
        own = [
            m.model
            for m in models
            if m.model.startswith("integration.")
            and not self.env[m.model]._abstract
            and m.model != "integration.endpoint.rotate.secret"
        ]
        self.assertGreaterEqual(len(own), 20, own)
        for model in own:
            with self.subTest(model=model):
                Model = self.env[model]
                self.assertTrue(Model.with_user(self.user).has_access("read"))
                self.assertTrue(Model.with_user(self.manager).has_access("read"))
                self.assertFalse(Model.with_user(self.employee).has_access("read"))

    def test_configuration_is_for_managers(self):
        for model in (
            "integration.endpoint",
            "integration.inbound.source",
            "integration.backend",
            "integration.event.type",
        ):
            with self.subTest(model=model):
                Model = self.env[model]
                self.assertFalse(Model.with_user(self.user).has_access("create"))
                self.assertFalse(Model.with_user(self.user).has_access("write"))
                self.assertTrue(Model.with_user(self.manager).has_access("create"))
                self.assertTrue(Model.with_user(self.manager).has_access("write"))

    def test_operators_act_through_buttons_not_writes(self):
        # Bookings are business records users edit. Deliveries, bindings, sync
        # runs and conflicts change through the buttons only, which check the
        # caller and then write with superuser rights (test_rpc_method_access).
        Booking = self.env["integration.booking"].with_user(self.user)
        self.assertTrue(Booking.has_access("write"))
        for model in (
            "integration.delivery",
            "integration.binding",
            "integration.conflict",
            "integration.sync.run",
        ):
            with self.subTest(model=model):
                Model = self.env[model].with_user(self.user)
                self.assertFalse(Model.has_access("create"))
                self.assertFalse(Model.has_access("write"))
                self.assertTrue(Model.with_user(self.manager).has_access("write"))

    def test_every_view_of_the_module_renders(self):
        views = self.env["ir.ui.view"].search(
            [("model_data_id.module", "=", "integration_hub"), ("type", "!=", "qweb")]
        )
        self.assertTrue(views)
        for view in views:
            with self.subTest(view=view.xml_id):
                arch = self.env[view.model].get_view(view.id, view.type)["arch"]
                self.assertTrue(arch)
