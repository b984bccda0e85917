# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The operators' daily flows, clicked through in headless Chromium (Odoo tours in
static/tests/tours/): each tour fails when a button or a column it uses is gone."""

import json
import os
from unittest.mock import patch

from odoo.addons.queue_job.job import Job
from odoo.tests import tagged

from .outbound_common import OutboundMixin
from .outbound_common import Receiver
from .outbound_common import Reply
from .test_inbound_processing import HandlerCase
from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import library_headers
from .tour_common import BrowserCase


@tagged("post_install", "-at_install")
class TestOutboundTours(OutboundMixin, BrowserCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()
        for code in ("booking.created", "booking.updated"):
            cls._event_type(code)

    def test_manager_creates_an_endpoint_and_sends_a_test_event(self):
        with Receiver() as receiver:
            self.run_tour(
                "/odoo/action-integration_hub.integration_endpoint_action",
                "integration_hub_endpoint_setup",
                self.manager.login,
                url=receiver.url,
            )
        endpoint = self.env["integration.endpoint"].search(
            [("name", "=", "Channel manager"), ("create_uid", "=", self.manager.id)]
        )
        self.assertEqual(
            endpoint.event_type_ids.mapped("code"),
            ["booking.created", "booking.updated"],
        )
        self.assertEqual(len(receiver.requests), 1)
        delivery = self.env["integration.delivery"].search(
            [("endpoint_id", "=", endpoint.id)]
        )
        self.assertEqual(delivery.state, "delivered")

    def test_operator_retries_what_failed_once_the_receiver_is_back(self):
        with Receiver(default=Reply(status=503)) as receiver:
            endpoint = self._new_endpoint(
                receiver.url, name="Booking engine", retry_schedule="0"
            )
            for n in range(3):
                self.env["integration.event"].emit("outbound.test", {"n": n})
            self.run_jobs()
            deliveries = self.env["integration.delivery"].search(
                [("endpoint_id", "=", endpoint.id)]
            )
            self.assertEqual(set(deliveries.mapped("state")), {"dead"})
            # The receiver is back before the operator gets there.
            receiver.default = Reply(status=200)
            self.run_tour(
                "/odoo",
                "integration_hub_delivery_retry",
                self.operator.login,
                endpoint=endpoint.name,
            )
            retried = deliveries.filtered(lambda d: d.state == "pending")
            self.assertEqual(len(retried), 1)
            self.run_jobs()
            self.assertEqual(retried.state, "delivered")
            self.run_tour(
                "/odoo/action-integration_hub.integration_endpoint_action",
                "integration_hub_delivery_retry_all",
                self.operator.login,
                endpoint=endpoint.name,
            )
            self.assertEqual(set((deliveries - retried).mapped("state")), {"pending"})
            self.run_jobs()
            self.assertEqual(set(deliveries.mapped("state")), {"delivered"})
            self.assertEqual(len(receiver.requests), 3 + 3)


@tagged("post_install", "-at_install")
class TestSyncTour(BrowserCase):
    def test_operator_resyncs_and_resolves_conflicts(self):
        with self.reference_system() as remote:
            self._resync_and_resolve(remote)

    def _resync_and_resolve(self, remote):
        backend = self.synced_backend(remote, conflicts=("B3", "B4", "B5"))
        conflicts = self.env["integration.conflict"].search(
            [("backend_id", "=", backend.id), ("state", "=", "open")]
        )
        self.assertEqual(len(conflicts), 3)

        def bound(model, external_id):
            return self.bound(backend, model, external_id)

        booking = bound("integration.booking", "B1")
        guest = bound("res.partner", "G1")
        # Sync jobs run at once, as a job runner would run them right away.
        with patch.dict(os.environ, {"QUEUE_JOB__NO_DELAY": "1"}):
            self.run_tour(
                "/odoo/action-integration_hub.integration_booking_action",
                "integration_hub_sync_resync",
                self.operator.login,
                booking=booking.name,
                guest=guest.name,
                use_remote="B3",
                keep_local="B4",
                merge="B5",
            )
        runs = self.env["integration.sync.run"].search(
            [("backend_id", "=", backend.id), ("kind", "=", "retry")]
        )
        self.assertEqual(len(runs), 2)
        self.assertEqual(set(runs.mapped("state")), {"done"})
        self.assertEqual(
            [
                bound("integration.booking", external_id).room
                for external_id in ("B3", "B4", "B5")
            ],
            ["RB3", "LB4", "RB5"],
        )
        self.assertEqual(
            conflicts.sorted("external_id").mapped("resolution"),
            ["remote", "local", "merge"],
        )


@tagged("post_install", "-at_install")
class TestInboundTour(HandlerCase, BrowserCase):
    def _process(self, message):
        """Run the message's processing job, as the job runner would."""
        Job.load(self.env, message.sudo().job_id.uuid).perform()
        self.env.invalidate_all()

    def test_operator_reprocesses_a_failed_message(self):
        outcome = {"error": "the booking engine is down"}

        @self.handler("ihtour.*")
        def handle(env, message):
            if outcome["error"]:
                raise RuntimeError(outcome["error"])
            return "booked"

        body = json.dumps({"type": "ihtour.booking", "data": {"n": 1}}).encode()
        message = self.assert_accepted(
            self.post("channel", body, library_headers(SW_SECRET, body))
        )
        self._process(message)
        self.assertEqual(message.state, "failed")
        self.run_tour(
            "/odoo/action-integration_hub.integration_inbound_message_action",
            "integration_hub_inbound_reprocess",
            self.operator.login,
            event_type="ihtour.booking",
            error=outcome["error"],
        )
        self.assertEqual(message.state, "queued")
        outcome["error"] = None
        self._process(message)
        self.assertEqual((message.state, message.result), ("done", "booked"))
