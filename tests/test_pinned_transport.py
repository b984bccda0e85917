# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A pinned session connects to the vetted address and nowhere else: the name
is never resolved again, the Host header, TLS SNI and certificate verification
use the name, other targets, redirects and proxies are refused or ignored.

Real sockets and a real TLS server on loopback, with a throwaway CA; the
receiver on 127.0.0.1 stands for the internal service a rebinding aims at.
"""

import os
import tempfile
from unittest import mock

import requests

from odoo.tests.common import BaseCase
from odoo.tests.common import _super_send

from ..tools import netguard
from ..tools import pinned_http
from .ssrf_common import INSIDE
from .ssrf_common import VETTED
from .ssrf_common import CountingServer
from .ssrf_common import RebindingResolver
from .ssrf_common import make_test_ca
from .ssrf_common import same_port_pair


class PinnedCase(BaseCase):
    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        # Odoo's tests let requests reach 127.0.0.1 only; here the pinned
        # session under test decides where a request may go (its ``.test``
        # names are pinned to loopback addresses), and its refusals are what
        # the tests check.
        return _super_send(session, request, **kwargs)


class TestPinnedTransport(PinnedCase):
    def setUp(self):
        super().setUp()
        self.port = same_port_pair()
        self.vetted = self.enterContext(CountingServer(VETTED, self.port))
        self.inside = self.enterContext(CountingServer(INSIDE, self.port))
        self.url = f"http://hooks.rebind.test:{self.port}/hook"

    def test_connects_to_the_vetted_address_and_never_resolves_again(self):
        resolver = RebindingResolver("hooks.rebind.test", VETTED, INSIDE)
        with mock.patch("socket.getaddrinfo", resolver):
            target = netguard.check_url(self.url, [VETTED], True)
            session = pinned_http.pinned_session(target, 2)
            for _request in range(3):
                response = session.post(self.url, data=b"{}", timeout=5)
                self.assertEqual(response.status_code, 200)
        self.assertEqual(resolver.lookups, 1, "the name was resolved again")
        self.assertEqual(
            [r["host"] for r in self.vetted.requests],
            [f"hooks.rebind.test:{self.port}"] * 3,
        )
        self.assertEqual(self.inside.requests, [])

    def test_another_target_is_refused_not_connected(self):
        target = netguard.Target("http", "hooks.rebind.test", self.port, (VETTED,))
        session = pinned_http.pinned_session(target)
        for url in (
            f"http://{INSIDE}:{self.port}/hook",
            f"http://hooks.rebind.test:{self.port + 1}/hook",
            f"https://hooks.rebind.test:{self.port}/hook",
        ):
            with self.subTest(url=url), self.assertRaises(pinned_http.TargetMismatch):
                session.post(url, data=b"{}", timeout=5)
        self.assertEqual(self.inside.requests, [])
        self.assertEqual(self.vetted.requests, [])

    def test_redirects_go_nowhere(self):
        redirecting = self.enterContext(
            CountingServer(VETTED, redirect_to=f"http://{INSIDE}:{self.port}/hook")
        )
        url = f"http://{VETTED}:{redirecting.port}/hook"
        session = pinned_http.pinned_session(netguard.check_url(url, [VETTED], True))
        response = session.post(url, data=b"{}", timeout=5, allow_redirects=False)
        self.assertEqual(response.status_code, 302)
        # Even a caller that forgot allow_redirects=False is not taken inside.
        with self.assertRaises(pinned_http.TargetMismatch):
            session.post(url, data=b"{}", timeout=5)
        self.assertEqual(self.inside.requests, [])

    def test_proxies_are_ignored(self):
        proxy = f"http://{INSIDE}:{self.port}"
        url = f"http://{VETTED}:{self.port}/hook"
        session = pinned_http.pinned_session(netguard.check_url(url, [VETTED], True))
        environment = {"HTTP_PROXY": proxy, "http_proxy": proxy, "ALL_PROXY": proxy}
        with mock.patch.dict(os.environ, environment):
            session.post(url, data=b"{}", timeout=5)
            session.post(url, data=b"{}", timeout=5, proxies={"http": proxy})
        self.assertEqual(len(self.vetted.requests), 2)
        self.assertEqual(self.inside.requests, [], "a proxy was used")


class TestPinnedTLS(PinnedCase):
    """TLS speaks to the host name while the socket goes to the pinned IP."""

    NAME = "hooks.pinned.test"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        directory = tempfile.TemporaryDirectory()
        cls.addClassCleanup(directory.cleanup)
        cls.ca_file, cls.server_cert = make_test_ca(directory.name, cls.NAME)

    def setUp(self):
        super().setUp()
        self.server = self.enterContext(CountingServer(VETTED, tls=self.server_cert))

    def _session(self, name):
        target = netguard.Target("https", name, self.server.port, (VETTED,))
        return pinned_http.pinned_session(target)

    def test_sni_and_certificate_use_the_host_name(self):
        url = f"https://{self.NAME}:{self.server.port}/hook"
        resolver = RebindingResolver(self.NAME, VETTED, INSIDE)
        with mock.patch("socket.getaddrinfo", resolver):
            target = netguard.check_url(url, [VETTED], False)
            response = pinned_http.pinned_session(target).post(
                url, data=b"{}", timeout=5, verify=self.ca_file
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(resolver.lookups, 1)
        self.assertEqual(self.server.sni_names, [self.NAME])
        self.assertEqual(
            self.server.requests[0]["host"], f"{self.NAME}:{self.server.port}"
        )

    def test_certificate_of_another_name_is_refused(self):
        other = "other.pinned.test"
        with self.assertRaisesRegex(requests.exceptions.SSLError, "doesn't match"):
            self._session(other).post(
                f"https://{other}:{self.server.port}/hook",
                data=b"{}",
                timeout=5,
                verify=self.ca_file,
            )
        self.assertEqual(self.server.sni_names, [other])
        self.assertEqual(self.server.requests, [])

    def test_certificate_is_verified(self):
        # Without the test CA, the server's certificate is not trusted.
        with self.assertRaises(requests.exceptions.SSLError):
            self._session(self.NAME).post(
                f"https://{self.NAME}:{self.server.port}/hook", data=b"{}", timeout=5
            )
        self.assertEqual(self.server.requests, [])
