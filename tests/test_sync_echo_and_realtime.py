# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the sync writes is not pushed back to where it came from, but is still
announced to endpoints; Odoo's own edits are pushed to two-way backends; inbound
booking and guest webhooks go through the same upsert."""

import json

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.tests import tagged

from .sync_common import SyncCase


@tagged("post_install", "-at_install")
class TestSyncEchoAndRealtime(SyncCase):
    def setUp(self):
        super().setUp()
        self.backend.direction = "two_way"
        self.full_sync()

    def patches(self):
        return sum(
            count
            for route, count in self.remote.stats()["requests_by_route"].items()
            if route.startswith("PATCH")
        )

    def events(self, code, record):
        return self.env["integration.event"].search(
            [
                ("event_type_id.code", "=", code),
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
            ]
        )

    def test_sync_writes_are_not_echoed_but_are_announced(self):
        booking = self.bound("integration.booking", "B2")
        self.assertTrue(self.events("booking.created", booking))
        self.assertTrue(self.events("guest.created", booking.guest_id))
        self.remote.touch("booking", ["B2"], {"status": "cancelled"})
        run = self.delta_sync()
        self.assertEqual(run.updated_count, 1)
        self.assertEqual(booking.status, "cancelled")
        self.assertEqual(self.patches(), 0)
        event = self.events("booking.cancelled", booking)
        self.assertEqual(len(event), 1)
        data = json.loads(event.payload)["data"]
        self.assertEqual(data["type"], "booking")
        self.assertEqual(data["attributes"]["status"], "cancelled")
        self.assertEqual(
            data["relationships"]["guest"]["data"]["id"], str(booking.guest_id.id)
        )

    def test_odoo_edits_are_pushed_to_two_way_backends(self):
        booking = self.bound("integration.booking", "B6")
        booking.write({"room": "808", "adults": 4})
        self.assertEqual(self.patches(), 1)
        remote = self.remote.resource("booking", "B6")["attributes"]
        self.assertEqual((remote["room"], remote["adults"]), ("808", 4))
        binding = self.binding("integration.booking", "B6")
        self.assertEqual(binding.remote_updated_at, remote["updated_at"])
        self.assertTrue(self.events("booking.updated", booking))
        guest = self.bound("res.partner", "G3")
        guest.city = "Namur"
        self.assertEqual(
            self.remote.resource("guest", "G3")["attributes"]["city"], "Namur"
        )
        # The pushed versions come back in the next delta as unchanged.
        run = self.delta_sync()
        self.assertEqual((run.updated_count, run.conflict_count), (0, 0))
        self.assertEqual(self.patches(), 2)

    def test_pull_only_backends_are_not_written(self):
        self.backend.direction = "pull"
        self.bound("integration.booking", "B6").room = "999"
        self.assertEqual(self.patches(), 0)

    def _message(self, event_type, data):
        source = self.env["integration.inbound.source"].create(
            {"name": "PMS webhooks", "slug": "pms-sync-test"}
        )
        self.backend.inbound_source_id = source
        return self.env["integration.inbound.message"].create(
            {
                "source_id": source.id,
                "company_id": source.company_id.id or self.env.company.id,
                "event_type": event_type,
                "body": json.dumps({"type": event_type, "data": data}),
            }
        )

    def test_inbound_event_upserts_through_the_sync(self):
        resource = self.remote.touch("booking", ["B8"], {"room": "42"})[0]
        message = self._message("booking.updated", resource)
        message._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.bound("integration.booking", "B8").room, "42")
        self.assertEqual(self.patches(), 0)

    def test_thin_inbound_event_reads_the_resource(self):
        self.remote.touch("guest", ["G5"], {"phone": "+32 1234"})
        message = self._message("guest.updated", {"id": "G5", "type": "guest"})
        message._process()
        self.assertEqual(self.bound("res.partner", "G5").phone, "+32 1234")

    def test_bad_inbound_resource_fails_the_message(self):
        resource = self.remote.resource("booking", "B9")
        resource["attributes"]["check_out"] = "1999-01-01"
        message = self._message("booking.updated", resource)
        booking = self.bound("integration.booking", "B9")
        check_out = booking.check_out
        with self.assertRaisesRegex(RetryableJobError, "check_out: must be after"):
            message._process()
        booking.invalidate_recordset()
        self.assertEqual(booking.check_out, check_out)
