# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading bookings and guests over HTTP: the envelope, pages and their links,
filters, sort, sparse fieldsets, include, ETag and 304, gzip."""

import gzip
from datetime import date

from odoo.tests import tagged

from .api_common import ApiCase


@tagged("post_install", "-at_install")
class TestApiReads(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Booking = cls.env["integration.booking"]
        # Only this test's bookings count: earlier data is out of the way.
        Booking.search([]).unlink()
        statuses = ["tentative", "confirmed", "checked_in", "checked_out", "cancelled"]
        cls.bookings = Booking
        for day in range(1, 26):
            cls.bookings |= cls.booking(
                check_in=date(2026, 6, day),
                check_out=date(2026, 6, day + 2),
                status=statuses[day % 5],
                guest_id=(cls.ada if day % 2 else cls.bob).id,
                amount=100 + day,
            )

    def test_single_booking_envelope(self):
        booking = self.bookings[0]
        response = self.call("GET", f"/api/v1/bookings/{booking.id}")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertTrue(response.headers["X-Request-Id"])
        self.assertTrue(response.headers["ETag"])
        data = response.json()["data"]
        self.assertEqual(data["id"], str(booking.id))
        self.assertEqual(data["type"], "booking")
        self.assertEqual(
            data["relationships"],
            {"guest": {"data": {"type": "guest", "id": str(booking.guest_id.id)}}},
        )
        attributes = data["attributes"]
        self.assertEqual(attributes["reference"], booking.name)
        self.assertEqual(attributes["status"], booking.status)
        self.assertEqual(attributes["check_in"], "2026-06-01")
        self.assertEqual(attributes["check_out"], "2026-06-03")
        self.assertEqual(attributes["amount"], 101.0)
        self.assertEqual(attributes["currency"], booking.currency_id.name)
        self.assertIsNone(attributes["notes"])
        self.assertTrue(attributes["updated_at"].endswith("Z"))
        self.assertEqual(data["links"]["self"], f"/api/v1/bookings/{booking.id}")

    def test_list_envelope_and_page_links(self):
        response = self.call("GET", "/api/v1/bookings?per_page=10&page=2")
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(body["meta"], {"total": 25, "page": 2, "per_page": 10})
        self.assertEqual(
            [item["id"] for item in body["data"]],
            [str(i) for i in sorted(self.bookings.ids)[10:20]],
        )
        self.assertEqual(
            body["links"],
            {
                "self": "/api/v1/bookings?page=2&per_page=10",
                "first": "/api/v1/bookings?page=1&per_page=10",
                "prev": "/api/v1/bookings?page=1&per_page=10",
                "next": "/api/v1/bookings?page=3&per_page=10",
                "last": "/api/v1/bookings?page=3&per_page=10",
            },
        )
        first = self.call("GET", "/api/v1/bookings?page[number]=1&page[size]=20").json()
        self.assertEqual(first["meta"], {"total": 25, "page": 1, "per_page": 20})
        self.assertIsNone(first["links"]["prev"])
        last = self.call("GET", "/api/v1/bookings?page=2&per_page=20").json()
        self.assertEqual(len(last["data"]), 5)
        self.assertIsNone(last["links"]["next"])

    def test_pages_never_skip_or_repeat_under_a_sort_with_ties(self):
        # Five bookings share each status: the id breaks the ties.
        seen = []
        for page in range(1, 5):
            body = self.call(
                "GET", f"/api/v1/bookings?sort=-status&per_page=7&page={page}"
            ).json()
            seen += [item["id"] for item in body["data"]]
        self.assertEqual(
            sorted(seen, key=int), [str(i) for i in sorted(self.bookings.ids)]
        )
        self.assertEqual(len(seen), len(set(seen)))

    def test_per_page_is_capped(self):
        response = self.call("GET", "/api/v1/bookings?per_page=101")
        error = self.assert_error(response, 400, "bad_request")
        self.assertEqual(error["details"][0]["field"], "per_page")
        self.assert_error(
            self.call("GET", "/api/v1/bookings?page=0"), 400, "bad_request"
        )
        self.assert_error(
            self.call("GET", "/api/v1/bookings?page=x"), 400, "bad_request"
        )

    def test_filters(self):
        def ids(query):
            response = self.call("GET", f"/api/v1/bookings?per_page=100&{query}")
            self.assertEqual(response.status_code, 200, response.text)
            return {int(item["id"]) for item in response.json()["data"]}

        confirmed = self.bookings.filtered(lambda b: b.status == "confirmed")
        self.assertEqual(ids("status=confirmed"), set(confirmed.ids))
        both = self.bookings.filtered(lambda b: b.status in ("confirmed", "cancelled"))
        self.assertEqual(ids("filter[status]=confirmed,cancelled"), set(both.ids))
        june_10_to_12 = self.bookings.filtered(
            lambda b: date(2026, 6, 10) <= b.check_in <= date(2026, 6, 12)
        )
        self.assertEqual(len(june_10_to_12), 3)
        self.assertEqual(
            ids("check_in_from=2026-06-10&filter[check_in_to]=2026-06-12"),
            set(june_10_to_12.ids),
        )
        self.assertEqual(
            ids(f"guest={self.bob.id}"),
            set(self.bookings.filtered(lambda b: b.guest_id == self.bob).ids),
        )
        self.assertEqual(ids("updated_since=2999-01-01T00:00:00Z"), set())
        self.assertEqual(
            ids("updated_since=2000-01-01T00:00:00%2B02:00"), set(self.bookings.ids)
        )
        error = self.assert_error(
            self.call("GET", "/api/v1/bookings?status=lost&check_in_from=June"),
            400,
            "bad_request",
        )
        self.assertEqual(
            {d["field"] for d in error["details"]}, {"status", "check_in_from"}
        )

    def test_sort(self):
        body = self.call("GET", "/api/v1/bookings?sort=-check_in&per_page=3").json()
        self.assertEqual(
            [item["attributes"]["check_in"] for item in body["data"]],
            ["2026-06-25", "2026-06-24", "2026-06-23"],
        )
        self.assertIn("sort=-check_in", body["links"]["next"])
        body = self.call("GET", "/api/v1/bookings?sort=amount&per_page=1").json()
        self.assertEqual(body["data"][0]["attributes"]["amount"], 101.0)
        error = self.assert_error(
            self.call("GET", "/api/v1/bookings?sort=password"), 400, "bad_request"
        )
        self.assertEqual(error["details"][0]["code"], "unknown")

    def test_sparse_fieldsets_and_include(self):
        booking = self.bookings[0]
        body = self.call(
            "GET",
            f"/api/v1/bookings/{booking.id}?fields[booking]=status,check_in"
            "&include=guest&fields[guest]=name",
        ).json()
        self.assertEqual(set(body["data"]["attributes"]), {"status", "check_in"})
        self.assertEqual(body["data"]["relationships"], {})
        self.assertEqual(
            body["included"],
            [
                {
                    "id": str(self.ada.id),
                    "type": "guest",
                    "attributes": {"name": "Ada Lovelace"},
                    "links": {"self": f"/api/v1/guests/{self.ada.id}"},
                }
            ],
        )
        listing = self.call("GET", "/api/v1/bookings?include=guest&per_page=100").json()
        self.assertEqual(
            {item["id"] for item in listing["included"]},
            {str(self.ada.id), str(self.bob.id)},
        )
        self.assert_error(
            self.call("GET", "/api/v1/bookings?fields[booking]=secret"),
            400,
            "bad_request",
        )
        self.assert_error(
            self.call("GET", "/api/v1/bookings?include=company"), 400, "bad_request"
        )

    def test_guests_are_partners_flagged_as_guests(self):
        body = self.call("GET", "/api/v1/guests?per_page=100&sort=name").json()
        names = [item["attributes"]["name"] for item in body["data"]]
        self.assertIn("Ada Lovelace", names)
        self.assertNotIn("Supplier Ltd", names)
        self.assertEqual(names, sorted(names))
        ada = self.call("GET", f"/api/v1/guests/{self.ada.id}").json()["data"]
        self.assertEqual(ada["attributes"]["email"], "ada.lovelace@api.test")
        self.assertNotIn("relationships", ada)
        only_ada = self.call(
            "GET", "/api/v1/guests?filter[email]=ADA.Lovelace@API.test"
        ).json()
        self.assertEqual([item["id"] for item in only_ada["data"]], [str(self.ada.id)])
        self.assert_error(
            self.call("GET", f"/api/v1/guests/{self.not_a_guest.id}"), 404, "not_found"
        )

    def test_etag_and_if_none_match(self):
        booking = self.bookings[0]
        first = self.call("GET", f"/api/v1/bookings/{booking.id}")
        etag = first.headers["ETag"]
        again = self.call(
            "GET", f"/api/v1/bookings/{booking.id}", headers={"If-None-Match": etag}
        )
        self.assertEqual(again.status_code, 304)
        self.assertEqual(again.content, b"")
        self.assertEqual(again.headers["ETag"], etag)
        booking.room = "Suite"
        changed = self.call(
            "GET", f"/api/v1/bookings/{booking.id}", headers={"If-None-Match": etag}
        )
        self.assertEqual(changed.status_code, 200)
        self.assertNotEqual(changed.headers["ETag"], etag)
        listing = self.call("GET", "/api/v1/bookings")
        self.assertEqual(
            self.call(
                "GET",
                "/api/v1/bookings",
                headers={"If-None-Match": listing.headers["ETag"]},
            ).status_code,
            304,
        )

    def test_gzip_when_accepted_and_large(self):
        response = self.call(
            "GET", "/api/v1/bookings?per_page=25", headers={"Accept-Encoding": "gzip"}
        )
        self.assertEqual(response.headers["Content-Encoding"], "gzip")
        self.assertEqual(len(response.json()["data"]), 25)  # requests inflates it
        raw = self.call(
            "GET",
            "/api/v1/bookings?per_page=25",
            headers={"Accept-Encoding": "identity"},
        )
        self.assertNotIn("Content-Encoding", raw.headers)
        self.assertEqual(raw.json(), response.json() | {"links": raw.json()["links"]})
        small = self.call(
            "GET", "/api/v1/guests?per_page=1", headers={"Accept-Encoding": "gzip"}
        )
        self.assertNotIn("Content-Encoding", small.headers)
        self.assertTrue(gzip.compress(raw.content))
