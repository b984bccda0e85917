# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Idempotency-Key on writes: a retried request is answered from the first
answer, a reused key with another body is refused, a running one gets 409, and a
failed one leaves the key free."""

import hashlib
import json

from odoo.tests import tagged

from .api_common import ApiCase


@tagged("post_install", "-at_install")
class TestApiIdempotency(ApiCase):
    def post(self, key, document, api_key=None):
        return self.call(
            "POST",
            "/api/v1/bookings",
            key=api_key,
            body=document,
            headers={"Idempotency-Key": key},
        )

    def bookings(self, reference):
        return self.env["integration.booking"].search([("name", "=", reference)])

    def test_retry_replays_the_first_answer(self):
        document = self.booking_document(self.ada, reference="IDEM-1")
        first = self.post("order-1", document)
        self.assertEqual(first.status_code, 201, first.text)
        self.assertNotIn("Idempotent-Replayed", first.headers)
        second = self.post("order-1", document)
        self.assertEqual(second.status_code, 201, second.text)
        self.assertEqual(second.headers["Idempotent-Replayed"], "true")
        self.assertEqual(second.json(), first.json())
        self.assertEqual(second.headers["Location"], first.headers["Location"])
        self.assertNotEqual(
            second.headers["X-Request-Id"], first.headers["X-Request-Id"]
        )
        self.assertEqual(len(self.bookings("IDEM-1")), 1)
        self.assertEqual(
            self.env["integration.api.log"].search_count(
                [("res_model", "=", "integration.booking")]
            ),
            1,
        )

    def test_same_key_other_body_is_refused(self):
        self.assertEqual(
            self.post(
                "order-2", self.booking_document(self.ada, reference="IDEM-2")
            ).status_code,
            201,
        )
        reused = self.post(
            "order-2", self.booking_document(self.ada, reference="IDEM-3")
        )
        self.assert_error(reused, 422, "idempotency_key_reused")
        self.assertFalse(self.bookings("IDEM-3"))

    def test_running_request_gets_409(self):
        document = self.booking_document(self.ada, reference="IDEM-4")
        body = json.dumps(document).encode()
        request_hash = hashlib.sha256(b"POST /api/v1/bookings\n" + body).hexdigest()
        # Another worker holds this claim right now: claimed, not yet completed.
        self.env["integration.idempotency.key"]._claim(
            f"api:{self.user.id}", "order-4", request_hash, 3600
        )
        running = self.post("order-4", document)
        self.assert_error(running, 409, "idempotency_in_progress")
        self.assertEqual(running.headers["Retry-After"], "1")
        self.assertFalse(self.bookings("IDEM-4"))

    def test_failed_request_frees_the_key(self):
        invalid = self.booking_document(self.ada, reference="IDEM-5", adults=-3)
        self.assert_error(self.post("order-5", invalid), 422, "validation_failed")
        fixed = self.post(
            "order-5", self.booking_document(self.ada, reference="IDEM-5")
        )
        self.assertEqual(fixed.status_code, 201, fixed.text)
        self.assertNotIn("Idempotent-Replayed", fixed.headers)

    def test_keys_belong_to_one_user_and_cover_patch(self):
        booking = self.booking()
        patch = {"data": {"type": "booking", "attributes": {"room": "42"}}}
        headers = {"Idempotency-Key": "patch-1"}
        path = f"/api/v1/bookings/{booking.id}"
        first = self.call("PATCH", path, body=patch, headers=headers)
        self.assertEqual(first.status_code, 200, first.text)
        replay = self.call("PATCH", path, body=patch, headers=headers)
        self.assertEqual(replay.headers["Idempotent-Replayed"], "true")
        self.assertEqual(replay.json(), first.json())
        # The manager's "patch-1" is a key of its own.
        other = self.call(
            "PATCH", path, key=self.manager_key, body=patch, headers=headers
        )
        self.assertEqual(other.status_code, 200, other.text)
        self.assertNotIn("Idempotent-Replayed", other.headers)
        bad = self.call(
            "PATCH", path, body=patch, headers={"Idempotency-Key": "x" * 300}
        )
        self.assert_error(bad, 400, "bad_request")
