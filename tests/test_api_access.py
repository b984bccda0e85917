# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may call the API and how often: API keys, groups, companies, rate limit,
and the protocol answers (404, 405, 406) in the error envelope."""

from datetime import datetime
from datetime import timedelta

from odoo.tests import tagged

from .api_common import ApiCase


@tagged("post_install", "-at_install")
class TestApiAccess(ApiCase):
    def test_missing_and_wrong_keys(self):
        for key in (False, "not-a-key", self.key + "x"):
            response = self.call("GET", "/api/v1/bookings", key=key)
            self.assert_error(response, 401, "unauthorized")
            self.assertEqual(response.headers["WWW-Authenticate"], 'Bearer realm="api"')
        basic = self.call(
            "GET",
            "/api/v1/bookings",
            key=False,
            headers={"Authorization": "Basic YTpi"},
        )
        self.assert_error(basic, 401, "unauthorized")

    def test_revoked_and_expired_keys(self):
        self.assertEqual(self.call("GET", "/api/v1/guests").status_code, 200)
        key = self.env["res.users.apikeys"].search([("user_id", "=", self.user.id)])
        key._remove()
        self.assert_error(self.call("GET", "/api/v1/guests"), 401, "unauthorized")
        expiring = (
            self.env["res.users.apikeys"]
            .with_user(self.manager)
            .sudo()
            ._generate(None, "short", datetime.now() + timedelta(days=1))
        )
        self.assertEqual(
            self.call("GET", "/api/v1/guests", key=expiring).status_code, 200
        )
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET expiration_date = %s WHERE name = 'short'",
            (datetime.now() - timedelta(days=1),),
        )
        self.assert_error(
            self.call("GET", "/api/v1/guests", key=expiring), 401, "unauthorized"
        )

    def test_user_outside_the_integration_group(self):
        response = self.call("GET", "/api/v1/bookings", key=self._key(self.employee))
        self.assert_error(response, 403, "forbidden")

    def test_company_isolation(self):
        mine = self.booking(company_id=self.company_a.id)
        theirs = self.booking(company_id=self.company_b.id)
        listed = self.call(
            "GET", "/api/v1/bookings?per_page=100", key=self.key_b
        ).json()
        self.assertEqual([item["id"] for item in listed["data"]], [str(theirs.id)])
        self.assertEqual(listed["meta"]["total"], 1)
        self.assert_error(
            self.call("GET", f"/api/v1/bookings/{mine.id}", key=self.key_b),
            404,
            "not_found",
        )
        patch = {"data": {"type": "booking", "attributes": {"room": "hacked"}}}
        self.assert_error(
            self.call(
                "PATCH", f"/api/v1/bookings/{mine.id}", key=self.key_b, body=patch
            ),
            404,
            "not_found",
        )
        self.assert_error(
            self.call("DELETE", f"/api/v1/bookings/{mine.id}", key=self.key_b),
            404,
            "not_found",
        )
        self.assertFalse(mine.room)
        self.assertEqual(mine.status, "tentative")
        self.assertEqual(
            self.call(
                "GET", f"/api/v1/bookings/{theirs.id}", key=self.key_b
            ).status_code,
            200,
        )
        created = self.call(
            "POST",
            "/api/v1/bookings",
            key=self.key_b,
            body=self.booking_document(self.ada),
        )
        self.assertEqual(created.status_code, 201, created.text)
        booking = self.env["integration.booking"].browse(
            int(created.json()["data"]["id"])
        )
        self.assertEqual(booking.company_id, self.company_b)

    def test_rate_limit(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "integration_hub.api_rate_limit", "3"
        )
        answers = [self.call("GET", "/api/v1/guests") for _i in range(4)]
        self.assertEqual([r.status_code for r in answers[:3]], [200, 200, 200])
        self.assertEqual(
            [r.headers["RateLimit-Remaining"] for r in answers[:3]], ["2", "1", "0"]
        )
        self.assertEqual(answers[0].headers["RateLimit-Limit"], "3")
        limited = answers[3]
        self.assert_error(limited, 429, "rate_limited")
        self.assertGreaterEqual(int(limited.headers["Retry-After"]), 1)
        self.assertLessEqual(int(limited.headers["RateLimit-Reset"]), 60)
        # Another key has its own window.
        self.assertEqual(
            self.call("GET", "/api/v1/guests", key=self.manager_key).status_code, 200
        )

    def test_protocol_errors(self):
        self.assert_error(self.call("GET", "/api/v1/spaceships"), 404, "not_found")
        self.assert_error(self.call("GET", "/api/v1/bookings/abc"), 404, "not_found")
        self.assert_error(
            self.call("GET", "/api/v1/bookings/99999999999"), 404, "not_found"
        )
        self.assert_error(
            self.call("GET", "/api/v1/bookings/1/extra"), 404, "not_found"
        )
        delete_all = self.call("DELETE", "/api/v1/bookings")
        self.assert_error(delete_all, 405, "method_not_allowed")
        self.assertEqual(delete_all.headers["Allow"], "GET, HEAD, POST")
        post_one = self.call("POST", f"/api/v1/guests/{self.ada.id}", body={})
        self.assertEqual(
            self.assert_error(post_one, 405, "method_not_allowed")["code"],
            "method_not_allowed",
        )
        self.assertEqual(post_one.headers["Allow"], "GET, HEAD, PUT, PATCH, DELETE")
        xml = self.call(
            "GET", "/api/v1/bookings", headers={"Accept": "application/xml"}
        )
        self.assert_error(xml, 406, "not_acceptable")
        for accept in ("application/json", "*/*", "text/html, application/*;q=0.5"):
            response = self.call("GET", "/api/v1/bookings", headers={"Accept": accept})
            self.assertEqual(response.status_code, 200, accept)

    def test_head_answers_like_get_without_a_body(self):
        get = self.call("GET", f"/api/v1/guests/{self.ada.id}")
        head = self.call("HEAD", f"/api/v1/guests/{self.ada.id}")
        self.assertEqual(head.status_code, 200)
        self.assertEqual(head.content, b"")
        self.assertEqual(head.headers["ETag"], get.headers["ETag"])

    def test_request_id_is_echoed(self):
        response = self.call(
            "GET", "/api/v1/guests", headers={"X-Request-Id": "client-req-0001"}
        )
        self.assertEqual(response.headers["X-Request-Id"], "client-req-0001")
        error = self.call(
            "GET", "/api/v1/nothing", headers={"X-Request-Id": "client-req-0002"}
        )
        self.assertEqual(error.json()["error"]["request_id"], "client-req-0002")
