# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A declared model announces its records to endpoints on create and write."""

import json

from odoo.tests import TransactionCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestRoomsEvents(TransactionCase):
    def events(self, code, room):
        return self.env["integration.event"].search(
            [
                ("event_type_id.code", "=", code),
                ("res_model", "=", "integration.room"),
                ("res_id", "=", room.id),
            ]
        )

    def test_create_and_write_are_announced(self):
        room = self.env["integration.room"].create(
            {"number": "301", "name": "Corner", "capacity": 3, "rate": 120.0}
        )
        created = self.events("room.created", room)
        self.assertEqual(len(created), 1)
        data = json.loads(created.payload)["data"]
        self.assertEqual((data["type"], data["id"]), ("room", str(room.id)))
        self.assertEqual(
            {k: v for k, v in data["attributes"].items() if k != "updated_at"},
            {"number": "301", "name": "Corner", "capacity": 3, "rate": 120.0},
        )
        room.write({"capacity": 4})
        updated = self.events("room.updated", room)
        self.assertEqual(len(updated), 1)
        self.assertEqual(
            json.loads(updated.payload)["data"]["attributes"]["capacity"], 4
        )

    def test_subscribed_endpoint_gets_a_delivery(self):
        # A receiver on loopback, allow-listed explicitly (nothing is sent: the
        # test never commits).
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("integration_hub.allowed_networks", "127.0.0.1")
        params.set_param("integration_hub.allow_http", "True")
        endpoint = self.env["integration.endpoint"].create(
            {
                "name": "Rooms receiver",
                "url": "http://127.0.0.1:9/rooms",
                "event_type_ids": [
                    (
                        6,
                        0,
                        self.env.ref(
                            "integration_hub_rooms.event_type_room_updated"
                        ).ids,
                    )
                ],
            }
        )
        room = self.env["integration.room"].create({"number": "302"})
        room.rate = 80.0
        event = self.events("room.updated", room)
        self.assertEqual(event.delivery_ids.endpoint_id, endpoint)
        self.assertFalse(self.events("room.created", room).delivery_ids)
