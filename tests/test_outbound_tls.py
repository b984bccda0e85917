# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Outbound TLS: webhook deliveries and backend (sync) calls verify the
server's certificate and refuse TLS older than 1.2, or than 1.3 once the
setting says so.

Real TLS servers on 127.0.0.2 with a certificate authority made for the test.
The test trusts its CA the way an operator trusts an internal one: the system
parameter ``integration_hub.tls_ca_file`` names a PEM file trusted besides the
public authorities. Nothing in the code under test is loosened for the test.
"""

import socket
import ssl
import tempfile
import warnings
from unittest import mock
from urllib.parse import urlsplit

import requests

from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase
from odoo.tests import tagged
from odoo.tests.common import _super_send

from ..tools import netguard
from ..tools import pinned_http
from .outbound_common import OutboundMixin
from .ssrf_common import VETTED
from .ssrf_common import CountingServer
from .ssrf_common import RebindingResolver
from .ssrf_common import make_test_ca

NAME = "hooks.tls.test"
TLS_1_1 = (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_1)
TLS_1_2 = (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)
TLS_1_3 = (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3)


@tagged("post_install", "-at_install")
class TestOutboundTLS(OutboundMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        directory = tempfile.TemporaryDirectory()
        cls.addClassCleanup(directory.cleanup)
        cls.ca_file, cls.server_cert = make_test_ca(f"{directory.name}", NAME)
        other = tempfile.TemporaryDirectory()
        cls.addClassCleanup(other.cleanup)
        # Another CA, issuing for the same name: trusted by nobody but itself.
        cls.unknown_ca_file, _cert = make_test_ca(other.name, NAME)
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param("integration_hub.allowed_networks", VETTED)
        cls.params.set_param("integration_hub.tls_ca_file", cls.ca_file)
        cls.ping = cls._event_type("ping")

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        # Odoo's tests refuse every host but 127.0.0.1; this name is answered
        # by the test's resolver with 127.0.0.2, where the TLS servers listen.
        if urlsplit(request.url).hostname == NAME:
            return _super_send(session, request, **kwargs)
        return super()._request_handler(session, request, **kwargs)

    def setUp(self):
        super().setUp()
        self.enterContext(
            mock.patch("socket.getaddrinfo", RebindingResolver(NAME, VETTED))
        )

    def _server(self, versions=None):
        return self.enterContext(
            CountingServer(VETTED, tls=self.server_cert, tls_versions=versions)
        )

    def _ping(self, server):
        """Send a test event to ``server``: ``(notification type, attempt)``."""
        endpoint = self._new_endpoint(
            f"https://{NAME}:{server.port}/hook",
            name=f"TLS {len(self.env['integration.endpoint'].search([]))}",
            event_type_ids=[(6, 0, self.ping.ids)],
        )
        return self._ping_again(endpoint)

    def _ping_again(self, endpoint):
        answer = endpoint.action_send_test_event()
        attempt = endpoint.delivery_ids.sorted("id")[-1].attempt_ids[:1]
        return answer["params"]["type"], attempt

    def _backend_call(self, server):
        """Test the connection of a backend on ``server``: its error, or ""."""
        backend = self.env["integration.backend"].create(
            {"name": "PMS", "base_url": f"https://{NAME}:{server.port}", "timeout": 5}
        )
        try:
            backend.action_test_connection()
        except UserError as error:
            return str(error)
        return ""

    def assertRefused(self, result, attempt, reason, server):
        self.assertEqual(result, "warning")
        self.assertEqual(attempt.error_class, "SSLError")
        self.assertIn(reason, attempt.error_message)
        self.assertEqual(server.requests, [], "a request went out")

    def test_certificate_of_the_trusted_ca_is_accepted(self):
        server = self._server()
        result, attempt = self._ping(server)
        self.assertEqual(result, "success", attempt.error_message)
        self.assertEqual(attempt.status_code, 200)
        self.assertEqual(self._backend_call(server), "")
        self.assertEqual(
            [r["path"].split("?")[0] for r in server.requests], ["/hook", "/bookings"]
        )

    def test_certificate_of_an_unknown_ca_is_refused(self):
        server = self._server()
        for ca_file in (self.unknown_ca_file, False):
            with self.subTest(extra_ca_file=ca_file):
                self.params.set_param("integration_hub.tls_ca_file", ca_file)
                result, attempt = self._ping(server)
                self.assertRefused(result, attempt, "CERTIFICATE_VERIFY_FAILED", server)
                error = self._backend_call(server)
                self.assertIn("TLS refused (CERTIFICATE_VERIFY_FAILED)", error)
        self.assertEqual(server.requests, [])

    def test_caller_cannot_turn_verification_off(self):
        server = self._server()
        self.params.set_param("integration_hub.tls_ca_file", self.unknown_ca_file)
        url = f"https://{NAME}:{server.port}/hook"
        target = netguard.check_url(url, [VETTED], False)
        session = pinned_http.pinned_session(target)
        with self.assertRaisesRegex(requests.exceptions.SSLError, "CERTIFICATE"):
            session.post(url, data=b"{}", timeout=5, verify=False)
        self.assertEqual(server.requests, [])

    def test_server_speaking_only_tls_1_1_is_refused(self):
        server = self._server(TLS_1_1)
        # The server does speak TLS 1.1 here: a client that allows it gets in,
        # so the refusals below come from the hub's minimum, not from OpenSSL.
        self.assertEqual(self._handshake(server, TLS_1_1), "TLSv1.1")
        result, attempt = self._ping(server)
        self.assertRefused(result, attempt, "PROTOCOL", server)
        error = self._backend_call(server)
        self.assertIn("TLS refused", error)
        self.assertIn("PROTOCOL", error)
        self.assertEqual(server.requests, [])

    def test_tls_1_3_setting_refuses_tls_1_2(self):
        server_12 = self._server(TLS_1_2)
        server_13 = self._server(TLS_1_3)
        result, attempt = self._ping(server_12)
        self.assertEqual(result, "success", attempt.error_message)
        self.assertEqual(self._backend_call(server_12), "")
        self.assertEqual(len(server_12.requests), 2)

        self.params.set_param("integration_hub.tls_min_version", "1.3")
        # The same endpoint, whose kept session spoke TLS 1.2 a moment ago.
        endpoint = self.env["integration.endpoint"].search(
            [("url", "=", f"https://{NAME}:{server_12.port}/hook")]
        )
        result, attempt = self._ping_again(endpoint)
        self.assertEqual(result, "warning")
        self.assertEqual(attempt.error_class, "SSLError")
        self.assertIn("TLS refused", self._backend_call(server_12))
        self.assertEqual(len(server_12.requests), 2, "TLS 1.2 was accepted")

        result, attempt = self._ping(server_13)
        self.assertEqual(result, "success", attempt.error_message)
        self.assertEqual(self._backend_call(server_13), "")
        self.assertEqual(len(server_13.requests), 2)

    def _handshake(self, server, versions):
        """The TLS version a client limited to ``versions`` agrees with
        ``server`` on (the test CA trusted)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(self.ca_file)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version, context.maximum_version = versions
        with (
            socket.create_connection((VETTED, server.port), timeout=5) as sock,
            context.wrap_socket(sock, server_hostname=NAME) as tls,
        ):
            return tls.version()

    def test_settings_show_and_store_the_tls_rules(self):
        settings = self.env["res.config.settings"].create(
            {
                "integration_tls_min_version": "1.3",
                "integration_tls_ca_file": self.unknown_ca_file,
            }
        )
        settings.execute()
        self.assertEqual(
            self.params.get_param("integration_hub.tls_min_version"), "1.3"
        )
        self.assertEqual(
            self.params.get_param("integration_hub.tls_ca_file"), self.unknown_ca_file
        )
        policy = self.env["integration.outbound.guard"]._tls_policy()
        self.assertEqual(policy, pinned_http.TlsPolicy("1.3", self.unknown_ca_file))
        # Other installed apps' settings may come along (CRM, portal): read
        # this one.
        defaults = self.env["res.config.settings"].default_get(
            ["integration_tls_min_version"]
        )
        self.assertEqual(defaults["integration_tls_min_version"], "1.3")
        for path in ("/nonexistent/ca.pem", __file__):
            with self.subTest(path=path), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create(
                    {"integration_tls_ca_file": path}
                )
        view = self.env.ref("integration_hub.res_config_settings_view_form")
        self.assertIn("integration_tls_min_version", view.arch_db)

    def test_unknown_minimum_never_goes_below_1_2(self):
        kwargs = pinned_http.TlsPolicy("1.0").pool_kwargs()
        self.assertEqual(kwargs["ssl_minimum_version"], ssl.TLSVersion.TLSv1_2)
