# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The REST API answers as its served OpenAPI document says, in each case where
schemathesis (every check, every phase) once found them disagreeing."""

from odoo.tests import tagged

from .api_common import ApiCase


@tagged("post_install", "-at_install")
class TestApiDocumentTruth(ApiCase):
    def test_path_odoo_cannot_route_answers_in_the_envelope(self):
        # A newline in a segment: Werkzeug's rules match no route, so Odoo
        # refuses the request before the fastapi app runs.
        response = self.call("PATCH", "/api/v1/bookings/1%0A2", body={})
        self.assert_error(response, 404, "not_found")
        self.assert_error(self.call("GET", "/api/v1/guests/%0A"), 404, "not_found")

    def test_answers_agree_with_the_document(self):
        """Each disagreement schemathesis once found, answered as documented."""
        booking = self.booking(status="confirmed")
        # Every page alias is checked, not only the one that wins.
        refused = self.call("GET", "/api/v1/bookings?per_page=1&page[size]=101")
        self.assert_error(refused, 400, "bad_request")
        # A record id has at most 10 digits, in a filter as in a path.
        refused = self.call("GET", "/api/v1/bookings?guest=12345678901")
        self.assert_error(refused, 400, "bad_request")
        listing = self.call("GET", "/api/v1/bookings?guest=9999999999")
        self.assertEqual(listing.json()["data"], [])
        # Spaces around an entity tag list are no part of it (RFC 9110).
        current = self.call("GET", f"/api/v1/bookings/{booking.id}")
        patched = self.call(
            "PATCH",
            f"/api/v1/bookings/{booking.id}",
            body={"data": {"type": "booking", "attributes": {"room": "7"}}},
            headers={"If-Match": f"{current.headers['ETag']}\t "},
        )
        self.assertEqual(patched.status_code, 200, patched.text)
        # Text without NUL, as the document's pattern says; an empty code is none.
        document = self.call("GET", "/api/v1/openapi.json").json()
        create = document["paths"]["/api/v1/guests"]["post"]["requestBody"]
        attributes = create["content"]["application/json"]["schema"]["properties"][
            "data"
        ]["properties"]["attributes"]["properties"]
        self.assertEqual(attributes["name"]["pattern"], "^[^\\x00]*$")
        self.assertNotIn("minLength", attributes["country_code"])
        refused = self.call(
            "POST",
            "/api/v1/guests",
            body={"data": {"type": "guest", "attributes": {"name": "A\x00B"}}},
        )
        self.assert_error(refused, 400, "bad_request")
        created = self.call(
            "POST",
            "/api/v1/guests",
            body={
                "data": {
                    "type": "guest",
                    "attributes": {"name": "No Country", "country_code": ""},
                }
            },
        )
        self.assertEqual(created.status_code, 201, created.text)
        self.assertIsNone(created.json()["data"]["attributes"]["country_code"])
