# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every error code the module can answer is documented on ``/api/v1/docs``,
with an example envelope, and every envelope links there with an absolute
``documentation_url`` built from ``web.base.url``: REST API, inbound webhooks
and the metrics route alike.

The codes the module can answer are read from its source: the literal code of
every ``RequestRefused``, ``error_response`` and ``error_body`` call, and the
``code`` of every signature error. A new refusal without its entry in the
registry (tools/api_reference.py) fails here.
"""

import ast
import html
import json
import re
from pathlib import Path

from odoo.tests import HttpCase
from odoo.tests import tagged

from ..controllers.metrics import TOKEN_PARAM
from ..tools import api_reference
from ..tools import signature_scheme

ADDON = Path(__file__).resolve().parent.parent
NOT_SHIPPED = {"tests", "dev", "bench", ".build", ".git"}
# Calls answering an error, and the position of their ``code`` argument.
CODE_ARGUMENT = {"RequestRefused": 1, "error_response": 1, "error_body": 0}
PUBLIC_BASE = "https://hub.example.test"


def _call_name(node):
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def emitted_codes():
    """``{code: "file:line"}`` of every error code written in the addon's code."""
    found = {}
    for path in sorted(ADDON.rglob("*.py")):
        if NOT_SHIPPED & set(path.relative_to(ADDON).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            if name == "bad_request":
                found.setdefault("bad_request", f"{path.name}:{node.lineno}")
            if name not in CODE_ARGUMENT:
                continue
            position = CODE_ARGUMENT[name]
            argument = next(
                (k.value for k in node.keywords if k.arg == "code"),
                node.args[position] if len(node.args) > position else None,
            )
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.setdefault(argument.value, f"{path.name}:{node.lineno}")
    for error in (
        signature_scheme.SignatureError,
        *signature_scheme.SignatureError.__subclasses__(),
    ):
        found.setdefault(error.code, "tools/signature_scheme.py")
    return found


@tagged("post_install", "-at_install")
class TestErrorDocumentation(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("web.base.url", PUBLIC_BASE)
        params.set_param(TOKEN_PARAM, False)

    def assert_documented_envelope(self, response, status, code):
        """The envelope of ``code`` links to its entry, absolutely, under
        ``web.base.url``; the page it names has that entry."""
        self.assertEqual(response.status_code, status, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], code)
        self.assertEqual(
            error["documentation_url"], f"{PUBLIC_BASE}/api/v1/docs#{code}"
        )
        path = error["documentation_url"].removeprefix(PUBLIC_BASE).partition("#")[0]
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"<dt id='{code}'>", page.text)

    def test_the_scan_sees_every_area(self):
        # The scan is what the next test trusts: it must find the codes of the
        # REST API, the inbound webhooks, the metrics route and the signatures.
        self.assertLessEqual(
            {
                "unauthorized",
                "validation_failed",
                "bad_request",
                "source_not_found",
                "temporarily_unavailable",
                "metrics_token_not_configured",
                "invalid_token",
                "invalid_signature",
                "timestamp_out_of_tolerance",
            },
            set(emitted_codes()),
        )

    def test_every_code_the_module_answers_is_documented_with_an_example(self):
        registry = {
            code: status
            for _anchor, _title, _routes, codes in api_reference.error_code_areas()
            for code, (status, _meaning, _remedy) in codes.items()
        }
        missing = {c: at for c, at in emitted_codes().items() if c not in registry}
        self.assertFalse(missing, "codes answered but not in tools/api_reference.py")
        page = self.url_open("/api/v1/docs").text
        anchors = re.findall(r"<dt id='([^']+)'>", page)
        self.assertEqual(sorted(anchors), sorted(set(anchors)), "an anchor twice")
        examples = {
            document["error"]["code"]: document["error"]
            for document in (
                json.loads(html.unescape(text))
                for text in re.findall(r"<pre>(.*?)</pre>", page, re.S)
            )
        }
        for code, status in registry.items():
            with self.subTest(code=code):
                self.assertIn(code, anchors)
                self.assertIn(f"<code>{code}</code> (HTTP {status})", page)
                example = examples[code]
                self.assertEqual(
                    example["documentation_url"], f"{PUBLIC_BASE}/api/v1/docs#{code}"
                )
                self.assertTrue(example["message"])
                self.assertIn("request_id", example)
                self.assertIsInstance(example["details"], list)
        self.assertEqual(examples["validation_failed"]["details"][0]["code"], "invalid")

    def test_rest_api_envelope_links_absolutely(self):
        response = self.url_open("/api/v1/bookings")
        self.assert_documented_envelope(response, 401, "unauthorized")

    def test_inbound_webhook_envelope_links_absolutely(self):
        response = self.url_open(
            "/integration/webhook/no-such-source",
            data=b"{}",
            headers={"Content-Type": "application/json"},
        )
        self.assert_documented_envelope(response, 404, "source_not_found")

    def test_metrics_envelope_links_absolutely(self):
        response = self.url_open("/integration/metrics")
        self.assert_documented_envelope(response, 401, "metrics_token_not_configured")
