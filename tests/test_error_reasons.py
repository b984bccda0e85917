# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The deliveries list says why a delivery failed in a few words: the texts
``requests`` really gives for refused connections, timeouts, unknown hosts and
HTTP statuses become short reasons; the delivery keeps the full text."""

import re
import socket

import requests

from odoo.tests.common import BaseCase

from ..tools import webhook_post
from ..tools.error_reasons import REASON_LENGTH
from ..tools.error_reasons import short_reason


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestShortReason(BaseCase):
    def _stored_error(self, url, timeout=2):
        """The last error a delivery stores after one real POST to ``url``."""
        with requests.Session() as session:
            result = webhook_post.post(session, url, timeout, b"{}", {})
        return webhook_post.error_text(result)

    def test_connection_refused_names_host_and_port(self):
        port = _free_port()
        error = self._stored_error(f"http://127.0.0.1:{port}/hook")
        self.assertIn("Max retries exceeded", error)
        self.assertEqual(short_reason(error), f"connection refused by 127.0.0.1:{port}")

    def test_read_timeout_says_how_long(self):
        with socket.socket() as server:
            # Listening but never answering: the request times out reading.
            server.bind(("127.0.0.1", 0))
            server.listen()
            port = server.getsockname()[1]
            error = self._stored_error(f"http://127.0.0.1:{port}/hook", timeout=0.5)
        # The timeout requests reports (Odoo's test mode may raise the one asked).
        seconds = float(re.search(r"read timeout=([\d.]+)", error).group(1))
        self.assertEqual(
            short_reason(error),
            f"timed out after {seconds:g} s waiting for 127.0.0.1:{port}",
        )

    def test_connect_timeout(self):
        error = (
            "ConnectTimeout: HTTPSConnectionPool(host='10.1.2.3', port=443): Max "
            "retries exceeded with url: / (Caused by ConnectTimeoutError(<urllib3."
            "connection.HTTPSConnection object at 0x7f>, 'Connection to 10.1.2.3 "
            "timed out. (connect timeout=10)'))"
        )
        self.assertEqual(
            short_reason(error), "timed out after 10 s connecting to 10.1.2.3:443"
        )

    def test_unknown_host(self):
        error = (
            "ConnectionError: HTTPSConnectionPool(host='hooks.example.invalid', "
            "port=443): Max retries exceeded with url: /x (Caused by "
            "NameResolutionError(\"HTTPSConnection(host='hooks.example.invalid', "
            "port=443): Failed to resolve 'hooks.example.invalid' ([Errno -2] Name "
            'or service not known)"))'
        )
        self.assertEqual(
            short_reason(error), "host name not found: hooks.example.invalid"
        )

    def test_http_statuses_get_their_phrase(self):
        self.assertEqual(short_reason("HTTP 503"), "HTTP 503 Service Unavailable")
        self.assertEqual(short_reason("HTTP 410"), "HTTP 410 Gone")
        self.assertEqual(short_reason("HTTP 429"), "HTTP 429 Too Many Requests")
        self.assertEqual(short_reason("HTTP 599"), "HTTP 599")

    def test_refused_by_the_outbound_guard(self):
        self.assertEqual(
            short_reason("UnsafeURL: 169.254.169.254 is link-local"),
            "URL refused by the outbound guard",
        )

    def test_unknown_text_is_cut_not_lost(self):
        self.assertEqual(short_reason(None), "")
        self.assertEqual(short_reason("ValueError: odd"), "ValueError: odd")
        reason = short_reason("ChunkedEncodingError: " + "x" * 300)
        self.assertEqual(len(reason), REASON_LENGTH)
        self.assertTrue(reason.endswith("…"))
