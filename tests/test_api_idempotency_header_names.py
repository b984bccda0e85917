# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Idempotency as clients send it: ``X-Idempotency-Key`` means what
``Idempotency-Key`` means, the two are one key, and the OpenAPI document says
so."""

from odoo.tests import tagged

from .api_common import ApiCase


@tagged("post_install", "-at_install")
class TestApiIdempotencyHeaderNames(ApiCase):
    def post(self, reference, headers):
        return self.call(
            "POST",
            "/api/v1/bookings",
            body=self.booking_document(self.ada, reference=reference),
            headers=headers,
        )

    def count(self, reference):
        return self.env["integration.booking"].search_count([("name", "=", reference)])

    def test_x_idempotency_key_replays_the_first_answer(self):
        first = self.post("XIDEM-1", {"X-Idempotency-Key": "x-order-1"})
        self.assertEqual(first.status_code, 201, first.text)
        second = self.post("XIDEM-1", {"X-Idempotency-Key": "x-order-1"})
        self.assertEqual(second.status_code, 201, second.text)
        self.assertEqual(second.headers["Idempotent-Replayed"], "true")
        self.assertEqual(second.json(), first.json())
        # The same key under the other name is the same key.
        third = self.post("XIDEM-1", {"Idempotency-Key": "x-order-1"})
        self.assertEqual(third.headers["Idempotent-Replayed"], "true")
        self.assertEqual(third.json(), first.json())
        self.assertEqual(self.count("XIDEM-1"), 1)
        reused = self.post("XIDEM-2", {"X-Idempotency-Key": "x-order-1"})
        self.assert_error(reused, 422, "idempotency_key_reused")
        self.assertEqual(self.count("XIDEM-2"), 0)

    def test_both_names_must_agree(self):
        same = {"Idempotency-Key": "x-order-3", "X-Idempotency-Key": "x-order-3"}
        self.assertEqual(self.post("XIDEM-3", same).status_code, 201)
        self.assertEqual(
            self.post("XIDEM-3", same).headers["Idempotent-Replayed"], "true"
        )
        differ = {"Idempotency-Key": "x-order-4", "X-Idempotency-Key": "x-order-5"}
        self.assert_error(self.post("XIDEM-4", differ), 422, "validation_failed")
        bad = self.post("XIDEM-4", {"X-Idempotency-Key": "has spaces"})
        self.assert_error(bad, 400, "bad_request")
        self.assertEqual(self.count("XIDEM-4"), 0)

    def test_document_describes_both_names_on_every_write(self):
        document = self.url_open("/api/v1/openapi.json").json()
        for path, method in (
            ("/api/v1/bookings", "post"),
            ("/api/v1/bookings/{id}", "put"),
            ("/api/v1/guests/{id}", "patch"),
        ):
            with self.subTest(path=path, method=method):
                headers = {
                    p["name"]: p
                    for p in document["paths"][path][method]["parameters"]
                    if p["in"] == "header"
                }
                self.assertIn("Idempotency-Key", headers)
                alias = headers["X-Idempotency-Key"]
                self.assertIn("Idempotency-Key", alias["description"])
                self.assertEqual(
                    alias["schema"]["pattern"],
                    headers["Idempotency-Key"]["schema"]["pattern"],
                )
