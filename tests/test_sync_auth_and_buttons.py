# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Each authentication works (OAuth2 tokens are cached on the backend and
renewed when refused), Test connection says what is wrong, and Resync reads a
record again."""

from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import new_test_user
from odoo.tests import tagged

from .sync_common import ReferenceServer
from .sync_common import SyncCase


@tagged("post_install", "-at_install")
class TestSyncAuthAndButtons(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secure = ReferenceServer(
            bookings=3,
            guests=2,
            api_key="k-1",
            basic=("pms", "s3cret"),
            client_id="odoo",
            client_secret="oauth-secret",
        ).start()
        cls.addClassCleanup(cls.secure.stop)

    def _secure_backend(self, **values):
        return self.env["integration.backend"].create(
            {"name": "Secure PMS", "base_url": self.secure.url, **values}
        )

    def _total(self, backend):
        return backend._remote("GET", "bookings")["meta"]["total"]

    def test_api_key_bearer_and_basic(self):
        for values in (
            {"auth_type": "api_key", "api_key": "k-1"},
            {"auth_type": "bearer", "api_key": "k-1"},
            {"auth_type": "basic", "username": "pms", "password": "s3cret"},
        ):
            self.assertEqual(self._total(self._secure_backend(**values)), 3, values)

    def test_oauth2_token_is_cached_and_renewed(self):
        self.secure.reset()
        backend = self._secure_backend(
            auth_type="oauth2", client_id="odoo", client_secret="oauth-secret"
        )
        self.assertEqual(self._total(backend), 3)
        self.assertEqual(self._total(backend), 3)
        self.assertEqual(self.secure.stats()["tokens_issued"], 1)
        self.assertTrue(backend.access_token)
        self.assertTrue(backend.token_expires_at)
        # Another worker reads the token from the backend row, not from memory.
        backend.invalidate_recordset()
        self.assertEqual(self._total(backend), 3)
        self.assertEqual(self.secure.stats()["tokens_issued"], 1)
        # A token the remote no longer accepts is renewed once.
        old = backend.access_token
        self.secure.revoke_tokens()
        self.assertEqual(self._total(backend), 3)
        self.assertEqual(self.secure.stats()["tokens_issued"], 2)
        self.assertNotEqual(backend.access_token, old)

    def test_test_connection(self):
        action = self._secure_backend(
            auth_type="api_key", api_key="k-1"
        ).action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("3 bookings", action["params"]["message"])
        wrong = self._secure_backend(auth_type="api_key", api_key="nope")
        with self.assertRaisesRegex(UserError, "HTTP 401.*Invalid"):
            wrong.action_test_connection()
        self.secure.set_fault("html_error", times=1)
        with self.assertRaisesRegex(UserError, "HTML error page"):
            wrong.action_test_connection()

    def test_secrets_are_for_managers(self):
        user = new_test_user(
            self.env,
            login="ih_sync_user",
            groups="integration_hub.group_integration_user",
        )
        backend = self.backend.with_user(user)
        self.assertEqual(backend.name, "Reference PMS")
        with self.assertRaises(AccessError):
            backend.read(["api_key"])

    def test_resync_booking_and_bulk_guests(self):
        self.full_sync()
        booking = self.bound("integration.booking", "B1")
        self.remote.touch("booking", ["B1"], {"room": "555", "adults": 3})
        action = booking.action_resync()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual((booking.room, booking.adults), ("555", 3))
        run = self.last_run()
        self.assertEqual((run.kind, run.updated_count), ("retry", 1))
        guests = self.bound("res.partner", "G1") | self.bound("res.partner", "G2")
        self.remote.touch("guest", ["G1", "G2"], {"city": "Brugge"})
        server_action = self.env.ref("integration_hub.res_partner_action_resync")
        server_action.with_context(
            active_model="res.partner", active_ids=guests.ids
        ).run()
        self.assertEqual(set(guests.mapped("city")), {"Brugge"})
        unbound = self.env["integration.booking"].search(
            [("name", "=like", "BK0%")], limit=1
        )
        with self.assertRaisesRegex(UserError, "not bound"):
            unbound.action_resync()

    def test_run_form_and_jobs_button(self):
        run = self.full_sync()
        action = run.action_view_jobs()
        self.assertEqual(action["res_model"], "queue.job")
        with self.assertRaisesRegex(UserError, "no failed records"):
            run.action_retry_failed()
