# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One record on the ``integration_hub.events`` logger per delivery attempt,
inbound message received and processed, REST API write and sync run: one JSON
object each, with the request id, the record ids, the outcome and the duration
a log shipper indexes. The logger is captured; the records are parsed back."""

import json
import logging

from odoo.addons.queue_job.job import Job
from odoo.tests import HttpCase
from odoo.tests import TransactionCase
from odoo.tests import tagged

from ..tools import event_log
from .api_common import ApiCase
from .outbound_common import OutboundMixin
from .outbound_common import Receiver
from .outbound_common import Reply
from .sync_common import SyncCase
from .test_inbound_processing import HandlerCase
from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import library_headers

COMMON_KEYS = {"event", "outcome", "duration_ms", "request_id"}


class EventLogMixin:
    def capture(self):
        """A context capturing ``integration_hub.events``; ``records(event)``
        of it gives the parsed objects of that event, in order."""
        return self.assertLogs(event_log.LOGGER_NAME, logging.INFO)

    def records(self, captured, event):
        documents = []
        for record in captured.records:
            document = json.loads(record.getMessage())
            self.assertLessEqual(COMMON_KEYS, set(document))
            self.assertEqual(record.integration_event, document)
            if document["event"] == event:
                documents.append(document)
        return documents


@tagged("post_install", "-at_install")
class TestDeliveryAttemptEvents(EventLogMixin, OutboundMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()

    def test_one_record_per_attempt(self):
        with Receiver() as receiver, self.capture() as captured:
            endpoint = self._new_endpoint(receiver.url)
            receiver.secret = endpoint.secret
            receiver.replies.append(Reply(500, body=b"boom"))
            event = self.env["integration.event"].emit(
                "outbound.test", payload={"booking": 42}
            )
            self.run_jobs()
            delivery = event.delivery_ids
            self.make_due(delivery)
            self.run_jobs()
        self.assertEqual(delivery.state, "delivered")
        first, second = self.records(captured, event_log.DELIVERY_ATTEMPT)
        common = {
            "event": "delivery.attempt",
            "request_id": event.uid,
            "delivery_id": delivery.id,
            "endpoint_id": endpoint.id,
            "event_id": event.id,
        }
        self.assertEqual(
            {k: first[k] for k in common}, common, "the same ids on each attempt"
        )
        self.assertEqual({k: second[k] for k in common}, common)
        self.assertEqual(
            (first["attempt"], first["outcome"], first["status_code"], first["state"]),
            (1, "retry", 500, "pending"),
        )
        self.assertEqual(
            (second["attempt"], second["outcome"], second["status_code"]),
            (2, "delivered", 200),
        )
        self.assertEqual(second["state"], "delivered")
        attempts = delivery.attempt_ids.sorted("attempt_number")
        self.assertEqual(
            [first["duration_ms"], second["duration_ms"]],
            attempts.mapped("duration_ms"),
        )


@tagged("post_install", "-at_install")
class TestInboundEvents(EventLogMixin, HandlerCase):
    def test_received_and_processed(self):
        self.handler("ihtest.created")(lambda env, message: "stored")
        body = json.dumps({"type": "ihtest.created", "data": {"id": 7}}).encode()
        headers = {**library_headers(SW_SECRET, body), "X-Request-Id": "req-ops-0001"}
        with self.capture() as captured:
            message = self.assert_accepted(self.post("channel", body, headers))
            # The same delivery again: answered as the first, logged as such.
            self.assertEqual(self.post("channel", body, headers).status_code, 202)
            self.assertEqual(self.post("channel", body, {}).status_code, 400)
            Job.load(self.env, message.sudo().job_id.uuid).perform()
        accepted, replayed, refused = self.records(captured, event_log.INBOUND_RECEIVED)
        self.assertEqual(
            {k: accepted[k] for k in ("outcome", "request_id", "source", "status")},
            {
                "outcome": "accepted",
                "request_id": "req-ops-0001",
                "source": "channel",
                "status": 202,
            },
        )
        self.assertEqual(int(accepted["message_id"]), message.id)
        self.assertIsInstance(accepted["duration_ms"], int)
        self.assertEqual(replayed["outcome"], "replayed")
        self.assertEqual(int(replayed["message_id"]), message.id)
        self.assertEqual(
            (refused["outcome"], refused["status"], refused["message_id"]),
            ("missing_header", 400, None),
        )
        [processed] = self.records(captured, event_log.INBOUND_PROCESSED)
        self.assertEqual(
            {k: processed[k] for k in ("outcome", "request_id", "message_id")},
            {
                "outcome": "processed",
                "request_id": "req-ops-0001",
                "message_id": message.id,
            },
        )
        self.assertEqual(processed["event_type"], "ihtest.created")
        self.assertIsInstance(processed["duration_ms"], int)

    def test_failed_processing(self):
        def fail(env, message):
            raise ValueError("no room 12")

        self.handler("ihtest.created")(fail)
        body = json.dumps({"type": "ihtest.created", "data": {"id": 8}}).encode()
        message = self.assert_accepted(
            self.post("channel", body, library_headers(SW_SECRET, body))
        )
        with self.capture() as captured:
            Job.load(self.env, message.sudo().job_id.uuid).perform()
        [failed] = self.records(captured, event_log.INBOUND_PROCESSED)
        self.assertEqual(
            (failed["outcome"], failed["message_id"], failed["error_class"]),
            ("failed", message.id, "ValueError"),
        )


@tagged("post_install", "-at_install")
class TestApiWriteEvents(EventLogMixin, ApiCase):
    def test_writes_and_refused_writes(self):
        document = self.booking_document(self.ada)
        with self.capture() as captured:
            created = self.call(
                "POST",
                "/api/v1/bookings",
                body=document,
                headers={"X-Request-Id": "req-ops-write-1"},
            )
            self.assertEqual(created.status_code, 201, created.text)
            booking_id = int(created.json()["data"]["id"])
            refused = self.call(
                "PATCH",
                f"/api/v1/bookings/{booking_id}",
                body={"data": {"type": "booking", "id": "x", "attributes": {}}},
            )
            self.assertGreaterEqual(refused.status_code, 400)
            reading = self.call("GET", f"/api/v1/bookings/{booking_id}")
            self.assertEqual(reading.status_code, 200)
        written, refusal = self.records(captured, event_log.API_WRITE)
        self.assertEqual(
            {
                k: written[k]
                for k in ("outcome", "request_id", "method", "record_id", "status")
            },
            {
                "outcome": "written",
                "request_id": "req-ops-write-1",
                "method": "POST",
                "record_id": booking_id,
                "status": 201,
            },
        )
        self.assertEqual(written["path"], "/api/v1/bookings")
        self.assertIsInstance(written["duration_ms"], int)
        self.assertEqual(
            (refusal["method"], refusal["record_id"], refusal["status"]),
            ("PATCH", booking_id, refused.status_code),
        )
        self.assertEqual(refusal["outcome"], refused.json()["error"]["code"])
        self.assertEqual(refusal["request_id"], refused.headers["X-Request-Id"])


@tagged("post_install", "-at_install")
class TestSyncRunEvents(EventLogMixin, SyncCase):
    BOOKINGS = 3
    GUESTS = 2

    def test_one_record_per_run(self):
        with self.capture() as captured:
            run = self.full_sync()
        self.assertEqual(run.state, "done")
        [record] = self.records(captured, event_log.SYNC_RUN)
        self.assertEqual(
            {
                k: record[k]
                for k in ("outcome", "run_id", "backend_id", "kind", "created_count")
            },
            {
                "outcome": "done",
                "run_id": run.id,
                "backend_id": self.backend.id,
                "kind": "full",
                "created_count": 5,
            },
        )
        self.assertEqual(record["error_count"], 0)
        self.assertGreaterEqual(record["duration_ms"], 0)


@tagged("post_install", "-at_install")
class TestJsonFormatter(EventLogMixin, TransactionCase):
    def test_formats_the_object_alone(self):
        with self.capture() as captured:
            event_log.log_event(event_log.SYNC_RUN, "done", 12, "job-1", run_id=3)
        [record] = captured.records
        line = json.loads(event_log.JsonFormatter().format(record))
        self.assertEqual(
            {k: line[k] for k in ("event", "outcome", "duration_ms", "run_id")},
            {"event": "sync.run", "outcome": "done", "duration_ms": 12, "run_id": 3},
        )
        self.assertEqual(line["level"], "INFO")
        self.assertTrue(line["time"].endswith("Z"))
