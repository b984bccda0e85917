# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Each receiver behaviour ends in the documented delivery state, with an
attempt per request and signatures a standardwebhooks receiver accepts."""

import time
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase
from odoo.tests import new_test_user
from odoo.tests import tagged

from ..models.outbound.integration_endpoint_sending import SENDER_LOCK_NAMESPACE
from .outbound_common import OutboundMixin
from .outbound_common import Receiver
from .outbound_common import Reply


@tagged("post_install", "-at_install")
class TestDeliveryOutcomes(OutboundMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()

    def _deliver(self, receiver, replies=(), **endpoint_values):
        endpoint = self._new_endpoint(receiver.url, **endpoint_values)
        receiver.secret = endpoint.secret
        receiver.replies.extend(replies)
        event = self.env["integration.event"].emit(
            "outbound.test", payload={"booking": 42}
        )
        self.run_jobs()
        return endpoint, event.delivery_ids

    def test_200_delivered_and_verified(self):
        with Receiver() as receiver:
            endpoint, delivery = self._deliver(receiver)
        self.assertEqual(delivery.state, "delivered")
        self.assertEqual(delivery.attempt_count, 1)
        self.assertTrue(delivery.delivered_at)
        [request] = receiver.requests
        self.assertTrue(request["verified"], "standardwebhooks rejected the request")
        body = request["json"]
        self.assertEqual(set(body), {"id", "type", "timestamp", "data"})
        self.assertEqual(body["data"], {"booking": 42})
        self.assertEqual(request["headers"]["webhook-id"], delivery.event_id.uid)
        attempt = delivery.attempt_ids
        self.assertEqual((attempt.status_code, attempt.outcome), (200, "delivered"))
        self.assertEqual(attempt.endpoint_id, endpoint)
        self.assertEqual(attempt.response_body, "ok")
        self.assertNotIn(endpoint.secret, attempt.request_headers)
        self.assertIn("v1,********", attempt.request_headers)

    def test_500_then_200_retries_with_same_message_id(self):
        with Receiver() as receiver:
            _endpoint, delivery = self._deliver(receiver, [Reply(500, body=b"boom")])
            self.assertEqual(delivery.state, "pending")
            self.assertEqual(delivery.last_status_code, 500)
            # Second entry of the schedule: 60 s after the first attempt.
            first = delivery.attempt_ids
            self.assertAlmostEqual(
                delivery.next_attempt_at,
                first.attempted_at + timedelta(seconds=60),
                delta=timedelta(seconds=2),
            )
            self.make_due(delivery)
            self.run_jobs()
        self.assertEqual(delivery.state, "delivered")
        attempts = delivery.attempt_ids.sorted("attempt_number")
        self.assertEqual(attempts.mapped("outcome"), ["retry", "delivered"])
        ids = {r["headers"]["webhook-id"] for r in receiver.requests}
        self.assertEqual(ids, {delivery.event_id.uid})
        self.assertTrue(all(r["verified"] for r in receiver.requests))

    def test_schedule_exhausted_is_dead(self):
        with Receiver(default=Reply(503)) as receiver:
            _endpoint, delivery = self._deliver(
                receiver, retry_schedule="0, 0, 0", circuit_failure_threshold=10
            )
            for _attempt in range(2):
                self.make_due(delivery)
                self.run_jobs()
        self.assertEqual(delivery.state, "dead")
        self.assertEqual(delivery.attempt_count, 3)
        self.assertEqual(len(receiver.requests), 3)

    def test_connection_refused_is_retried(self):
        with Receiver() as receiver:
            url = receiver.url
        # The receiver is closed: its port refuses connections.
        endpoint = self._new_endpoint(url)
        delivery = self.env["integration.event"].emit("outbound.test").delivery_ids
        self.run_jobs()
        self.assertEqual(delivery.state, "pending")
        attempt = delivery.attempt_ids
        self.assertEqual((attempt.status_code, attempt.outcome), (0, "retry"))
        self.assertEqual(attempt.error_class, "ConnectionError")
        self.assertTrue(delivery.next_attempt_at > fields.Datetime.now())
        self.assertEqual(endpoint.state, "active")

    def test_429_retry_after_is_honoured(self):
        with Receiver() as receiver:
            _endpoint, delivery = self._deliver(
                receiver,
                [Reply(429, headers={"Retry-After": "120"})],
                retry_schedule="0, 5, 5",
            )
        self.assertEqual(delivery.state, "pending")
        self.assertAlmostEqual(
            delivery.next_attempt_at,
            delivery.attempt_ids.attempted_at + timedelta(seconds=120),
            delta=timedelta(seconds=2),
        )

    def test_410_disables_endpoint_and_keeps_deliveries(self):
        with Receiver() as receiver:
            endpoint = self._new_endpoint(receiver.url, max_concurrency=1)
            receiver.replies.append(Reply(410))
            Event = self.env["integration.event"]
            delivery = Event.emit("outbound.test").delivery_ids
            other = Event.emit("outbound.test").delivery_ids
            self.run_jobs()
            self.assertEqual(endpoint.state, "disabled")
            self.assertEqual(delivery.state, "pending")
            self.assertEqual(other.state, "pending")
            self.assertFalse(other.attempt_ids, "a disabled endpoint must not send")
            self.assertTrue(
                any("HTTP 410" in str(m.body) for m in endpoint.message_ids)
            )
            # Enabled again, both kept deliveries go out.
            endpoint.action_activate()
            self.run_jobs()
        self.assertEqual((delivery + other).mapped("state"), ["delivered"] * 2)

    def test_400_fails_without_retry(self):
        with Receiver() as receiver:
            _endpoint, delivery = self._deliver(receiver, [Reply(400, body=b"bad")])
        self.assertEqual(delivery.state, "failed")
        self.assertFalse(delivery.next_attempt_at)
        self.assertEqual(len(receiver.requests), 1)
        self.assertEqual(delivery.attempt_ids.response_body, "bad")

    def test_huge_body_is_not_read(self):
        fifty_mb = 50 * 1024 * 1024
        with Receiver(default=Reply(200, body_size=fifty_mb)) as receiver:
            started = time.monotonic()
            _endpoint, delivery = self._deliver(receiver)
            elapsed = time.monotonic() - started
        self.assertEqual(delivery.state, "delivered")
        self.assertEqual(len(delivery.attempt_ids.response_body), 2048)
        self.assertLess(elapsed, 5, "the 50 MB body must not be read whole")

    def test_timeout_is_retried(self):
        # Odoo's test mode raises any requests timeout to 10 s: the receiver
        # answers after 12 s.
        with Receiver(default=Reply(200, delay=12)) as receiver:
            _endpoint, delivery = self._deliver(receiver, timeout=1)
        attempt = delivery.attempt_ids
        self.assertEqual(delivery.state, "pending")
        self.assertEqual((attempt.status_code, attempt.outcome), (0, "retry"))
        self.assertEqual(attempt.error_class, "ReadTimeout")

    def test_one_job_sends_a_batch_within_the_concurrency(self):
        with Receiver(default=Reply(200, delay=0.05)) as receiver:
            endpoint = self._new_endpoint(receiver.url, max_concurrency=2)
            Event = self.env["integration.event"]
            deliveries = self.env["integration.delivery"]
            for number in range(20):
                deliveries |= Event.emit("outbound.test", {"n": number}).delivery_ids
            self.assertEqual(self.run_jobs(), 1)
        self.assertEqual(set(deliveries.mapped("state")), {"delivered"})
        self.assertEqual(len(receiver.requests), 20)
        self.assertEqual(receiver.max_in_flight, 2)
        self.assertEqual(endpoint.success_rate_24h, 100.0)

    def test_event_emitted_by_any_user_is_delivered(self):
        clerk = new_test_user(self.env, login="ih_out_clerk", groups="base.group_user")
        with Receiver() as receiver:
            self._new_endpoint(receiver.url)
            Event = self.env["integration.event"].with_user(clerk)
            delivery = Event.emit("outbound.test", {"by": "clerk"}).sudo().delivery_ids
            self.run_jobs()
        self.assertEqual(delivery.state, "delivered")
        self.assertEqual(len(receiver.requests), 1)

    def test_crash_safe_sending_records_each_attempt(self):
        # Settings > Crash-safe sending: the job sends on a cursor of its own,
        # committing each attempt, under a session lock it gives back.
        self.env["ir.config_parameter"].sudo().set_param(
            "integration_hub.record_each_attempt", "True"
        )
        with Receiver(default=Reply(200)) as receiver:
            endpoint = self._new_endpoint(receiver.url, max_concurrency=1)
            receiver.replies.append(Reply(503))
            Event = self.env["integration.event"]
            deliveries = self.env["integration.delivery"]
            for number in range(4):
                deliveries |= Event.emit("outbound.test", {"n": number}).delivery_ids
            self.assertEqual(self.run_jobs(), 1)
        self.assertEqual(len(receiver.requests), 4)
        self.env.invalidate_all()  # written by the job's own cursor
        self.assertEqual(
            sorted(deliveries.mapped("state")),
            ["delivered", "delivered", "delivered", "pending"],
        )
        self.assertEqual(
            sorted(deliveries.attempt_ids.mapped("status_code")), [200, 200, 200, 503]
        )
        self.env.cr.execute(
            """SELECT count(*) FROM pg_locks
                WHERE locktype = 'advisory' AND classid = %s AND objid = %s""",
            (SENDER_LOCK_NAMESPACE, endpoint.id),
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "the sender lock is given back")
