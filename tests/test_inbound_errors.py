# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every refusal of the inbound webhook endpoint: its status, its error envelope
with the request id, one audit line, and no key claimed nor message stored."""

import hashlib
import time
from unittest.mock import patch

from odoo.tests import tagged

from ..controllers import inbound
from .test_inbound_webhooks import OTHER_SECRET
from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import InboundCase
from .test_inbound_webhooks import library_headers


@tagged("post_install", "-at_install")
class TestInboundErrors(InboundCase):
    def assert_refused(self, response, status, code):
        """The envelope, the request id, one audit line, nothing else stored."""
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        error = response.json()["error"]
        self.assertEqual(error["code"], code)
        self.assertTrue(error["message"])
        self.assertIn("details", error)
        self.assertTrue(error["documentation_url"])
        self.assertEqual(error["request_id"], response.headers["X-Request-Id"])
        audit = self.env["integration.inbound.audit"].search(
            [("request_id", "=", error["request_id"])]
        )
        self.assertEqual(len(audit), 1)
        self.assertEqual((audit.http_status, audit.code), (status, code))
        self.assertEqual(audit.remote_addr, "127.0.0.1")
        self.assertFalse(self.count("integration.idempotency.key"))
        self.assertFalse(self.count("integration.inbound.message"))
        return error

    def test_malformed_json(self):
        body = b'{"type": "booking.created",'
        response = self.post("channel", body, library_headers(SW_SECRET, body))
        self.assert_refused(response, 400, "malformed_json")

    def test_missing_signature_header(self):
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        del headers["webhook-signature"]
        self.assert_refused(self.post("channel", body, headers), 400, "missing_header")

    def test_tampered_body(self):
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        tampered = body.replace(b'"id": 7', b'"id": 8')
        self.assert_refused(
            self.post("channel", tampered, headers), 401, "invalid_signature"
        )

    def test_wrong_secret(self):
        body = self.body()
        headers = library_headers(OTHER_SECRET, body)
        self.assert_refused(
            self.post("channel", body, headers), 401, "invalid_signature"
        )

    def test_stale_and_future_timestamps(self):
        body = self.body()
        for offset in (-301, 301):
            with self.subTest(offset=offset):
                headers = library_headers(
                    SW_SECRET, body, timestamp=int(time.time()) + offset
                )
                self.assert_refused(
                    self.post("channel", body, headers),
                    401,
                    "timestamp_out_of_tolerance",
                )
                self.env["integration.inbound.audit"].search([]).unlink()

    def test_ip_not_allowed(self):
        self.source.allowed_networks = "203.0.113.0/24, 2001:db8::/32"
        body = self.body()
        response = self.post("channel", body, library_headers(SW_SECRET, body))
        self.assert_refused(response, 403, "ip_not_allowed")

    def test_ip_allowed(self):
        self.source.allowed_networks = "203.0.113.0/24, 127.0.0.0/8"
        body = self.body()
        self.assert_accepted(
            self.post("channel", body, library_headers(SW_SECRET, body))
        )

    def test_unknown_and_inactive_sources(self):
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        self.assert_refused(
            self.post("nowhere", body, headers), 404, "source_not_found"
        )
        # Sources are cached per worker: a change shows on the next request.
        self.assert_refused(
            self.post("channel", body, {**headers, "webhook-signature": "v1,AAAA"}),
            401,
            "invalid_signature",
        )
        self.source.active = False
        self.env["integration.inbound.audit"].search([]).unlink()
        self.assert_refused(
            self.post("channel", body, headers), 404, "source_not_found"
        )
        self.source.copy({"slug": "nowhere", "secret": SW_SECRET, "active": True})
        self.assertEqual(self.post("nowhere", body, headers).status_code, 202)

    def test_wrong_method(self):
        url = f"{self.base_url()}/integration/webhook/channel"
        for method in ("GET", "PUT", "DELETE"):
            with self.subTest(method=method):
                response = self.opener.request(method, url, timeout=20)
                self.assert_refused(response, 405, "method_not_allowed")
                self.assertEqual(response.headers["Allow"], "POST")
                self.env["integration.inbound.audit"].search([]).unlink()

    def test_body_too_large(self):
        self.source.max_body_size = 64
        body = self.body(padding="x" * 100)
        response = self.post("channel", body, library_headers(SW_SECRET, body))
        self.assert_refused(response, 413, "payload_too_large")

    def test_body_too_large_without_content_length(self):
        # A chunked body announces no length: the cap applies while reading.
        self.source.max_body_size = 64
        body = self.body(padding="x" * 100)
        chunks = (body[i : i + 16] for i in range(0, len(body), 16))
        response = self.post("channel", chunks, library_headers(SW_SECRET, body))
        self.assert_refused(response, 413, "payload_too_large")

    def test_not_json(self):
        body = self.body()
        response = self.post(
            "channel", body, library_headers(SW_SECRET, body), "text/plain"
        )
        self.assert_refused(response, 415, "unsupported_media_type")

    def test_rate_limited(self):
        self.source.rate_limit = 2
        # The three requests must fall in the same one-minute window.
        if time.time() % 60 > 55:
            time.sleep(60 - time.time() % 60)
        for _i in range(2):
            body = self.body()
            self.assert_accepted(
                self.post("channel", body, library_headers(SW_SECRET, body))
            )
        self.env["integration.idempotency.key"].sudo().search([]).unlink()
        self.env["integration.inbound.message"].search([]).unlink()
        body = self.body()
        response = self.post("channel", body, library_headers(SW_SECRET, body))
        self.assert_refused(response, 429, "rate_limited")
        self.assertGreaterEqual(int(response.headers["Retry-After"]), 1)
        self.assertLessEqual(int(response.headers["Retry-After"]), 60)
        counter = self.env["integration.rate.limit"].search(
            [("key", "=", f"inbound:{self.source.id}")]
        )
        self.assertEqual(counter.count, 3, "the refused request is counted too")

    def test_duplicate_of_a_request_in_flight(self):
        # Another request holds the key and never answers: the duplicate waits a
        # little, then asks to be retried rather than processing it twice.
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        self.env["integration.idempotency.key"]._claim(
            f"inbound:{self.source.id}",
            headers["webhook-id"],
            hashlib.sha256(body).hexdigest(),
            60,
        )
        with patch.object(inbound, "IN_FLIGHT_WAIT", 0.3):
            response = self.post("channel", body, headers)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["error"]["code"], "request_in_progress")
        self.assertEqual(response.headers["Retry-After"], "1")
        self.assertFalse(self.count("integration.inbound.message"))

    def test_unexpected_failure_is_not_a_500(self):
        # A failure after the key is claimed (here while storing the message)
        # undoes everything: the sender is asked to retry, nothing is half-stored.
        body = self.body()
        Message = type(self.env["integration.inbound.message"])
        with patch.object(
            Message, "_store_delivery", side_effect=RuntimeError("disk full")
        ):
            response = self.post("channel", body, library_headers(SW_SECRET, body))
        self.assert_refused(response, 503, "temporarily_unavailable")
        self.assertEqual(response.headers["Retry-After"], "30")
