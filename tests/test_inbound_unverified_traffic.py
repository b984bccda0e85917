# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Unverified webhook traffic cannot hurt, through Odoo's real HTTP server.

A flood of forged requests neither uses up the real sender's rate limit nor
gets anyone but its own address refused; thousands of junk requests leave a
handful of counted audit lines; made-up slugs leave nothing in Odoo's caches;
a captured request replayed with other unsigned headers is a duplicate; and the
client address behind an allow-list is the forwarded one only under
``proxy_mode``.

The attacker posts from ``127.0.0.2`` (the whole of 127.0.0.0/8 is loopback on
Linux, so a client socket can be bound to it), the real sender from
``127.0.0.1``.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from unittest.mock import patch

from requests.adapters import HTTPAdapter

from odoo.tests import tagged
from odoo.tests.common import Opener
from odoo.tools import config

from ..controllers.inbound import UNVERIFIED_LIMIT_PARAM
from ..models.common.integration_rate_limit import _REFUSING
from .test_inbound_webhooks import GITHUB_SECRET
from .test_inbound_webhooks import OTHER_SECRET
from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import InboundCase
from .test_inbound_webhooks import hex_hmac
from .test_inbound_webhooks import library_headers

ATTACKER = "127.0.0.2"


class SourceAddressAdapter(HTTPAdapter):
    """Connects from ``address`` (a loopback address other than 127.0.0.1)."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def client_from(address, cr):
    """A session whose connections come from ``address``; like the test's own
    opener, it flushes the test's pending writes (on ``cr``) before each
    request, which the server reads with a cursor of its own."""
    session = Opener(cr)
    session.mount("http://", SourceAddressAdapter(address))
    return session


class UnverifiedCase(InboundCase):
    def setUp(self):
        super().setUp()
        # Refusing addresses are remembered per process until their minute
        # ends; each test starts with none.
        _REFUSING.clear()
        self.addCleanup(_REFUSING.clear)
        self.attacker = client_from(ATTACKER, self.cr)
        self.addCleanup(self.attacker.close)

    def post_from(self, client, slug, body, headers=None):
        return client.post(
            f"{self.base_url()}/integration/webhook/{slug}",
            data=body,
            headers={"Content-Type": "application/json", **(headers or {})},
            timeout=20,
        )

    def forged(self, body):
        """Headers signing ``body`` with a secret the source does not hold."""
        return library_headers(OTHER_SECRET, body)

    def same_minute(self, margin=10):
        """Wait for a new minute if fewer than ``margin`` seconds are left, so
        that the requests of a test fall in one rate-limit window."""
        if time.time() % 60 > 60 - margin:
            time.sleep(60 - time.time() % 60)

    def audit_lines(self, slug=None):
        domain = [] if slug is None else [("slug", "=", slug)]
        return self.env["integration.inbound.audit"].search(domain)


@tagged("post_install", "-at_install")
class TestUnverifiedFlood(UnverifiedCase):
    def test_forged_flood_does_not_lock_out_the_real_sender(self):
        # The source takes 5 verified requests a minute; the attacker sends
        # four times as many forged ones first.
        self.same_minute()
        self.source.rate_limit = 5
        for _number in range(20):
            body = self.body()
            response = self.post_from(self.attacker, "channel", body, self.forged(body))
            self.assertIn(response.status_code, (401, 429), response.text)
        for _number in range(5):
            body = self.body()
            self.assert_accepted(
                self.post("channel", body, library_headers(SW_SECRET, body))
            )
        counter = self.env["integration.rate.limit"].search(
            [("key", "=", f"inbound:{self.source.id}")]
        )
        self.assertEqual(counter.count, 5, "only verified requests are counted")
        # The sixth verified one is past the source's own limit.
        body = self.body()
        response = self.post("channel", body, library_headers(SW_SECRET, body))
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["error"]["code"], "rate_limited")

    def test_unverified_flood_is_limited_for_its_address_only(self):
        self.same_minute()
        self.env["ir.config_parameter"].set_param(UNVERIFIED_LIMIT_PARAM, "5")
        statuses = []
        for _number in range(8):
            body = self.body()
            response = self.post_from(self.attacker, "channel", body, self.forged(body))
            statuses.append(response.status_code)
        self.assertEqual(statuses, [401] * 5 + [429] * 3)
        self.assertEqual(
            response.json()["error"]["code"], "unverified_rate_limited", response.text
        )
        self.assertTrue(1 <= int(response.headers["Retry-After"]) <= 60)
        # Missing signatures and bodies over the size limit count too.
        response = self.post_from(self.attacker, "channel", self.body())
        self.assertEqual(response.status_code, 429)
        # Another address is not concerned: refused for what it sends, not
        # limited; and its signed deliveries are accepted.
        body = self.body()
        response = self.post("channel", body, self.forged(body))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"]["code"], "invalid_signature")
        self.assert_accepted(
            self.post("channel", body, library_headers(SW_SECRET, body))
        )
        # Even the limited address gets its signed deliveries through: the
        # limit is on what fails verification.
        body = self.body()
        response = self.post_from(
            self.attacker, "channel", body, library_headers(SW_SECRET, body)
        )
        self.assertEqual(response.status_code, 202, response.text)
        # Another source is not concerned either.
        body = self.body()
        response = self.post_from(self.attacker, "hmac", body, self.forged(body))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["code"], "missing_header")

    def test_junk_requests_leave_a_few_counted_audit_lines(self):
        # Forged signatures, made-up slugs and wrong methods, a thousand of
        # each kind: a few lines (one per source, refusal and minute) count them.
        self.env["ir.config_parameter"].set_param(UNVERIFIED_LIMIT_PARAM, "100")
        body = self.body()
        forged = self.forged(body)
        base = f"{self.base_url()}/integration/webhook"
        per_kind = 1000
        first_minute = int(time.time() // 60)
        with Opener(self.cr) as session:
            for number in range(per_kind):
                session.post(f"{base}/channel", data=body, headers=forged, timeout=20)
                session.post(f"{base}/junk-{number}", data=body, timeout=20)
                session.get(f"{base}/channel", timeout=20)
        minutes = int(time.time() // 60) - first_minute + 1
        lines = self.audit_lines()
        by_kind = {}
        for line in lines:
            key = (line.slug, line.code)
            by_kind[key] = by_kind.get(key, 0) + line.count
        # Four kinds of refusal, in each minute the test took.
        self.assertLessEqual(len(lines), 4 * minutes, by_kind)
        self.assertEqual(sum(lines.mapped("count")), 3 * per_kind)
        self.assertEqual(by_kind[("", "source_not_found")], per_kind)
        self.assertEqual(by_kind[("channel", "method_not_allowed")], per_kind)
        # 100 forged requests a minute are refused as such, the others as
        # coming from an address past its limit.
        refused = by_kind[("channel", "invalid_signature")]
        self.assertTrue(100 <= refused <= 100 * minutes, by_kind)
        self.assertEqual(
            by_kind[("channel", "unverified_rate_limited")], per_kind - refused
        )
        # None of the made-up slugs is kept.
        self.assertFalse(self.audit_lines().filtered(lambda line: "junk" in line.slug))
        line = lines.filtered(lambda line: line.code == "invalid_signature")[0]
        self.assertEqual(line.http_status, 401)
        self.assertEqual(line.remote_addr, "127.0.0.1")

    def test_made_up_slugs_do_not_fill_the_cache(self):
        caches = self.registry._Registry__caches  # pylint: disable=protected-access
        body = self.body()
        # One request to a real source, one to a made-up one: every cache the
        # endpoint uses is warm.
        self.post("channel", body, library_headers(SW_SECRET, body))
        self.post("warm-up", body)
        before = {name: set(cache) for name, cache in caches.items()}
        slugs = [f"made-up-{uuid.uuid4().hex}" for _number in range(50)]
        for slug in slugs:
            self.assertEqual(self.post(slug, body).status_code, 404)
        for name, cache in caches.items():
            added = set(cache) - before[name]
            self.assertFalse(
                [key for key in added if any(slug in repr(key) for slug in slugs)],
                f"cache {name} holds made-up slugs",
            )
            self.assertLess(len(added), 5, f"cache {name} grew: {added}")


@tagged("post_install", "-at_install")
class TestInboundReplayWithOtherHeaders(UnverifiedCase):
    """A captured request, replayed with its unsigned headers changed, is the
    same delivery: one message, the first answer back."""

    def assert_replay_is_a_duplicate(self, slug, body, headers, changed):
        first = self.post(slug, body, headers)
        message = self.assert_accepted(first)
        replayed = self.post(slug, body, {**headers, **changed})
        self.assertEqual(replayed.status_code, 202, replayed.text)
        self.assertEqual(replayed.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(replayed.json(), first.json())
        self.assertEqual(
            self.count("integration.inbound.message", [("source_id.slug", "=", slug)]),
            1,
        )
        return message

    def test_github(self):
        body = json.dumps({"action": "opened", "number": 2}).encode()
        headers = {
            "X-Hub-Signature-256": "sha256=" + hex_hmac(GITHUB_SECRET, body),
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": str(uuid.uuid4()),
        }
        self.assert_replay_is_a_duplicate(
            "github",
            body,
            headers,
            {
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "Idempotency-Key": "fresh-1",
                "X-Idempotency-Key": "fresh-2",
                "webhook-id": "msg_fresh",
            },
        )

    def test_shopify(self):
        body = json.dumps({"id": 820982911946154509}).encode()
        digest = hmac.new(b"shpss_shopify_secret", body, hashlib.sha256).digest()
        headers = {
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        }
        self.assert_replay_is_a_duplicate(
            "shopify",
            body,
            headers,
            {"X-Shopify-Webhook-Id": str(uuid.uuid4()), "Idempotency-Key": "x"},
        )

    def test_standard_webhooks(self):
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        message = self.assert_replay_is_a_duplicate(
            "channel",
            body,
            headers,
            {"Idempotency-Key": "fresh-1", "X-Idempotency-Key": "fresh-2"},
        )
        self.assertEqual(message.idempotency_key, headers["webhook-id"])
        # The id itself is signed: changing it breaks the signature.
        response = self.post("channel", body, {**headers, "webhook-id": "msg_new"})
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"]["code"], "invalid_signature")

    def test_stripe_and_hmac(self):
        body = json.dumps({"id": "evt_replayed", "type": "charge.succeeded"}).encode()
        now = int(time.time())
        signature = hex_hmac("whsec_stripe_test_secret", f"{now}.".encode() + body)
        self.assert_replay_is_a_duplicate(
            "stripe",
            body,
            {"Stripe-Signature": f"t={now},v1={signature}"},
            {"Idempotency-Key": "fresh"},
        )
        body = self.body()
        headers = {
            "X-Webhook-Id": "msg_1",
            "X-Webhook-Timestamp": str(now),
            "X-Webhook-Signature": "sha256="
            + hex_hmac("plain shared secret", f"{now}.".encode() + body),
        }
        self.assert_replay_is_a_duplicate(
            "hmac", body, headers, {"X-Webhook-Id": "msg_2", "Idempotency-Key": "y"}
        )


@tagged("post_install", "-at_install")
class TestClientAddressAndProxyMode(UnverifiedCase):
    """``X-Forwarded-For`` decides the client address only under proxy_mode."""

    def setUp(self):
        super().setUp()
        self.source.allowed_networks = "203.0.113.0/24"
        self.host = self.base_url().split("//", 1)[1]

    def signed(self, **forwarded):
        body = self.body()
        return body, {**library_headers(SW_SECRET, body), **forwarded}

    def test_without_proxy_mode_forwarded_headers_are_ignored(self):
        with patch.dict(config.options, proxy_mode=False):
            for forwarded in (
                {"X-Forwarded-For": "203.0.113.7"},
                {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": self.host},
            ):
                with self.subTest(forwarded=forwarded):
                    body, headers = self.signed(**forwarded)
                    response = self.post("channel", body, headers)
                    self.assertEqual(response.status_code, 403, response.text)
                    self.assertEqual(response.json()["error"]["code"], "ip_not_allowed")
        lines = self.audit_lines("channel")
        self.assertEqual(sum(lines.mapped("count")), 2)
        self.assertEqual(lines[0].remote_addr, "127.0.0.1")

    def test_with_proxy_mode_the_proxy_added_address_counts(self):
        with patch.dict(config.options, proxy_mode=True):
            # Odoo applies ProxyFix itself when X-Forwarded-Host is present; the
            # module reads X-Forwarded-For the same way when it is not.
            for forwarded in (
                {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": self.host},
                {"X-Forwarded-For": "203.0.113.8"},
            ):
                with self.subTest(forwarded=forwarded):
                    body, headers = self.signed(**forwarded)
                    message = self.assert_accepted(self.post("channel", body, headers))
                    expected = forwarded["X-Forwarded-For"]
                    self.assertEqual(message.remote_addr, expected)
            # Only the last entry, appended by the proxy, is trusted: what the
            # client put before it is not.
            for forwarded in (
                {
                    "X-Forwarded-For": "203.0.113.7, 198.51.100.1",
                    "X-Forwarded-Host": self.host,
                },
                {"X-Forwarded-For": "203.0.113.7, 198.51.100.1"},
            ):
                with self.subTest(forwarded=forwarded):
                    body, headers = self.signed(**forwarded)
                    response = self.post("channel", body, headers)
                    self.assertEqual(response.status_code, 403, response.text)
            # Without any forwarded address, the TCP peer.
            body, headers = self.signed()
            self.assertEqual(self.post("channel", body, headers).status_code, 403)
        lines = self.audit_lines("channel")
        self.assertEqual(sum(lines.mapped("count")), 3)
        self.assertEqual(lines[0].remote_addr, "127.0.0.1")

    def test_unverified_limit_follows_the_forwarded_address(self):
        # Behind the proxy, every client shares the proxy's TCP address: the
        # per-address limit must use the forwarded one, or one attacker would
        # lock every client out.
        self.same_minute()
        self.source.allowed_networks = False
        self.env["ir.config_parameter"].set_param(UNVERIFIED_LIMIT_PARAM, "2")
        with patch.dict(config.options, proxy_mode=True):
            statuses = []
            for _number in range(3):
                body = self.body()
                headers = {**self.forged(body), "X-Forwarded-For": "198.51.100.66"}
                statuses.append(self.post("channel", body, headers).status_code)
            self.assertEqual(statuses, [401, 401, 429])
            body = self.body()
            headers = {**self.forged(body), "X-Forwarded-For": "198.51.100.67"}
            self.assertEqual(self.post("channel", body, headers).status_code, 401)
        # Without proxy_mode, a made-up X-Forwarded-For does not escape the
        # limit of the address the requests really come from.
        _REFUSING.clear()
        with patch.dict(config.options, proxy_mode=False):
            statuses = []
            for number in range(3):
                body = self.body()
                headers = {
                    **self.forged(body),
                    "X-Forwarded-For": f"198.51.100.{number}",
                }
                statuses.append(
                    self.post_from(self.attacker, "channel", body, headers).status_code
                )
            self.assertEqual(statuses, [401, 401, 429])
