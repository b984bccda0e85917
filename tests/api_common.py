# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Users, API keys and bookings in two companies, and a client for the REST API."""

import json
from datetime import date

from odoo.tests import HttpCase
from odoo.tests import new_test_user


class ApiCase(HttpCase):
    """Company A has an Integration User and a Manager, company B a user of its own;
    each has an API key. Guests Ada and Bob, bookings in both companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.user = cls._user("ih_api_user", "integration_hub.group_integration_user")
        cls.manager = cls._user(
            "ih_api_manager", "integration_hub.group_integration_manager"
        )
        cls.user_b = cls._user(
            "ih_api_user_b", "integration_hub.group_integration_user", cls.company_b
        )
        cls.employee = cls._user("ih_api_employee", "base.group_user")
        cls.key = cls._key(cls.user)
        cls.manager_key = cls._key(cls.manager)
        cls.key_b = cls._key(cls.user_b)
        Partner = cls.env["res.partner"]
        cls.ada = Partner.create(
            {"name": "Ada Lovelace", "email": "ada.lovelace@api.test", "is_guest": True}
        )
        cls.bob = Partner.create({"name": "Bob Guest", "is_guest": True})
        cls.not_a_guest = Partner.create({"name": "Supplier Ltd"})
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True

    @classmethod
    def _user(cls, login, groups, company=None):
        company = company or cls.company_a
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[company.id],
        )

    @classmethod
    def _key(cls, user):
        # sudo: a key without expiry, as an administrator may give an integration.
        return (
            cls.env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate(None, f"{user.login} key", None)
        )

    @classmethod
    def booking(cls, **values):
        """A booking in company A for Ada unless told otherwise."""
        return cls.env["integration.booking"].create(
            {
                "name": values.pop("name", None)
                or cls.env["ir.sequence"].next_by_code("integration.booking"),
                "guest_id": cls.ada.id,
                "check_in": date(2026, 6, 1),
                "check_out": date(2026, 6, 4),
                "company_id": cls.company_a.id,
                **values,
            }
        )

    def call(self, method, path, key=None, body=None, headers=None, raw=None):
        """Send a request to the API with ``key`` (the Integration User's by
        default, ``False`` for none); ``body`` is sent as JSON."""
        all_headers = {}
        key = self.key if key is None else key
        if key:
            all_headers["Authorization"] = f"Bearer {key}"
        data = raw
        if body is not None:
            data = json.dumps(body)
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        url = path if path.startswith("http") else self.base_url() + path
        return self.opener.request(
            method,
            url,
            data=data,
            headers=all_headers,
            timeout=30,
            allow_redirects=False,
        )

    def assert_error(self, response, status, code):
        """The error envelope with ``code`` and the request id of the response."""
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        error = response.json()["error"]
        self.assertEqual(error["code"], code, error)
        self.assertTrue(error["message"])
        self.assertIsInstance(error["details"], list)
        self.assertEqual(error["request_id"], response.headers["X-Request-Id"])
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        self.assertEqual(error["documentation_url"], f"{base}/api/v1/docs#{code}")
        return error

    @staticmethod
    def booking_document(guest, **attributes):
        """A complete booking document for POST or PUT."""
        return {
            "data": {
                "type": "booking",
                "attributes": {
                    "reference": "API-1",
                    "status": "confirmed",
                    "check_in": "2026-07-01",
                    "check_out": "2026-07-05",
                    "room": "12",
                    "adults": 2,
                    "children": 1,
                    "amount": 480.5,
                    "currency": "EUR",
                    "notes": None,
                    **attributes,
                },
                "relationships": {
                    "guest": {"data": {"type": "guest", "id": str(guest.id)}}
                },
            }
        }
