# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""No screen of the module logs an error in the browser's console: every menu
entry in each of its view types (with each filter), and a record of each menu's
model in its form, as an Integration Manager and as a plain Integration User."""

import json

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .outbound_common import OutboundMixin
from .outbound_common import Receiver
from .outbound_common import Reply
from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import library_headers
from .tour_common import BrowserCase

APP_MENU = "integration_hub.menu_integration_root"
# Odoo's own crawler: clicks each menu of an app, each view switcher and each
# filter, and logs an error (failing the test) when a screen breaks.
CLICKBOT = (
    "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader')"
    f".startClickEverywhere({APP_MENU!r});"
)
CLICKBOT_DONE = "clickbot test succeeded"
# Opens each record's form in turn; a form that does not render is an error.
FORMS = """
(async () => {
    const actionService = odoo.__WOWL_DEBUG__.root.env.services.action;
    for (const action of %s) {
        await actionService.doAction(action, {clearBreadcrumbs: true});
        await new Promise((resolve) => setTimeout(resolve, 300));
        if (!document.querySelector(".o_action_manager .o_form_view")) {
            console.error(`The form of ${action.res_model} did not open`);
            return;
        }
        console.log(`Form of ${action.res_model} ${action.res_id} opened`);
    }
    console.log("forms test successful");
})();
"""


@tagged("post_install", "-at_install")
class TestEveryScreen(OutboundMixin, BrowserCase):
    def setUp(self):
        super().setUp()
        # Something on the screens that are empty in the demo data: an event,
        # deliveries and their attempts, the circuit they opened.
        self._allow_loopback()
        with Receiver(default=Reply(status=503)) as receiver:
            endpoint = self._new_endpoint(
                receiver.url, name="Failing receiver", retry_schedule="0"
            )
            self.env["integration.event"].emit("outbound.test", {"screen": 1})
            self.run_jobs()
        self.assertEqual(endpoint.problem_count, 1)
        # Sync runs, bindings and a conflict.
        with self.reference_system() as remote:
            self.synced_backend(remote, conflicts=("B2",))
        # A failed inbound message, its idempotency key.
        source = self.env["integration.inbound.source"].create(
            {"name": "Screens", "slug": "screens", "secret": SW_SECRET}
        )
        body = json.dumps({"type": "screens.nothing", "data": {}}).encode()
        response = self.url_open(
            f"/integration/webhook/{source.slug}",
            data=body,
            headers={
                "Content-Type": "application/json",
                **library_headers(SW_SECRET, body),
            },
        )
        self.assertEqual(response.status_code, 202)

    def _form_actions(self, user):
        """A form to open for each menu of the module ``user`` sees, on the
        first record of the menu's list."""
        root = self.env.ref(APP_MENU)
        menus = (
            self.env["ir.ui.menu"].with_user(user).search([("id", "child_of", root.id)])
        )
        actions = []
        for action in (menu.action for menu in menus if menu.action):
            if (
                action._name != "ir.actions.act_window"
                or "form" not in action.view_mode
            ):
                continue
            model = self.env[action.res_model].with_user(user)
            if model._transient:
                continue
            record = model.search(safe_eval(action.domain or "[]"), limit=1)
            if record:
                actions.append(
                    {
                        "type": "ir.actions.act_window",
                        "res_model": action.res_model,
                        "res_id": record.id,
                        "views": [[False, "form"]],
                    }
                )
        return actions

    def _visit(self, user):
        self.browser_js(
            "/odoo",
            CLICKBOT,
            "odoo.isReady === true",
            login=user.login,
            timeout=900,
            success_signal=CLICKBOT_DONE,
        )
        actions = self._form_actions(user)
        self.assertGreaterEqual(len(actions), 12)
        self.browser_js(
            "/odoo",
            FORMS % json.dumps(actions),
            "odoo.isReady === true",
            login=user.login,
            timeout=300,
            success_signal="forms test successful",
        )

    def test_every_screen_as_manager(self):
        self._visit(self.manager)

    def test_every_screen_as_integration_user(self):
        self._visit(self.operator)
