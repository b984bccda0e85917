# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Secrets stay with the managers: what an Integration User reads over JSON-RPC
(stored request headers of attempts and inbound messages, endpoint and backend
URLs, error texts) and what the chatter keeps never holds a credential; managers
still read URLs whole; the demo's inbound source has a secret of its own."""

import base64
import json
import socket
import time
import uuid
from datetime import datetime
from datetime import timezone

from standardwebhooks import Webhook

from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException

from ..tools.redaction import MASK
from .outbound_common import OutboundMixin
from .outbound_common import Receiver
from .sync_common import ReferenceServer

# Every secret of these tests contains this marker: no text a user reads may.
MARK = "s3cr3t"
MANAGER = "integration_hub.group_integration_manager"
USER = "integration_hub.group_integration_user"
# The Standard Webhooks specification's published example secret.
PUBLIC_EXAMPLE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def closed_port():
    """A port of 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signed_headers(secret, body):
    """Standard Webhooks headers made by the official library."""
    msg_id = f"msg_{uuid.uuid4().hex}"
    signature = Webhook(secret).sign(
        msg_id, datetime.fromtimestamp(int(time.time()), tz=timezone.utc), body
    )
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": signature,
    }


@tagged("post_install", "-at_install")
class TestSecretsStaySecret(OutboundMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()
        cls.user = new_test_user(cls.env, login="ih_secrets_user", groups=USER)
        cls.manager = new_test_user(cls.env, login="ih_secrets_manager", groups=MANAGER)
        cls.ping = cls._event_type("ping")

    def rpc(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def read_as(self, login, records, fields):
        self.authenticate(login, login)
        return self.rpc(records._name, "read", records.ids, fields=fields)

    def assertRefusedToUser(self, records, fields):
        self.authenticate(self.user.login, self.user.login)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.rpc(records._name, "read", records.ids, fields=fields)

    def chatter_text(self, record):
        """Every message body and tracked value of ``record``'s chatter."""
        # Tracking messages are written when the transaction commits, after
        # the pending computations.
        self.env.flush_all()
        self.env.cr.precommit.run()
        record.invalidate_recordset(["message_ids"])
        return " ".join(
            f"{message.body} "
            + " ".join(message.tracking_value_ids.mapped("old_value_char"))
            + " ".join(message.tracking_value_ids.mapped("new_value_char"))
            for message in record.message_ids
        )

    # Stored request headers ----------------------------------------------------

    def test_outbound_attempt_headers_masked_for_users(self):
        custom = {
            "Authorization": f"Bearer {MARK}-bearer",
            "Cookie": f"session={MARK}-cookie",
            "X-Tenant": f"{MARK}-tenant",
            # A safe name does not make a manager's custom value public.
            "Accept": f"application/{MARK}-accept",
        }
        with Receiver() as receiver:
            endpoint = self._new_endpoint(
                receiver.url, custom_headers=json.dumps(custom)
            )
            receiver.secret = endpoint.secret
            delivery = self.env["integration.event"].emit("outbound.test").delivery_ids
            self.run_jobs()
        self.assertEqual(delivery.state, "delivered")
        [request] = receiver.requests
        self.assertTrue(request["verified"])
        self.assertEqual(request["headers"]["X-Tenant"], custom["X-Tenant"], "sent")
        [attempt] = self.read_as(
            self.user.login, delivery.attempt_ids, ["request_headers"]
        )
        [shown] = self.read_as(self.user.login, delivery, ["request_headers"])
        self.assertEqual(shown["request_headers"], attempt["request_headers"])
        self.assertNotIn(MARK, attempt["request_headers"])
        self.assertNotIn(endpoint.secret, attempt["request_headers"])
        headers = json.loads(attempt["request_headers"])
        for name in custom:
            self.assertEqual(headers[name], MASK, name)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["User-Agent"], "Odoo-Integration-Hub")
        self.assertEqual(headers["Webhook-Id"], delivery.event_id.uid)
        self.assertEqual(headers["Webhook-Signature"], f"v1,{MASK}")
        # The custom headers themselves are the managers' alone.
        self.assertRefusedToUser(endpoint, ["custom_headers"])
        [own] = self.read_as(self.manager.login, endpoint, ["custom_headers"])
        self.assertEqual(json.loads(own["custom_headers"]), custom)

    def test_inbound_message_headers_masked_for_users(self):
        source = self.env["integration.inbound.source"].create(
            {"name": "Masked headers", "slug": "masked-headers"}
        )
        body = json.dumps({"type": "booking.created", "data": {"id": 7}})
        response = self.url_open(
            "/integration/webhook/masked-headers",
            data=body.encode(),
            headers={
                **signed_headers(source.secret, body),
                "Content-Type": "application/json",
                "User-Agent": "channel-manager/1.0",
                "X-Request-Id": "req-masked-1",
                "Authorization": f"Bearer {MARK}-bearer",
                "Cookie": f"session={MARK}-cookie",
                "X-Api-Key": f"{MARK}-key",
                "X-Custom-Unknown": f"{MARK}-unknown",
            },
        )
        self.assertEqual(response.status_code, 202, response.text)
        message = self.env["integration.inbound.message"].browse(
            int(response.json()["data"]["id"])
        )
        [shown] = self.read_as(self.user.login, message, ["headers"])
        self.assertNotIn(MARK, shown["headers"])
        self.assertNotIn(source.secret, shown["headers"])
        headers = json.loads(shown["headers"])
        for name in ("Authorization", "Cookie", "X-Api-Key", "X-Custom-Unknown"):
            self.assertEqual(headers[name], MASK, name)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["User-Agent"], "channel-manager/1.0")
        self.assertEqual(headers["X-Request-Id"], "req-masked-1")
        self.assertTrue(headers["Webhook-Id"].startswith("msg_"))
        self.assertEqual(headers["Webhook-Signature"], f"v1,{MASK}")

    # URLs ----------------------------------------------------------------------

    def test_endpoint_url_redacted_for_users_whole_for_managers(self):
        origin = f"http://127.0.0.1:{closed_port()}"
        url = f"{origin}/in/{MARK}-path?token={MARK}-token"
        endpoint = self._new_endpoint(url)
        [shown] = self.read_as(self.user.login, endpoint, ["redacted_url"])
        self.assertEqual(shown["redacted_url"], f"{origin}/…?token=…")
        self.assertRefusedToUser(endpoint, ["url"])
        [own] = self.read_as(self.manager.login, endpoint, ["url"])
        self.assertEqual(own["url"], url)
        # Each group's views show its own field.
        self.authenticate(self.user.login, self.user.login)
        views = self.rpc(
            "integration.endpoint",
            "get_views",
            views=[[False, "list"], [False, "form"], [False, "kanban"]],
        )["views"]
        for kind, view in views.items():
            self.assertNotIn('name="url"', view["arch"], kind)
            self.assertIn('name="redacted_url"', view["arch"], kind)
        self.authenticate(self.manager.login, self.manager.login)
        views = self.rpc("integration.endpoint", "get_views", views=[[False, "form"]])[
            "views"
        ]
        self.assertIn('name="url"', views["form"]["arch"])
        self.assertNotIn('name="redacted_url"', views["form"]["arch"])

    def test_chatter_tracks_the_redacted_url(self):
        endpoint = self._new_endpoint(f"http://127.0.0.1:9/in/{MARK}-first")
        self.chatter_text(endpoint)
        endpoint.with_user(self.manager).write(
            {"url": f"http://127.0.0.1:10/in/{MARK}-second?key={MARK}-key"}
        )
        text = self.chatter_text(endpoint)
        self.assertNotIn(MARK, text)
        self.assertEqual(
            endpoint.message_ids.tracking_value_ids.mapped("old_value_char"),
            ["http://127.0.0.1:9/…"],
            "one change tracked, none at creation",
        )
        self.assertIn("http://127.0.0.1:10/…?key=…", text)
        self.assertIn("http://127.0.0.1:9/…", text)

    def test_error_texts_redacted(self):
        url = f"http://127.0.0.1:{closed_port()}/in/{MARK}-path?token={MARK}-token"
        endpoint = self._new_endpoint(
            url, event_type_ids=[(6, 0, (self._event_type() | self.ping).ids)]
        )
        delivery = self.env["integration.event"].emit("outbound.test").delivery_ids
        self.run_jobs()
        self.assertEqual(delivery.state, "pending", "a connection error is retried")
        [attempt] = self.read_as(
            self.user.login, delivery.attempt_ids, ["error_class", "error_message"]
        )
        self.assertEqual(attempt["error_class"], "ConnectionError")
        self.assertIn("127.0.0.1", attempt["error_message"])
        self.assertNotIn(MARK, attempt["error_message"])
        [shown] = self.read_as(self.user.login, delivery, ["last_error"])
        self.assertIn("ConnectionError", shown["last_error"])
        self.assertNotIn(MARK, shown["last_error"])
        # What "Send test event" tells the manager who clicked it.
        self.authenticate(self.manager.login, self.manager.login)
        action = self.rpc(
            "integration.endpoint", "action_send_test_event", endpoint.ids
        )
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("ConnectionError", action["params"]["message"])
        self.assertNotIn(MARK, action["params"]["message"])
        # Refused at send time: the guard's reason is stored redacted too.
        self.env["ir.config_parameter"].set_param(
            "integration_hub.allowed_networks", ""
        )
        refused = self.env["integration.event"].emit("outbound.test").delivery_ids
        refused._send()
        self.assertEqual(refused.state, "failed")
        self.assertEqual(refused.attempt_ids.error_class, "UnsafeURL")
        self.assertNotIn(MARK, refused.attempt_ids.error_message)
        self.assertNotIn(MARK, refused.last_error)

    def test_validation_error_does_not_quote_the_url(self):
        with self.assertRaises(ValidationError) as caught:
            self._new_endpoint(f"ftp://127.0.0.1/in/{MARK}-path?token={MARK}")
        self.assertIn("must start with https://", str(caught.exception))
        self.assertNotIn(MARK, str(caught.exception))

    def test_backend_urls_and_sync_errors_redacted(self):
        with ReferenceServer(bookings=2, guests=1, api_key="k") as remote:
            origin = remote.url
            backend = self.env["integration.backend"].create(
                {
                    "name": "Tenant PMS",
                    "base_url": f"{remote.url}/tenant/{MARK}-tenant",
                    "auth_type": "oauth2",
                    "client_id": "odoo",
                    "client_secret": "oauth",
                    "token_url": f"{remote.url}/oauth/{MARK}?key={MARK}-key",
                    "timeout": 10,
                }
            )
            [shown] = self.read_as(
                self.user.login,
                backend,
                ["redacted_base_url", "redacted_token_url"],
            )
            self.assertEqual(shown["redacted_base_url"], f"{remote.url}/…")
            self.assertEqual(shown["redacted_token_url"], f"{remote.url}/…?key=…")
            self.assertRefusedToUser(backend, ["base_url"])
            self.assertRefusedToUser(backend, ["token_url"])
            [own] = self.read_as(self.manager.login, backend, ["base_url"])
            self.assertEqual(own["base_url"], f"{remote.url}/tenant/{MARK}-tenant")
            # The token URL is refused: the message says where, not how.
            with self.assertRaisesRegex(UserError, "HTTP 401") as caught:
                backend.action_test_connection()
            self.assertIn(f"POST {remote.url}/…?key=…", str(caught.exception))
            self.assertNotIn(MARK, str(caught.exception))
            # A sync's errors are stored where users read them.
            backend.write({"auth_type": "api_key", "api_key": "k"})
            backend.with_context(queue_job__no_delay=True).action_full_sync()
            run = self.env["integration.sync.run"].search(
                [("backend_id", "=", backend.id)], limit=1
            )
            [errors] = self.read_as(self.user.login, run, ["page_errors"])
            self.assertIn("HTTP 404", errors["page_errors"])
            self.assertNotIn(MARK, errors["page_errors"])
        backend.write({"base_url": f"{origin}/tenant/{MARK}-moved"})
        self.assertNotIn(MARK, self.chatter_text(backend))

    # Demo data -----------------------------------------------------------------

    def test_demo_source_secret_drawn_at_install(self):
        source = self.env.ref("integration_hub.inbound_source_demo_channel_manager")
        self.assertNotEqual(source.secret, PUBLIC_EXAMPLE_SECRET)
        self.assertTrue(source.secret.startswith("whsec_"))
        self.assertEqual(len(base64.b64decode(source.secret[6:])), 32)
        body = json.dumps({"type": "booking.created", "data": {"id": 7}})
        for secret, status in ((PUBLIC_EXAMPLE_SECRET, 401), (source.secret, 202)):
            response = self.url_open(
                f"/integration/webhook/{source.slug}",
                data=body.encode(),
                headers={
                    **signed_headers(secret, body),
                    "Content-Type": "application/json",
                },
            )
            self.assertEqual(response.status_code, status, response.text)
        endpoint = self.env.ref("integration_hub.demo_endpoint_channel_manager")
        self.assertTrue(endpoint.secret.startswith("whsec_"))
        self.assertNotEqual(endpoint.secret, PUBLIC_EXAMPLE_SECRET)
