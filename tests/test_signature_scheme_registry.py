# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A signature scheme is one class, registered by extending
``_signature_schemes()``: the selection lists offer it, a source uses it, and
its deliveries are verified, deduplicated by its signed id and typed by its
header, through Odoo's real HTTP server."""

import hashlib
import hmac
import json
from unittest.mock import patch

from odoo.tests import tagged

from ..tools import signature_scheme
from ..tools import signatures
from .test_inbound_webhooks import InboundCase

ACME_SECRET = "acme shared secret"


class AcmeScheme(signature_scheme.SignatureScheme):
    """A made-up provider: ``X-Acme-Signature: <hex HMAC-SHA256(secret,
    "{delivery}:{body}")>``, the delivery id in ``X-Acme-Delivery`` (signed),
    the event type in ``X-Acme-Event``."""

    code = "ihtest_acme"
    label = "Acme (test)"
    signed_id_headers = ("X-Acme-Delivery",)
    event_type_header = "x-acme-event"

    def parse(self, lowered):
        # Required, like the headers of the built-in schemes.
        signature_scheme.required_header(lowered, "X-Acme-Delivery")
        signature = signature_scheme.required_header(lowered, "X-Acme-Signature")
        return None, signature_scheme.candidates(
            [signature_scheme.decode_hex(signature)]
        )

    def signed_content(self, body, msg_id, timestamp):
        return f"{msg_id}:".encode() + body


def acme_headers(delivery, body, secret=ACME_SECRET):
    """Headers signed following the provider's recipe, with :mod:`hmac`."""
    digest = hmac.new(secret.encode(), f"{delivery}:".encode() + body, hashlib.sha256)
    return {
        "X-Acme-Delivery": delivery,
        "X-Acme-Event": "ihtest.acme.ping",
        "X-Acme-Signature": digest.hexdigest(),
    }


@tagged("post_install", "-at_install")
class TestSignatureSchemeRegistry(InboundCase):
    def setUp(self):
        super().setUp()
        # What an addon's override of the mixin's method does, for this test.
        Mixin = type(self.env["integration.secret.mixin"])
        declared = Mixin._signature_schemes

        def _signature_schemes(model):
            return {**declared(model), AcmeScheme.code: AcmeScheme()}

        for model in ("integration.inbound.source", "integration.endpoint"):
            patcher = patch.object(
                type(self.env[model]), "_signature_schemes", _signature_schemes
            )
            patcher.start()
            self.addCleanup(patcher.stop)

    def selection(self, model, field):
        return [
            value
            for value, _label in self.env[model]
            ._fields[field]
            ._description_selection(self.env)
        ]

    def test_selection_lists_come_from_the_registry(self):
        self.assertEqual(
            self.selection("integration.inbound.source", "scheme"),
            [*signatures.SCHEMES, "ihtest_acme"],
        )
        # It cannot sign: endpoints do not offer it.
        self.assertEqual(
            self.selection("integration.endpoint", "signature_scheme"),
            ["standard_webhooks", "hmac_sha256"],
        )

    def test_a_source_of_the_new_scheme_verifies_its_deliveries(self):
        source = self.env["integration.inbound.source"].create(
            {
                "name": "Acme",
                "slug": "acme",
                "scheme": "ihtest_acme",
                "secret": ACME_SECRET,
            }
        )
        body = json.dumps({"data": {"id": 1}}).encode()
        message = self.assert_accepted(
            self.post("acme", body, acme_headers("dlv-1", body))
        )
        self.assertEqual(message.source_id, source)
        self.assertEqual(message.event_type, "ihtest.acme.ping")
        self.assertEqual(message.idempotency_key, "dlv-1")
        # The same delivery again: the first answer, nothing stored.
        again = self.post("acme", body, acme_headers("dlv-1", body))
        self.assertEqual(again.status_code, 202)
        self.assertEqual(again.headers["Idempotent-Replayed"], "true")
        self.assertEqual(again.json()["data"]["id"], str(message.id))
        # Signed with another secret, or without its signed id: refused.
        forged = self.post("acme", body, acme_headers("dlv-2", body, "other"))
        self.assertEqual(forged.status_code, 401)
        self.assertEqual(forged.json()["error"]["code"], "invalid_signature")
        headers = acme_headers("dlv-3", body)
        del headers["X-Acme-Delivery"]
        missing = self.post("acme", body, headers)
        self.assertEqual(missing.status_code, 400)
        self.assertEqual(missing.json()["error"]["code"], "missing_header")
        self.assertEqual(
            self.env["integration.inbound.message"].search_count(
                [("source_id", "=", source.id)]
            ),
            1,
        )
