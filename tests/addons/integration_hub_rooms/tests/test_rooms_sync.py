# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A model another addon declares is synced like bookings and guests: full and
delta sync, push to two-way backends, real-time webhooks."""

import json

from odoo.addons.integration_hub.tests.sync_common import SyncCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestRoomsSync(SyncCase):
    BOOKINGS = 0
    GUESTS = 0
    ROOMS = 12

    def room(self, external_id):
        return self.bound("integration.room", external_id)

    def test_full_sync_imports_every_room(self):
        run = self.full_sync()
        self.assertEqual(
            (run.state, run.created_count, run.error_count), ("done", 12, 0)
        )
        # Two pages of ten: the page size of the backend holds for rooms too.
        self.assertEqual(run.pages_total, 2)
        remote = self.remote.resource("room", "R3")["attributes"]
        room = self.room("R3")
        self.assertEqual(
            (room.number, room.name, room.capacity, room.rate),
            (remote["number"], remote["name"], remote["capacity"], remote["rate"]),
        )
        self.assertEqual(room.company_id, self.backend.company_id)
        self.assertEqual(self.binding("integration.room", "R3").state, "synced")
        # A second full sync finds nothing to write.
        run = self.full_sync()
        self.assertEqual((run.created_count, run.unchanged_count), (0, 12))

    def test_delta_sync_fetches_only_changed_rooms(self):
        self.full_sync()
        self.remote.touch("room", ["R4"], {"capacity": 5, "rate": 250.5})
        before = self.remote.stats()["requests"]["/rooms"]
        run = self.delta_sync()
        self.assertEqual((run.state, run.updated_count), ("done", 1))
        self.assertEqual((self.room("R4").capacity, self.room("R4").rate), (5, 250.5))
        # One count and one page of changes.
        self.assertEqual(self.remote.stats()["requests"]["/rooms"] - before, 2)
        self.assertEqual(
            self.backend.delta_cursor,
            self.remote.resource("room", "R4")["attributes"]["updated_at"],
        )

    def test_bad_remote_room_fails_alone(self):
        self.remote.touch("room", ["R2"], {"capacity": 0})
        run = self.full_sync()
        self.assertEqual((run.created_count, run.error_count), (11, 1))
        binding = self.binding("integration.room", "R2")
        self.assertEqual(binding.state, "error")
        self.assertIn("capacity: must be an integer >= 1", binding.last_error)

    def test_odoo_edits_are_pushed_to_two_way_backends(self):
        self.backend.direction = "two_way"
        self.full_sync()
        self.room("R5").write({"rate": 99.9, "name": "Garden suite"})
        remote = self.remote.resource("room", "R5")["attributes"]
        self.assertEqual((remote["rate"], remote["name"]), (99.9, "Garden suite"))
        self.assertEqual(
            self.binding("integration.room", "R5").remote_updated_at,
            remote["updated_at"],
        )
        # What came from the remote is not pushed back to it.
        self.remote.touch("room", ["R6"], {"capacity": 2})
        self.delta_sync()
        patches = self.remote.stats()["requests_by_route"]
        self.assertEqual(patches.get("PATCH /rooms/R6", 0), 0)
        self.assertEqual(patches["PATCH /rooms/R5"], 1)

    def test_room_webhook_upserts_through_the_sync(self):
        self.full_sync()
        source = self.env["integration.inbound.source"].create(
            {"name": "PMS webhooks", "slug": "pms-rooms-test"}
        )
        self.backend.inbound_source_id = source
        resource = self.remote.touch("room", ["R7"], {"name": "Tower room"})[0]
        message = self.env["integration.inbound.message"].create(
            {
                "source_id": source.id,
                "company_id": source.company_id.id or self.env.company.id,
                "event_type": "room.updated",
                "body": json.dumps({"type": "room.updated", "data": resource}),
            }
        )
        message._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.room("R7").name, "Tower room")
