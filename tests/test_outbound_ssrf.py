# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The request forgeries of issue 14 cannot reach inside, for webhooks, backend
(sync) calls and OAuth token URLs alike.

As in the issue, the guard accepts one address: 127.0.0.2 is allow-listed (on a
port where nothing listens), and the server itself, 127.0.0.1, is not. A
receiver on 127.0.0.1 counts every request that reaches it; Odoo's own port is
aimed at as well. URLs that fool one parser are refused when saved, and when
sent from a record stored before (written here with SQL). A host name whose DNS
answer changes after the check (rebinding to 127.0.0.1) is connected to at the
checked address only: the name is never resolved twice for one request.
Everything goes through the real server over JSON-RPC, as a manager would.
"""

from unittest import mock
from urllib.parse import urlsplit

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tests.common import _super_send
from odoo.tools import SQL

from .outbound_common import OutboundMixin
from .ssrf_common import INSIDE
from .ssrf_common import VETTED
from .ssrf_common import CountingServer
from .ssrf_common import RebindingResolver
from .ssrf_common import call_kw
from .ssrf_common import closed_port
from .ssrf_common import same_port_pair

REBINDING_NAMES = ("hooks.rebind.test", "pms.rebind.test")


@tagged("post_install", "-at_install")
class TestOutboundSSRF(OutboundMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("integration_hub.allowed_networks", VETTED)
        params.set_param("integration_hub.allow_http", "True")
        cls.manager = new_test_user(
            cls.env,
            login="ih_ssrf_manager",
            groups="base.group_user,integration_hub.group_integration_manager",
        )
        cls.ping = cls._event_type("ping")

    def setUp(self):
        super().setUp()
        self.port = same_port_pair()
        self.inside = self.enterContext(CountingServer(INSIDE, self.port))
        self.closed = closed_port(VETTED)
        self.odoo_port = urlsplit(self.base_url()).port
        self.authenticate(self.manager.login, self.manager.login)

    def forged_urls(self):
        """URLs that reach 127.0.0.1 (the counting receiver, or Odoo itself)
        through a parser difference or an address spelling."""
        p, q, o = self.port, self.closed, self.odoo_port
        return [
            # The issue's URL, against Odoo's own port and the receiver.
            f"http://0.0.0.0:{o}\\@{VETTED}:{q}/../web/webclient/version_info",
            f"http://{INSIDE}:{o}\\@{VETTED}:{q}/../web/webclient/version_info",
            f"http://{INSIDE}:{p}\\@{VETTED}:{q}/../hook",
            f"http://{INSIDE}:{p}\\\\@{VETTED}:{q}/hook",
            f"http://{INSIDE}:{p}\t@{VETTED}:{q}/hook",
            f"http://{VETTED}:{q}@{INSIDE}:{p}/hook",
            f"http://{INSIDE}:{p}#@{VETTED}:{q}/hook",
            f"http://2130706433:{p}/hook",
            f"http://0x7f.1:{p}/hook",
            f"http://0177.0.0.1:{p}/hook",
            f"http://127.1:{p}/hook",
            f"http://{INSIDE}.:{p}/hook",
            f"http://[::ffff:{INSIDE}]:{p}/hook",
        ]

    def assertNothingInside(self):
        self.assertEqual(self.inside.requests, [], "127.0.0.1 was reached")

    def _rpc(self, model, method, ids, *args):
        return call_kw(self, model, method, ids, *args)

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        # Odoo's tests block requests to any host but 127.0.0.1 (external
        # traffic). These names are answered by the test's resolver with
        # loopback addresses only, and the pinned session connects to those.
        if urlsplit(request.url).hostname in REBINDING_NAMES:
            return _super_send(session, request, **kwargs)
        return super()._request_handler(session, request, **kwargs)

    # Webhook endpoints -------------------------------------------------------

    def test_forged_endpoint_urls_are_refused_when_saved(self):
        issue_url = self.forged_urls()[0]
        answer = self._rpc(
            "integration.endpoint",
            "create",
            {
                "name": "Forged",
                "url": issue_url,
                "event_type_ids": [(6, 0, self.ping.ids)],
            },
        )
        self.assertEqual(
            answer["error"]["data"]["name"], "odoo.exceptions.ValidationError"
        )
        self.assertIn("backslash", answer["error"]["data"]["message"])
        for url in self.forged_urls():
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self._new_endpoint(url, event_type_ids=[(6, 0, self.ping.ids)])
        endpoint = self._new_endpoint(
            f"http://{VETTED}:{self.closed}/hook",
            event_type_ids=[(6, 0, self.ping.ids)],
        )
        with self.assertRaises(ValidationError):
            endpoint.url = issue_url
        self.assertNothingInside()

    def test_forged_endpoint_urls_never_reach_inside_when_sent(self):
        endpoint = self._new_endpoint(
            f"http://{VETTED}:{self.closed}/hook",
            event_type_ids=[(6, 0, self.ping.ids)],
        )
        for url in self.forged_urls():
            with self.subTest(url=url):
                # Stored before the guard knew better.
                self.env.cr.execute(
                    "UPDATE integration_endpoint SET url = %s WHERE id = %s",
                    (url, endpoint.id),
                )
                endpoint.invalidate_recordset(["url"])
                answer = self._rpc(
                    "integration.endpoint", "action_send_test_event", [endpoint.id]
                )
                self.assertEqual(answer["result"]["params"]["type"], "warning")
                attempt = endpoint.delivery_ids[:1].attempt_ids
                self.assertEqual(attempt.error_class, "UnsafeURL")
                self.assertEqual(attempt.status_code, 0)
                self.assertFalse(attempt.response_body)
        self.assertNotIn(
            "server_version",
            "".join(endpoint.delivery_ids.attempt_ids.mapped("response_body")),
        )
        self.assertNothingInside()

    def test_test_event_goes_to_the_vetted_address_despite_rebinding(self):
        vetted = self.enterContext(CountingServer(VETTED, self.port))
        url = f"http://hooks.rebind.test:{self.port}/hook"
        # Saving and sending each check the name once; a third answer, pointing
        # inside, is what a transport resolving the name again would get.
        resolver = RebindingResolver("hooks.rebind.test", VETTED, VETTED, INSIDE)
        with mock.patch("socket.getaddrinfo", resolver):
            endpoint = self._new_endpoint(url, event_type_ids=[(6, 0, self.ping.ids)])
            answer = self._rpc(
                "integration.endpoint", "action_send_test_event", [endpoint.id]
            )
            self.assertEqual(answer["result"]["params"]["type"], "success")
            self.assertEqual(resolver.lookups, 2)
            self.assertEqual(
                [r["host"] for r in vetted.requests],
                [f"hooks.rebind.test:{self.port}"],
            )
            # The next check sees the rebound answer, and refuses it.
            answer = self._rpc(
                "integration.endpoint", "action_send_test_event", [endpoint.id]
            )
            self.assertEqual(answer["result"]["params"]["type"], "warning")
            self.assertEqual(resolver.lookups, 3)
        refused = endpoint.delivery_ids.sorted("id")[-1].attempt_ids
        self.assertEqual(refused.error_class, "UnsafeURL")
        self.assertIn("resolves to 127.0.0.1", refused.error_message)
        self.assertEqual(len(vetted.requests), 1)
        self.assertNothingInside()

    # Backends: sync calls and OAuth token URLs -------------------------------

    def _backend(self, base_url, **values):
        return self.env["integration.backend"].create(
            {"name": "PMS", "base_url": base_url, "timeout": 5, **values}
        )

    def test_forged_backend_urls_are_refused_when_saved(self):
        vetted_url = f"http://{VETTED}:{self.closed}"
        issue_url = self.forged_urls()[0]
        for url in self.forged_urls():
            with self.subTest(url=url):
                with self.assertRaises(ValidationError):
                    self._backend(url)
                with self.assertRaisesRegex(ValidationError, "Token URL"):
                    self._backend(vetted_url, auth_type="oauth2", token_url=url)
        backend = self._backend(vetted_url)
        answer = self._rpc(
            "integration.backend", "write", [backend.id], {"base_url": issue_url}
        )
        self.assertEqual(
            answer["error"]["data"]["name"], "odoo.exceptions.ValidationError"
        )
        self.assertNothingInside()

    def test_forged_backend_urls_never_reach_inside_when_sent(self):
        vetted_url = f"http://{VETTED}:{self.closed}"
        sync = self._backend(vetted_url)
        token = self._backend(
            vetted_url, auth_type="oauth2", client_id="odoo", client_secret="secret"
        )
        for backend, column in ((sync, "base_url"), (token, "token_url")):
            for url in self.forged_urls():
                with self.subTest(column=column, url=url):
                    # Stored before the guard knew better.
                    self.env.cr.execute(
                        SQL(
                            "UPDATE integration_backend SET %s = %s WHERE id = %s",
                            SQL.identifier(column),
                            url,
                            backend.id,
                        )
                    )
                    backend.invalidate_recordset()
                    answer = self._rpc(
                        "integration.backend", "action_test_connection", [backend.id]
                    )
                    message = answer["error"]["data"]["message"]
                    self.assertIn("Connection failed", message)
                    self.assertIn("refused", message)
        self.assertNothingInside()

    def test_sync_and_token_calls_go_to_the_vetted_address_despite_rebinding(self):
        vetted = self.enterContext(CountingServer(VETTED, self.port))
        host = f"pms.rebind.test:{self.port}"
        # Saved (1); then the token request (2) and the sync call (3) each check
        # the name once; the fourth answer points inside.
        resolver = RebindingResolver("pms.rebind.test", VETTED, VETTED, VETTED, INSIDE)
        with mock.patch("socket.getaddrinfo", resolver):
            backend = self._backend(
                f"http://{host}",
                auth_type="oauth2",
                client_id="odoo",
                client_secret="secret",
            )
            answer = self._rpc(
                "integration.backend", "action_test_connection", [backend.id]
            )
            self.assertEqual(answer["result"]["params"]["type"], "success")
            self.assertEqual(resolver.lookups, 3)
            self.assertEqual(
                [
                    (r["method"], r["path"].split("?")[0], r["host"])
                    for r in vetted.requests
                ],
                [("POST", "/oauth/token", host), ("GET", "/bookings", host)],
            )
            # The token is kept; the next call's check sees the rebound answer.
            answer = self._rpc(
                "integration.backend", "action_test_connection", [backend.id]
            )
            self.assertIn("resolves to 127.0.0.1", answer["error"]["data"]["message"])
            self.assertEqual(resolver.lookups, 4)
        self.assertEqual(len(vetted.requests), 2)
        self.assertNothingInside()
