# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Writing bookings and guests over HTTP: create, replace, patch, delete with its
business rules, field-level validation, If-Match, and the write log."""

from odoo.tests import tagged

from .api_common import ApiCase


@tagged("post_install", "-at_install")
class TestApiWrites(ApiCase):
    def logs(self, response):
        return self.env["integration.api.log"].search(
            [("request_id", "=", response.headers["X-Request-Id"])]
        )

    def test_create_booking(self):
        response = self.call(
            "POST", "/api/v1/bookings", body=self.booking_document(self.ada)
        )
        self.assertEqual(response.status_code, 201, response.text)
        data = response.json()["data"]
        self.assertEqual(response.headers["Location"], f"/api/v1/bookings/{data['id']}")
        self.assertTrue(response.headers["ETag"])
        booking = self.env["integration.booking"].browse(int(data["id"]))
        self.assertEqual(booking.name, "API-1")
        self.assertEqual(booking.status, "confirmed")
        self.assertEqual(str(booking.check_out), "2026-07-05")
        self.assertEqual((booking.adults, booking.children), (2, 1))
        self.assertEqual(booking.amount, 480.5)
        self.assertEqual(booking.currency_id, self.eur)
        self.assertEqual(booking.guest_id, self.ada)
        self.assertEqual(booking.company_id, self.company_a)
        log = self.logs(response)
        self.assertEqual(log.user_id, self.user)
        self.assertEqual(
            (log.method, log.res_model, log.res_id),
            ("POST", "integration.booking", booking.id),
        )
        self.assertIn("check_in", log.changed_fields)
        self.assertIn("guest", log.changed_fields)
        self.assertEqual(log.path, "/api/v1/bookings")

    def test_create_guest_is_a_guest(self):
        document = {
            "data": {
                "type": "guest",
                "attributes": {
                    "name": "Grace",
                    "email": "grace@example.com",
                    "country_code": "be",
                },
            }
        }
        response = self.call("POST", "/api/v1/guests", body=document)
        self.assertEqual(response.status_code, 201, response.text)
        guest = self.env["res.partner"].browse(int(response.json()["data"]["id"]))
        self.assertTrue(guest.is_guest)
        self.assertEqual(guest.country_id, self.env.ref("base.be"))
        self.assertEqual(response.json()["data"]["attributes"]["country_code"], "BE")
        # The key's user rights apply: an employee outside the integration groups
        # creates nothing.
        employee_key = self._key(self.employee)
        refused = self.call("POST", "/api/v1/guests", key=employee_key, body=document)
        self.assert_error(refused, 403, "forbidden")

    def test_field_level_validation(self):
        document = self.booking_document(
            self.not_a_guest,
            check_in="01/07/2026",
            adults=-1,
            status="lost",
            currency="XXX",
            colour="red",
        )
        del document["data"]["attributes"]["reference"]
        response = self.call("POST", "/api/v1/bookings", body=document)
        error = self.assert_error(response, 422, "validation_failed")
        details = {d["field"]: d["code"] for d in error["details"]}
        self.assertEqual(
            details,
            {
                "check_in": "invalid",
                "adults": "invalid",
                "status": "invalid",
                "colour": "unknown",
                "reference": "required",
                "guest": "not_found",
            },
        )
        for detail in error["details"]:
            self.assertTrue(detail["message"])
        bad_currency = self.call(
            "POST",
            "/api/v1/bookings",
            body=self.booking_document(self.ada, currency="XXX"),
        )
        error = self.assert_error(bad_currency, 422, "validation_failed")
        self.assertEqual(error["details"][0]["field"], "currency")
        dates = self.call(
            "POST",
            "/api/v1/bookings",
            body=self.booking_document(self.ada, check_out="2026-07-01"),
        )
        error = self.assert_error(dates, 422, "validation_failed")
        self.assertEqual(error["details"][0]["field"], "check_out")
        wrong_type = self.booking_document(self.ada)
        wrong_type["data"]["type"] = "guest"
        self.assert_error(
            self.call("POST", "/api/v1/bookings", body=wrong_type),
            422,
            "validation_failed",
        )
        self.assert_error(
            self.call("POST", "/api/v1/bookings", body=[1]), 422, "validation_failed"
        )
        self.assertFalse(
            self.env["integration.booking"].search([("name", "=", "API-1")])
        )
        self.assertFalse(self.env["integration.api.log"].search([]))

    def test_patch_changes_only_what_is_given(self):
        booking = self.booking(room="1", notes="Late arrival")
        response = self.call(
            "PATCH",
            f"/api/v1/bookings/{booking.id}",
            body={
                "data": {
                    "type": "booking",
                    "id": str(booking.id),
                    "attributes": {"room": "7"},
                }
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(booking.room, "7")
        self.assertEqual(booking.notes, "Late arrival")
        self.assertEqual(response.json()["data"]["attributes"]["room"], "7")
        self.assertEqual(self.logs(response).changed_fields, "room")
        moved = self.call(
            "PATCH",
            f"/api/v1/bookings/{booking.id}",
            body={
                "data": {
                    "type": "booking",
                    "relationships": {
                        "guest": {"data": {"type": "guest", "id": str(self.bob.id)}}
                    },
                }
            },
        )
        self.assertEqual(moved.status_code, 200, moved.text)
        self.assertEqual(booking.guest_id, self.bob)
        # The model's own rule holds for a PATCH that breaks it with the stored date.
        error = self.assert_error(
            self.call(
                "PATCH",
                f"/api/v1/bookings/{booking.id}",
                body={
                    "data": {
                        "type": "booking",
                        "attributes": {"check_out": "2026-05-01"},
                    }
                },
            ),
            422,
            "validation_failed",
        )
        self.assertEqual(error["details"][0]["code"], "constraint")
        self.assertEqual(str(booking.check_out), "2026-06-04")

    def test_put_replaces_and_requires_everything(self):
        booking = self.booking(room="1", notes="x")
        response = self.call(
            "PUT",
            f"/api/v1/bookings/{booking.id}",
            body=self.booking_document(self.bob, notes=None),
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(booking.name, "API-1")
        self.assertEqual(booking.guest_id, self.bob)
        self.assertFalse(booking.notes)
        partial = self.booking_document(self.bob)
        del partial["data"]["attributes"]["room"]
        del partial["data"]["relationships"]
        error = self.assert_error(
            self.call("PUT", f"/api/v1/bookings/{booking.id}", body=partial),
            422,
            "validation_failed",
        )
        self.assertEqual(
            {(d["field"], d["code"]) for d in error["details"]},
            {("room", "required"), ("guest", "required")},
        )

    def test_if_match(self):
        booking = self.booking()
        etag = self.call("GET", f"/api/v1/bookings/{booking.id}").headers["ETag"]
        patch = {"data": {"type": "booking", "attributes": {"room": "9"}}}
        ok = self.call(
            "PATCH",
            f"/api/v1/bookings/{booking.id}",
            body=patch,
            headers={"If-Match": etag},
        )
        self.assertEqual(ok.status_code, 200, ok.text)
        self.assertNotEqual(ok.headers["ETag"], etag)
        stale = self.call(
            "PATCH",
            f"/api/v1/bookings/{booking.id}",
            body={"data": {"type": "booking", "attributes": {"room": "10"}}},
            headers={"If-Match": etag},
        )
        self.assert_error(stale, 412, "precondition_failed")
        self.assertEqual(booking.room, "9")
        self.assert_error(
            self.call(
                "DELETE", f"/api/v1/bookings/{booking.id}", headers={"If-Match": etag}
            ),
            412,
            "precondition_failed",
        )
        fresh = ok.headers["ETag"]
        self.assertEqual(
            self.call(
                "PATCH",
                f"/api/v1/bookings/{booking.id}",
                body=patch,
                headers={"If-Match": fresh},
            ).status_code,
            200,
        )

    def test_delete_booking_rules(self):
        tentative = self.booking(status="tentative")
        response = self.call(
            "DELETE", f"/api/v1/bookings/{tentative.id}", key=self.manager_key
        )
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(response.content, b"")
        self.assertFalse(tentative.exists())
        self.assertEqual(self.logs(response).res_id, tentative.id)
        self.assert_error(
            self.call(
                "DELETE", f"/api/v1/bookings/{tentative.id}", key=self.manager_key
            ),
            404,
            "not_found",
        )
        for status in ("confirmed", "checked_in"):
            booking = self.booking(status=status)
            response = self.call("DELETE", f"/api/v1/bookings/{booking.id}")
            self.assertEqual(response.status_code, 204, response.text)
            self.assertEqual(booking.status, "cancelled")
            self.assertEqual(self.logs(response).changed_fields, "status")
            again = self.call("DELETE", f"/api/v1/bookings/{booking.id}")
            self.assertEqual(again.status_code, 204)
            self.assertTrue(booking.exists())
        for status in ("checked_out", "no_show"):
            booking = self.booking(status=status)
            self.assert_error(
                self.call("DELETE", f"/api/v1/bookings/{booking.id}"), 409, "conflict"
            )
            self.assertEqual(booking.status, status)

    def test_user_rights_apply_to_deletes(self):
        # Integration Users may not delete bookings; only Managers may.
        booking = self.booking(status="tentative")
        self.assert_error(
            self.call("DELETE", f"/api/v1/bookings/{booking.id}"), 403, "forbidden"
        )
        self.assertTrue(booking.exists())

    def test_delete_guest(self):
        self.booking(guest_id=self.bob.id, company_id=self.company_b.id)
        # Bob's only booking is in company B, which this user cannot see: still kept.
        self.assert_error(
            self.call("DELETE", f"/api/v1/guests/{self.bob.id}"), 409, "conflict"
        )
        self.assertTrue(self.bob.exists())
        lonely = self.env["res.partner"].create({"name": "Lonely", "is_guest": True})
        response = self.call("DELETE", f"/api/v1/guests/{lonely.id}")
        self.assertEqual(response.status_code, 204, response.text)
        self.assertFalse(lonely.exists())

    def test_protocol_errors_on_writes(self):
        document = self.booking_document(self.ada)
        for raw, content_type, status, code in (
            (
                "reference=x",
                "application/x-www-form-urlencoded",
                415,
                "unsupported_media_type",
            ),
            ('{"data": ', "application/json", 400, "invalid_json"),
            ('{"data": NaN}', "application/json", 400, "invalid_json"),
        ):
            response = self.call(
                "POST",
                "/api/v1/bookings",
                raw=raw,
                headers={"Content-Type": content_type},
            )
            self.assert_error(response, status, code)
        huge = self.booking_document(self.ada, adults=10**30)
        self.assert_error(
            self.call("POST", "/api/v1/bookings", body=huge), 422, "validation_failed"
        )
        null_currency = self.booking_document(self.ada, currency=None)
        error = self.assert_error(
            self.call("POST", "/api/v1/bookings", body=null_currency),
            422,
            "validation_failed",
        )
        self.assertEqual(error["details"][0]["field"], "currency")
        self.assertEqual(
            self.call("POST", "/api/v1/bookings", body=document).status_code, 201
        )
