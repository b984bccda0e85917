# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A model another addon declares is served by the REST API: list, get, create
and update at /api/v1/rooms, described in the served OpenAPI document."""

from odoo.addons.integration_hub.tests.api_common import ApiCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestRoomsApi(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Room = cls.env["integration.room"]
        cls.room = Room.create({"number": "101", "name": "Sea view", "capacity": 2})
        Room.create({"number": "102", "capacity": 4, "rate": 140.0})

    def test_list_and_get(self):
        answer = self.call("GET", "/api/v1/rooms?sort=number")
        self.assertEqual(answer.status_code, 200)
        body = answer.json()
        self.assertEqual(
            [r["attributes"]["number"] for r in body["data"]], ["101", "102"]
        )
        self.assertEqual(body["meta"]["total"], 2)
        answer = self.call("GET", f"/api/v1/rooms/{self.room.id}")
        self.assertEqual(answer.status_code, 200)
        data = answer.json()["data"]
        self.assertEqual((data["type"], data["id"]), ("room", str(self.room.id)))
        self.assertEqual(data["attributes"]["name"], "Sea view")

    def test_create_and_update(self):
        body = {"data": {"type": "room", "attributes": {"number": "201", "rate": 95}}}
        answer = self.call("POST", "/api/v1/rooms", body=body)
        self.assertEqual(answer.status_code, 201, answer.text)
        room = self.env["integration.room"].browse(int(answer.json()["data"]["id"]))
        self.assertEqual((room.number, room.capacity, room.rate), ("201", 1, 95.0))
        body = {
            "data": {"type": "room", "id": str(room.id), "attributes": {"capacity": 3}}
        }
        answer = self.call("PATCH", f"/api/v1/rooms/{room.id}", body=body)
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertEqual(room.capacity, 3)
        # The declaration's parser refuses what the room cannot hold.
        body = {
            "data": {"type": "room", "attributes": {"number": "202", "capacity": 0}}
        }
        answer = self.call("POST", "/api/v1/rooms", body=body)
        self.assertEqual(answer.status_code, 422, answer.text)

    def test_openapi_document_describes_rooms(self):
        document = self.call("GET", "/api/v1/openapi.json").json()
        self.assertIn("/api/v1/rooms", document["paths"])
        self.assertIn("/api/v1/rooms/{id}", document["paths"])
        text = str(document["components"])
        for attribute in ("number", "capacity", "rate"):
            self.assertIn(f"'{attribute}'", text)
