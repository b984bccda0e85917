# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A reference external system on 127.0.0.1 and a backend pointing at it."""

import os
import sys
from pathlib import Path

from odoo.tests import HttpCase

_ROOT = Path(
    os.environ.get("INTEGRATION_HUB_ROOT") or Path(__file__).resolve().parents[1]
)
if str(_ROOT / "dev") not in sys.path:
    sys.path.insert(0, str(_ROOT / "dev"))

from reference_server import ReferenceServer  # noqa: E402

API_KEY = "sync-test-key"


class SyncCase(HttpCase):
    """Starts one reference server per test class; each test resets its data
    and gets a fresh backend. Jobs run at once (``queue_job__no_delay``).

    An ``HttpCase`` for its test mode: the backend's circuit breaker works in
    a transaction of its own, which in test mode is the test's (a plain
    ``TransactionCase`` would hand it a real cursor that cannot see the
    test's uncommitted backend)."""

    BOOKINGS = 25
    GUESTS = 10
    ROOMS = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.remote = ReferenceServer(
            bookings=cls.BOOKINGS, guests=cls.GUESTS, rooms=cls.ROOMS, api_key=API_KEY
        ).start()
        cls.addClassCleanup(cls.remote.stop)
        cls.env = cls.env(context=dict(cls.env.context, queue_job__no_delay=True))
        # The reference server listens on loopback: allow-listed explicitly.
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("integration_hub.allowed_networks", "127.0.0.1")
        params.set_param("integration_hub.allow_http", "True")

    def setUp(self):
        super().setUp()
        self.remote.reset()
        self.backend = self.env["integration.backend"].create(
            {
                "name": "Reference PMS",
                "base_url": self.remote.url,
                "auth_type": "api_key",
                "api_key": API_KEY,
                "page_size": 10,
                "timeout": 10,
            }
        )

    def bound(self, model, external_id):
        """Return the Odoo record bound to a remote id (empty if none)."""
        binding = self.env["integration.binding"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("model", "=", model),
                ("external_id", "=", external_id),
            ]
        )
        return binding._record() if binding else self.env[model]

    def binding(self, model, external_id):
        return self.env["integration.binding"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("model", "=", model),
                ("external_id", "=", external_id),
            ]
        )

    def last_run(self):
        return self.env["integration.sync.run"].search(
            [("backend_id", "=", self.backend.id)], limit=1
        )

    def full_sync(self):
        self.backend.action_full_sync()
        return self.last_run()

    def delta_sync(self):
        self.backend.action_sync_changes()
        return self.last_run()
