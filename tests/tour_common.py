# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Browser tests in headless Chromium: the operators' flows as Odoo tours and a
visit of every screen, as an Integration Manager and as a plain Integration User.

Odoo skips a browser test when it finds no Chrome or Chromium; here that is a
failure, so a machine without a browser never passes ``make test`` silently
(``dev/hub.py setup`` installs Debian's ``chromium`` when it can).
"""

import contextlib
import json
import unittest

from odoo.tests import HttpCase
from odoo.tests import new_test_user

from .sync_common import API_KEY
from .sync_common import ReferenceServer

# Where the tours read what their test hands them (static/tests/tours/tour_values.js).
TOUR_VALUES_KEY = "integration_hub_tour"
MANAGER_GROUPS = "base.group_user,integration_hub.group_integration_manager"
USER_GROUPS = "base.group_user,integration_hub.group_integration_user"


class BrowserCase(HttpCase):
    """An HttpCase whose browser tests fail, never skip, without a browser."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, "ih_tour_manager", groups=MANAGER_GROUPS, name="Mia Manager"
        )
        cls.operator = new_test_user(
            cls.env, "ih_tour_operator", groups=USER_GROUPS, name="Oscar Operator"
        )

    @contextlib.contextmanager
    def reference_system(self, bookings=6, guests=3):
        """The reference external system on 127.0.0.1, allow-listed."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("integration_hub.allowed_networks", "127.0.0.1")
        params.set_param("integration_hub.allow_http", "True")
        remote = ReferenceServer(bookings=bookings, guests=guests, api_key=API_KEY)
        remote.start()
        try:
            yield remote
        finally:
            remote.stop()

    def synced_backend(self, remote, conflicts=()):
        """A manual-strategy backend on ``remote``, fully synced; the bookings
        of ``conflicts`` (external ids) then change on both sides and a delta
        sync leaves a conflict on each."""
        backend = self.env["integration.backend"].create(
            {
                "name": "Reference PMS",
                "base_url": remote.url,
                "auth_type": "api_key",
                "api_key": API_KEY,
                "conflict_strategy": "manual",
            }
        )
        backend = backend.with_context(queue_job__no_delay=True)
        backend.action_full_sync()
        for external_id in conflicts:
            booking = self.bound(backend, "integration.booking", external_id)
            booking.write({"room": f"L{external_id}"})
            remote.touch("booking", [external_id], {"room": f"R{external_id}"})
        if conflicts:
            backend.action_sync_changes()
        return backend.with_context(queue_job__no_delay=False)

    def bound(self, backend, model, external_id):
        """The record of ``model`` bound to ``external_id`` on ``backend``."""
        return (
            self.env["integration.binding"]
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("model", "=", model),
                    ("external_id", "=", external_id),
                ]
            )
            ._record()
        )

    def browser_js(self, *args, **kwargs):
        try:
            return super().browser_js(*args, **kwargs)
        except unittest.SkipTest as skipped:
            self.fail(
                f"The browser test could not run ({skipped}): install Chromium "
                "(`apt-get install chromium` on Debian) or Google Chrome."
            )

    def run_tour(self, url_path, tour, login, **values):
        """Run ``tour`` from ``url_path`` as ``login``; ``values`` are read by its steps
        with ``tourValue(key)``."""
        options = {"stepDelay": 0, "keepWatchBrowser": False, "startUrl": url_path}
        # Stored before the tour is looked up: its steps read the values as soon
        # as Odoo checks that the tour is ready.
        stored = json.dumps(json.dumps(values))
        store = f"sessionStorage.setItem({TOUR_VALUES_KEY!r}, {stored})"
        self.start_tour(
            url_path,
            tour,
            login=login,
            code=f"odoo.startTour({tour!r}, {json.dumps(options)})",
            ready=f"{store}; odoo.isTourReady({tour!r})",
            timeout=120,
        )
