# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inbound payloads checked at the door, through Odoo's real HTTP server: a
payload that does not match its event type's JSON Schema is refused with one
detail per problem and an audit line, nothing stored; event types nothing
handles are marked ignored, or refused where the source says so; a delivery
without a signed id is keyed by its canonical JSON; the plain HMAC scheme takes
its signature with or without ``sha256=``."""

import json
import time

from odoo.addons.queue_job.job import Job
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_inbound_processing import HandlerCase
from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import canonical_sha256
from .test_inbound_webhooks import hex_hmac
from .test_inbound_webhooks import library_headers

ORDER_SCHEMA = {
    "type": "object",
    "required": ["type", "data"],
    "properties": {
        "data": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "name": {"type": "string"},
                "nights": {"type": "array", "items": {"type": "string"}},
            },
            "additionalProperties": False,
        }
    },
}


@tagged("post_install", "-at_install")
class TestInboundPayloadGuards(HandlerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order_type = cls.env["integration.event.type"].create(
            {"code": "ihguard.order", "payload_schema": json.dumps(ORDER_SCHEMA)}
        )

    def signed_post(self, slug, payload):
        body = json.dumps(payload).encode()
        return self.post(slug, body, library_headers(SW_SECRET, body))

    def hmac_post(self, body, signature=None, timestamp=None):
        timestamp = timestamp or int(time.time())
        if signature is None:
            signature = "sha256=" + hex_hmac(
                "plain shared secret", f"{timestamp}.".encode() + body
            )
        return self.post(
            "hmac",
            body,
            {"X-Webhook-Timestamp": str(timestamp), "X-Webhook-Signature": signature},
        )

    def run_job(self, message):
        """Perform the processing job of ``message`` (it drains its source)."""
        Job.load(self.env, message.sudo().job_id.uuid).perform()
        self.env.invalidate_all()

    def audit_count(self, code):
        return sum(
            self.env["integration.inbound.audit"]
            .search([("code", "=", code)])
            .mapped("count")
        )

    def test_payload_not_matching_its_schema_is_refused_problem_by_problem(self):
        payload = {
            "type": "ihguard.order",
            "data": {"id": 0, "nights": ["fri", 3], "coupon": "X"},
        }
        response = self.signed_post("channel", payload)
        self.assertEqual(response.status_code, 422, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], "validation_failed")
        self.assertIn("ihguard.order", error["message"])
        self.assertTrue(error["request_id"])
        self.assertEqual(
            error["details"],
            [
                {
                    "field": "$.data.coupon",
                    "code": "unknown",
                    "message": "Additional properties are not allowed "
                    "('coupon' was unexpected)",
                },
                {
                    "field": "$.data.name",
                    "code": "required",
                    "message": "'name' is a required property",
                },
                {
                    "field": "$.data.id",
                    "code": "invalid",
                    "message": "0 is less than the minimum of 1",
                },
                {
                    "field": "$.data.nights[1]",
                    "code": "invalid",
                    "message": "3 is not of type 'string'",
                },
            ],
        )
        # Nothing stored, nothing claimed: one audit line.
        self.assertFalse(self.count("integration.inbound.message"))
        self.assertFalse(self.count("integration.idempotency.key"))
        self.assertEqual(self.audit_count("validation_failed"), 1)
        # The same type, valid, is accepted; a type without a schema is not
        # checked.
        valid = {"type": "ihguard.order", "data": {"id": 4, "name": "Ada"}}
        self.assert_accepted(self.signed_post("channel", valid))
        free = {"type": "ihguard.other", "data": {"anything": True}}
        self.assert_accepted(self.signed_post("channel", free))

    def test_schema_changes_apply_to_the_next_request(self):
        payload = {"type": "ihguard.order", "data": {"id": 4, "name": "Ada"}}
        self.assert_accepted(self.signed_post("channel", payload))
        schema = dict(ORDER_SCHEMA, required=["type", "data", "sent_at"])
        self.order_type.payload_schema = json.dumps(schema)
        refused = self.signed_post("channel", payload)
        self.assertEqual(refused.status_code, 422)
        self.assertEqual(
            [d["field"] for d in refused.json()["error"]["details"]], ["$.sent_at"]
        )
        self.order_type.payload_schema = False
        self.assert_accepted(self.signed_post("channel", {"type": "ihguard.order"}))

    def test_unusable_schema_is_refused_when_saved(self):
        for text, reason in (
            ("{not json", "not JSON"),
            ('{"type": 3}', "invalid"),
            ("[1]", "object"),
        ):
            with self.subTest(text=text), self.assertRaises(ValidationError) as caught:
                self.order_type.payload_schema = text
            self.assertIn(reason, str(caught.exception))

    def test_unhandled_event_type_is_accepted_and_ignored(self):
        response = self.signed_post("channel", {"type": "ihguard.nobody"})
        message = self.assert_accepted(response)
        self.handler("ihguard.handled")(lambda env, message: "handled")
        handled = self.assert_accepted(
            self.signed_post("channel", {"type": "ihguard.handled"})
        )
        self.run_job(message)
        self.assertEqual(message.state, "ignored")
        self.assertIn("No handler", message.result)
        self.assertFalse(message.processed_at)
        self.assertEqual(handled.state, "done")
        Message = self.env["integration.inbound.message"]
        self.assertEqual(Message.search([("state", "=", "done")]), handled)
        # An operator who maps it later reprocesses it.
        self.handler("ihguard.nobody")(lambda env, message: "now handled")
        message.action_reprocess()
        self.run_job(message)
        self.assertEqual((message.state, message.result), ("done", "now handled"))

    def test_source_refusing_unhandled_event_types(self):
        self.source.unhandled_events = "refuse"
        refused = self.signed_post("channel", {"type": "ihguard.nobody"})
        self.assertEqual(refused.status_code, 422, refused.text)
        self.assertEqual(refused.json()["error"]["code"], "event_type_not_handled")
        self.assertFalse(self.count("integration.inbound.message"))
        self.assertEqual(self.audit_count("event_type_not_handled"), 1)
        # Handled by a handler of the database (the real-time sync of bookings)
        # or by an event action of the source: accepted.
        self.assert_accepted(self.signed_post("channel", {"type": "booking.updated"}))
        action = self.env["ir.actions.server"].create(
            {
                "name": "Note the delivery",
                "model_id": self.env.ref(
                    "integration_hub.model_integration_inbound_message"
                ).id,
                "state": "code",
                "code": "action = 'noted'",
            }
        )
        self.source.action_ids = [
            (0, 0, {"event_type": "ihguard.*", "action_id": action.id})
        ]
        self.assert_accepted(self.signed_post("channel", {"type": "ihguard.nobody"}))
        # Other sources keep accepting every event type.
        body = b'{"type": "ihguard.elsewhere"}'
        self.assert_accepted(self.hmac_post(body))

    def test_same_payload_serialised_differently_is_one_delivery(self):
        compact = b'{"data":{"id":7,"name":"\\u00c9mile"},"type":"booking.created"}'
        spaced = '{ "type": "booking.created",\n  "data": {"name": "Émile", "id": 7} }'
        first = self.hmac_post(compact)
        message = self.assert_accepted(first)
        self.assertEqual(message.idempotency_key, "sha256:" + canonical_sha256(compact))
        second = self.hmac_post(spaced.encode())
        self.assertEqual(second.status_code, 202, second.text)
        self.assertEqual(second.headers["Idempotent-Replayed"], "true")
        self.assertEqual(second.json(), first.json())
        self.assertEqual(self.count("integration.inbound.message"), 1)
        # Another value is another delivery.
        other = b'{"data":{"id":8,"name":"\\u00c9mile"},"type":"booking.created"}'
        self.assert_accepted(self.hmac_post(other))
        self.assertEqual(self.count("integration.inbound.message"), 2)

    def test_hmac_signature_with_or_without_its_prefix(self):
        timestamp = int(time.time())
        for n, prefix in enumerate(("sha256=", "")):
            body = json.dumps({"type": "ihguard.sig", "n": n}).encode()
            digest = hex_hmac("plain shared secret", f"{timestamp}.".encode() + body)
            with self.subTest(prefix=prefix):
                self.assert_accepted(self.hmac_post(body, prefix + digest, timestamp))
        body = b'{"type": "ihguard.sig", "n": 9}'
        wrong = hex_hmac("another secret", f"{timestamp}.".encode() + body)
        for signature in (wrong, "sha1=" + hex_hmac("plain shared secret", body)):
            response = self.hmac_post(body, signature, timestamp)
            self.assertEqual(response.status_code, 401, response.text)
            self.assertEqual(response.json()["error"]["code"], "invalid_signature")
