# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The redaction helpers alone: only known-safe headers stay in clear, signatures
keep their scheme prefixes, URLs keep where they go and lose how they get in,
and error texts lose the URLs they quote, as requests and urllib3 print them."""

import socket

import requests

from odoo.tests.common import BaseCase

from ..tools.redaction import MASK
from ..tools.redaction import mask_headers
from ..tools.redaction import redact_text
from ..tools.redaction import redact_url

SECRET_URL = "https://ops:pa55word@hooks.example.com:8443/in/t0k3n-path?token=t0k3n&v=2"


class TestMaskHeaders(BaseCase):
    def test_only_safe_headers_in_clear(self):
        masked = mask_headers(
            {
                "content-type": "application/json",
                "User-Agent": "Odoo-Integration-Hub",
                "webhook-id": "msg_1",
                "webhook-timestamp": "1700000000",
                "x-github-event": "push",
                "Authorization": "Bearer t0k3n",
                "Cookie": "session_id=t0k3n",
                "X-Tenant": "t0k3n",
                "X-Anything-New": "t0k3n",
            }
        )
        self.assertEqual(
            masked,
            {
                "Content-Type": "application/json",
                "User-Agent": "Odoo-Integration-Hub",
                "Webhook-Id": "msg_1",
                "Webhook-Timestamp": "1700000000",
                "X-Github-Event": "push",
                "Authorization": MASK,
                "Cookie": MASK,
                "X-Tenant": MASK,
                "X-Anything-New": MASK,
            },
        )

    def test_signatures_keep_their_scheme_prefix(self):
        masked = mask_headers(
            {
                "webhook-signature": "v1,c2lnMQ== v1,c2lnMg==",
                "X-Webhook-Signature": "sha256=ab12,sha256=cd34",
                "X-Hub-Signature-256": "sha256=ab12",
                "Stripe-Signature": "t=1700000000,v1=ab12,v0=cd34",
                "X-Shopify-Hmac-Sha256": "c2lnMQ==",
            }
        )
        self.assertEqual(masked["Webhook-Signature"], f"v1,{MASK} v1,{MASK}")
        self.assertEqual(masked["X-Webhook-Signature"], f"sha256={MASK},sha256={MASK}")
        self.assertEqual(masked["X-Hub-Signature-256"], f"sha256={MASK}")
        self.assertEqual(
            masked["Stripe-Signature"], f"t=1700000000,v1={MASK},v0={MASK}"
        )
        self.assertEqual(masked["X-Shopify-Hmac-Sha256"], MASK)

    def test_a_signature_header_with_anything_else_is_masked_whole(self):
        masked = mask_headers({"webhook-signature": "v1,c2lnMQ== Bearer t0k3n"})
        self.assertEqual(masked["Webhook-Signature"], MASK)

    def test_names_asked_for_are_masked_even_when_safe(self):
        masked = mask_headers(
            {"Accept": "application/x-t0k3n", "Content-Type": "application/json"},
            {"accept"},
        )
        self.assertEqual(masked, {"Accept": MASK, "Content-Type": "application/json"})


class TestRedactUrl(BaseCase):
    def test_keeps_where_it_goes(self):
        self.assertEqual(
            redact_url(SECRET_URL),
            "https://…@hooks.example.com:8443/…?token=…&v=…",
        )
        self.assertEqual(redact_url("http://127.0.0.1:8079"), "http://127.0.0.1:8079")
        self.assertEqual(redact_url("https://h.example/"), "https://h.example/")
        self.assertEqual(
            redact_url("https://h.example/a#t0k3n"), "https://h.example/…#…"
        )

    def test_odd_query_parameters_are_hidden_whole(self):
        self.assertEqual(
            redact_url("https://h.example/?t0k3n&" + "k" * 50 + "=1"),
            "https://h.example/?…&…",
        )

    def test_what_is_not_a_url_is_hidden(self):
        for value in ("t0k3n", "/in/t0k3n", "http://[::1", "https:///t0k3n"):
            self.assertNotIn("t0k3n", redact_url(value), value)
        self.assertEqual(redact_url(""), "")
        self.assertEqual(redact_url(False), "")


def closed_port():
    """A port of 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestRedactText(BaseCase):
    def test_requests_connection_error(self):
        # A real error of requests, on a port where nothing listens.
        url = f"http://127.0.0.1:{closed_port()}/in/t0k3n-path?token=t0k3n"
        with self.assertRaises(requests.ConnectionError) as caught:
            requests.post(url, timeout=5)
        text = str(caught.exception)
        self.assertIn("t0k3n", text)
        redacted = redact_text(text, [url])
        self.assertNotIn("t0k3n", redacted)
        self.assertIn("127.0.0.1", redacted)
        # Without knowing the URL, the request target is still recognised.
        self.assertNotIn("t0k3n", redact_text(text))

    def test_known_pieces_anywhere(self):
        text = "POST failed for /in/t0k3n-path (pa55word, token=t0k3n&v=2)"
        redacted = redact_text(text, [SECRET_URL], any_url=False)
        self.assertNotIn("t0k3n", redacted)
        self.assertNotIn("pa55word", redacted)

    def test_any_url_in_an_error(self):
        text = f"the URL must start with https:// (got '{SECRET_URL}')"
        self.assertEqual(
            redact_text(text),
            "the URL must start with https:// "
            "(got 'https://…@hooks.example.com:8443/…?token=…&v=…')",
        )

    def test_other_urls_of_a_response_stay_without_any_url(self):
        body = '{"links": {"self": "https://pms.example/bookings/7"}}'
        self.assertEqual(redact_text(body, [SECRET_URL], any_url=False), body)
        self.assertNotIn("/bookings/7", redact_text(body))
