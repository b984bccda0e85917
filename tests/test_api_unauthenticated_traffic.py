# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The REST API authenticates before it reads a body, refuses bodies over the
configured size (declared, chunked or undeclared) without reading them, limits
failed authentications per client address, and keeps made-up keys out of its
cache; through Odoo's real HTTP server, partly over raw sockets to control what
is sent and when.
"""

import json
import secrets
import socket
import time
from urllib.parse import urlsplit

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..models.api.integration_api_auth import MAX_BODY_SIZE_PARAM
from ..models.api.integration_api_auth import UNAUTHENTICATED_LIMIT_PARAM
from ..models.common.integration_rate_limit import _REFUSING
from ..models.common.integration_rate_limit import address_scope
from .api_common import ApiCase
from .test_inbound_unverified_traffic import ATTACKER
from .test_inbound_unverified_traffic import client_from

# Odoo's test server gives up reading a request after 5 s: an answer well
# before that was given without waiting for the body.
PROMPT = 3.0


def chunked(data, size):
    """``data`` in pieces of ``size`` bytes, for requests to send chunked."""
    return (data[i : i + size] for i in range(0, len(data), size))


class UnauthenticatedCase(ApiCase):
    def setUp(self):
        super().setUp()
        _REFUSING.clear()
        self.addCleanup(_REFUSING.clear)
        address = urlsplit(self.base_url())
        self.server = (address.hostname, address.port)

    def raw(self, head, *parts):
        """Send ``head`` (the request line and headers, without the blank line)
        and then ``parts`` over one connection, leaving it open; return
        ``(status, headers, json body, seconds until the answer)``."""
        with socket.create_connection(self.server, timeout=10) as sock:
            started = time.monotonic()
            sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n\r\n")
            for part in parts:
                sock.sendall(part)
            received = b""
            # The server closes the connection after its answer.
            while chunk := sock.recv(65536):
                received += chunk
            elapsed = time.monotonic() - started
        head, _sep, body = received.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        return int(lines[0].split()[1]), headers, json.loads(body), elapsed

    def post_head(self, key=None, **headers):
        lines = [
            "POST /api/v1/bookings HTTP/1.1",
            f"Host: {self.server[0]}:{self.server[1]}",
            "Content-Type: application/json",
        ]
        if key:
            lines.append(f"Authorization: Bearer {key}")
        lines += [
            f"{name.replace('_', '-')}: {value}" for name, value in headers.items()
        ]
        return "\n".join(lines)


@tagged("post_install", "-at_install")
class TestApiBodyLimit(UnauthenticatedCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(MAX_BODY_SIZE_PARAM, "1024")

    def test_declared_length_over_the_limit_is_refused_unread(self):
        # 50 MiB announced, nothing sent: the answer comes at once.
        status, headers, body, elapsed = self.raw(
            self.post_head(self.key, Content_Length=50 * 1024 * 1024)
        )
        self.assertEqual(status, 413)
        self.assertEqual(body["error"]["code"], "payload_too_large")
        self.assertEqual(body["error"]["request_id"], headers["X-Request-Id"])
        self.assertLess(elapsed, PROMPT)

    def test_default_limit_is_one_mebibyte(self):
        self.env["ir.config_parameter"].search(
            [("key", "=", MAX_BODY_SIZE_PARAM)]
        ).unlink()
        status, _headers, body, _elapsed = self.raw(
            self.post_head(self.key, Content_Length=1024 * 1024 + 1)
        )
        self.assertEqual(status, 413)
        self.assertIn("1048576 bytes", body["error"]["message"])

    def test_chunked_body_over_the_limit(self):
        bookings = self.env["integration.booking"].search_count([])
        large = json.dumps(self.booking_document(self.ada, notes="x" * 2000))
        response = self.call(
            "POST",
            "/api/v1/bookings",
            raw=chunked(large.encode(), 512),
            headers={"Content-Type": "application/json"},
        )
        self.assert_error(response, 413, "payload_too_large")
        self.assertEqual(self.env["integration.booking"].search_count([]), bookings)
        # Under the limit, a chunked body is read and served as usual.
        small = json.dumps(self.booking_document(self.ada))
        self.assertLess(len(small), 1024)
        response = self.call(
            "POST",
            "/api/v1/bookings",
            raw=chunked(small.encode(), 64),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self.env["integration.booking"].search_count([]), bookings + 1)

    def test_chunked_body_is_read_no_further_than_the_limit(self):
        # 1124 bytes of an endless chunked body: the answer comes without
        # waiting for the rest.
        head = self.post_head(self.key, Transfer_Encoding="chunked")
        status, _headers, body, elapsed = self.raw(
            head, b"400\r\n" + b" " * 1024 + b"\r\n", b"64\r\n" + b" " * 100 + b"\r\n"
        )
        self.assertEqual(status, 413)
        self.assertEqual(body["error"]["code"], "payload_too_large")
        self.assertLess(elapsed, PROMPT)

    def test_body_without_a_length_is_never_read(self):
        # Neither Content-Length nor chunked: for HTTP/1.1 there is no body, and
        # the server answers without waiting for one.
        status, _headers, body, elapsed = self.raw(self.post_head(self.key))
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["code"], "invalid_json")
        self.assertIn("char 0", body["error"]["message"])
        self.assertLess(elapsed, PROMPT)

    def test_authentication_comes_before_the_body(self):
        for key in (None, "not-a-key"):
            with self.subTest(key=key):
                status, headers, body, elapsed = self.raw(
                    self.post_head(key, Content_Length=50 * 1024 * 1024)
                )
                self.assertEqual(status, 401)
                self.assertEqual(body["error"]["code"], "unauthorized")
                self.assertEqual(headers["WWW-Authenticate"], 'Bearer realm="api"')
                self.assertLess(elapsed, PROMPT)
        # A chunked body that has not even started.
        status, _headers, body, elapsed = self.raw(
            self.post_head(Transfer_Encoding="chunked")
        )
        self.assertEqual(status, 401)
        self.assertLess(elapsed, PROMPT)


@tagged("post_install", "-at_install")
class TestApiUnauthenticatedLimit(UnauthenticatedCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(UNAUTHENTICATED_LIMIT_PARAM, "3")
        # Both windows of a test fall in one minute.
        if time.time() % 60 > 50:
            time.sleep(60 - time.time() % 60)
        self.attacker = client_from(ATTACKER, self.cr)
        self.addCleanup(self.attacker.close)

    def from_attacker(self, key=None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.attacker.get(
            f"{self.base_url()}/api/v1/guests", headers=headers, timeout=20
        )

    def test_failed_authentications_are_limited_per_address(self):
        # The key of the Integration User is checked (and kept) once before.
        self.assertEqual(self.call("GET", "/api/v1/guests").status_code, 200)
        statuses = [
            self.from_attacker(secrets.token_hex(20)).status_code for _i in range(3)
        ]
        self.assertEqual(statuses, [401, 401, 401])
        limited = self.from_attacker(secrets.token_hex(20))
        self.assert_error(limited, 429, "rate_limited")
        self.assertTrue(1 <= int(limited.headers["Retry-After"]) <= 60)
        # No key at all is limited the same way.
        self.assert_error(self.from_attacker(), 429, "rate_limited")
        # Another address is not: it is told its key is wrong, and served with
        # a valid one.
        self.assert_error(
            self.call("GET", "/api/v1/guests", key="not-a-key"), 401, "unauthorized"
        )
        self.assertEqual(self.call("GET", "/api/v1/guests").status_code, 200)
        # From the limited address, a key already verified by this worker is
        # still served; one it would have to verify waits for the next minute,
        # as the made-up ones do.
        self.assertEqual(self.from_attacker(self.key).status_code, 200)
        self.assert_error(self.from_attacker(self.manager_key), 429, "rate_limited")
        counter = self.env["integration.rate.limit"].search(
            [("key", "=", f"api-unauthenticated:{ATTACKER}")]
        )
        self.assertEqual(counter.count, 4, "counted until the limit, then not")

    def test_made_up_keys_do_not_fill_the_cache(self):
        self.env["ir.config_parameter"].set_param(UNAUTHENTICATED_LIMIT_PARAM, "100")
        caches = self.registry._Registry__caches  # pylint: disable=protected-access
        self.assertEqual(self.call("GET", "/api/v1/guests").status_code, 200)
        self.call("GET", "/api/v1/guests", key="warm-up")
        before = {name: set(cache) for name, cache in caches.items()}
        for _number in range(40):
            response = self.call("GET", "/api/v1/guests", key=secrets.token_hex(20))
            self.assertEqual(response.status_code, 401)
        for name, cache in caches.items():
            added = set(cache) - before[name]
            self.assertLess(len(added), 5, f"cache {name} grew: {added}")
        # The real key is still served from the cache.
        self.assertEqual(self.call("GET", "/api/v1/guests").status_code, 200)


class TestAddressScope(BaseCase):
    def test_what_a_per_address_limit_counts(self):
        self.assertEqual(address_scope("198.51.100.7"), "198.51.100.7")
        # A host usually holds a whole IPv6 /64: one count for all of it.
        self.assertEqual(address_scope("2001:db8:1:2::7"), "2001:db8:1:2::/64")
        self.assertEqual(
            address_scope("2001:db8:1:2:ffff::1"), address_scope("2001:db8:1:2::7")
        )
        self.assertNotEqual(
            address_scope("2001:db8:1:3::7"), address_scope("2001:db8:1:2::7")
        )
        self.assertEqual(address_scope("::ffff:198.51.100.7"), "198.51.100.7")
        for junk in (None, "", "unknown", "198.51.100.7:8080"):
            self.assertEqual(address_scope(junk), "invalid")
