# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The served OpenAPI document describes the API truly: it is valid OpenAPI 3.1,
covers every attribute the mapping knows, links to a docs page with an anchor per
error code, and schemathesis finds no server error nor non-conforming answer."""

import re

import schemathesis
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from schemathesis.specs.openapi import checks as openapi_checks

from odoo.tests import tagged

from ..tools import api_reference as openapi
from ..tools import mapping
from .api_common import ApiCase

# Generated requests per operation (12 operations): enough to walk every parameter,
# bounded so the run stays within seconds.
MAX_EXAMPLES = 15


@tagged("post_install", "-at_install")
class TestApiOpenapi(ApiCase):
    def test_document_served_and_complete(self):
        response = self.url_open("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["X-Request-Id"])
        document = response.json()
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertEqual(document["servers"], [{"url": self.base_url()}])
        paths = document["paths"]
        for collection in ("bookings", "guests"):
            self.assertEqual(set(paths[f"/api/v1/{collection}"]), {"get", "post"})
            self.assertEqual(
                set(paths[f"/api/v1/{collection}/{{id}}"]),
                {"parameters", "get", "put", "patch", "delete"},
            )
        schemas = document["components"]["schemas"]
        self.assertEqual(
            set(schemas["Booking"]["properties"]["attributes"]["properties"]),
            {*mapping.BOOKING_FIELDS, "updated_at"},
        )
        self.assertEqual(
            set(schemas["Guest"]["properties"]["attributes"]["properties"]),
            {*mapping.GUEST_FIELDS, "updated_at"},
        )
        self.assertIn(
            "cancelled", paths["/api/v1/bookings/{id}"]["delete"]["description"]
        )
        self.assertEqual(
            set(schemas["Error"]["properties"]["error"]["properties"]["code"]["enum"]),
            set(openapi.ERROR_CODES),
        )

    def test_docs_page_has_an_anchor_per_error_code(self):
        response = self.url_open("/api/v1/docs")
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/html", response.headers["Content-Type"])
        anchors = set(re.findall(r"id='([^']+)'", response.text))
        self.assertLessEqual(set(openapi.ERROR_CODES), anchors)
        # The inbound webhook receiver's envelope links to this page as well.
        self.assertLessEqual(
            {"source_not_found", "invalid_signature", "timestamp_out_of_tolerance"},
            anchors,
        )
        self.assertIn("/api/v1/openapi.json", response.text)
        refused = self.call("POST", "/api/v1/docs", body={})
        self.assert_error(refused, 405, "method_not_allowed")

    def test_schemathesis_finds_no_server_error(self):
        self.booking(status="confirmed")
        self.env["ir.config_parameter"].sudo().set_param(
            "integration_hub.api_rate_limit", "100000"
        )
        schema = schemathesis.openapi.from_url(f"{self.base_url()}/api/v1/openapi.json")
        auth = {"Authorization": f"Bearer {self.key}"}
        run_checks = [
            schemathesis.checks.not_a_server_error,
            openapi_checks.status_code_conformance,
            openapi_checks.content_type_conformance,
            openapi_checks.response_headers_conformance,
            openapi_checks.response_schema_conformance,
        ]
        failures = []
        statuses = []
        operations = [result.ok() for result in schema.get_all_operations()]
        # List, create, read, replace, patch, delete of each declared collection
        # (the rooms of the test addon too, when it is installed).
        declared = self.env["integration.resource.mixin"]._integration_declarations()
        self.assertEqual(len(operations), 6 * len(declared))
        for operation in operations:

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def check(case):
                response = case.call(headers=auth, timeout=30)
                statuses.append(response.status_code)
                try:
                    case.validate_response(response, checks=run_checks, headers=auth)
                except Exception as failure:  # schemathesis' FailureGroup
                    failures.append(str(failure))

            check()
        self.assertFalse(failures, "\n\n".join(failures[:3]))
        # The generated requests reached the API and some succeeded: it was tested.
        self.assertGreaterEqual(len(statuses), 12 * 5)
        self.assertIn(200, statuses)
        self.assertIn(201, statuses)
