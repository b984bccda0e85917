"""The pictures of the app page (static/description/*.png), taken in headless
Chromium by ``make screenshots`` (dev/hub.py runs this file with pytest-odoo).

A day of traffic is added to the demo data, inside the test transaction (nothing
stays): deliveries to a receiver that answers and to one that is down, a sync
with the reference system and its conflicts, a failed inbound message. Then
each screen is opened as an Integration Manager and saved as a PNG.
"""

import base64
import contextlib
import json
import os
import socket
from pathlib import Path
from unittest.mock import patch

from odoo.addons.integration_hub.tests.outbound_common import OutboundMixin
from odoo.addons.integration_hub.tests.outbound_common import Receiver
from odoo.addons.integration_hub.tests.tour_common import BrowserCase
from odoo.tests.common import ChromeBrowser

ROOT = Path(os.environ.get("INTEGRATION_HUB_ROOT") or Path(__file__).parents[1])
PICTURES = ROOT / "static" / "description"
# Seconds a screen may take to show what the picture needs.
SCREEN_TIMEOUT = 30
WAIT_FOR_SCREEN = f"""
(async () => {{
    const until = Date.now() + {SCREEN_TIMEOUT * 1000};
    while (!document.querySelector(%(selector)s)) {{
        if (Date.now() > until) {{
            console.error("The screen never showed " + %(selector)s);
            return;
        }}
        await new Promise((resolve) => setTimeout(resolve, 100));
    }}
    // Fonts and charts settle after their data.
    await new Promise((resolve) => setTimeout(resolve, 800));
    console.log("screen ready");
}})();
"""


def _closed_port():
    """A local port nothing listens on: a receiver that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestScreenshots(OutboundMixin, BrowserCase):
    browser_size = "1280x800"

    def setUp(self):
        super().setUp()
        self._allow_loopback()
        self.receiver = self.enterContext(Receiver())
        remote = self.enterContext(self.reference_system(bookings=12, guests=6))
        self._traffic(remote)

    def _traffic(self, remote):
        booking_created = self._event_type("booking.created")
        self.channel = self._new_endpoint(self.receiver.url, name="Channel manager")
        self.down = self._new_endpoint(
            f"http://127.0.0.1:{_closed_port()}/hooks",
            name="Revenue management",
            retry_schedule="0",
        )
        (self.channel | self.down).write({"event_type_ids": [(4, booking_created.id)]})
        for number in range(24):
            code = "booking.created" if number % 3 else "outbound.test"
            self.env["integration.event"].emit(code, {"booking": number})
        self.run_jobs()
        # Spread the attempts over the last twelve hours, as a day's traffic
        # would be, so that the graph of attempts per hour has its hours.
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE integration_delivery_attempt
               SET attempted_at = attempted_at - (id %% 12) * interval '1 hour'
             WHERE endpoint_id IN %s
            """,
            [(self.channel.id, self.down.id)],
        )
        self.env.invalidate_all()
        backend = self.synced_backend(remote, conflicts=("B2", "B5"))
        self.booking = self.bound(backend, "integration.booking", "B2")

    def _save(self, url, ready_selector, name):
        """Open ``url`` as the manager, wait for ``ready_selector``, save the
        page as static/description/<name>.png."""
        shots = []
        stop = ChromeBrowser.stop

        def capture_then_stop(browser):
            # browser_js stops the browser as soon as the screen is ready: the
            # picture is taken then, and kept only if the screen did get ready.
            with contextlib.suppress(Exception):
                shot = browser._websocket_request(
                    "Page.captureScreenshot", params={"format": "png"}, timeout=30
                )
                shots.append(base64.b64decode(shot["data"]))
            stop(browser)

        with patch.object(ChromeBrowser, "stop", capture_then_stop):
            self.browser_js(
                url,
                WAIT_FOR_SCREEN % {"selector": json.dumps(ready_selector)},
                "odoo.isReady === true",
                login=self.manager.login,
                timeout=SCREEN_TIMEOUT + 30,
                success_signal="screen ready",
            )
        self.assertTrue(shots, f"no picture of {name}")
        PICTURES.joinpath(f"{name}.png").write_bytes(shots[0])

    def test_pictures(self):
        screens = [
            (
                "/odoo/action-integration_hub.integration_dashboard_action",
                ".o_kanban_record:not(.o_kanban_ghost)",
                "dashboard",
            ),
            (
                f"/odoo/action-integration_hub.integration_endpoint_action/{self.down.id}",
                ".o_form_view .o_field_widget[name=event_type_ids] .o_tag",
                "endpoint_form",
            ),
            (
                "/odoo/action-integration_hub.integration_delivery_action",
                ".o_list_view td[name=last_error_reason]",
                "deliveries_attention",
            ),
            (
                "/odoo/action-integration_hub.integration_attempt_hourly_action",
                ".o_graph_view canvas",
                "attempts_per_hour",
            ),
            (
                f"/odoo/action-integration_hub.integration_booking_action/{self.booking.id}",
                ".o_form_view .o_field_widget[name=guest_id]",
                "booking_sync",
            ),
            (
                "/odoo/action-integration_hub.integration_conflict_action",
                ".o_list_view .o_data_row",
                "sync_conflicts",
            ),
        ]
        for url, ready_selector, name in screens:
            with self.subTest(picture=name):
                self._save(url, ready_selector, name)
