# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``emit`` is a transactional outbox: deliveries and jobs are written in the
caller's transaction, to the right endpoints, with the documented payload."""

import json

from odoo.addons.queue_job.job import Job
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase
from odoo.tests import tagged

from .outbound_common import OutboundMixin


@tagged("post_install", "-at_install")
class TestEmitTransaction(OutboundMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()
        cls.endpoint = cls._new_endpoint("http://127.0.0.1:9/a", name="A")
        cls.Event = cls.env["integration.event"]

    def _jobs(self, method=None):
        domain = [
            ("model_name", "in", ("integration.endpoint", "integration.delivery"))
        ]
        if method:
            domain.append(("method_name", "=", method))
        return self.env["queue.job"].search(domain)

    def test_rollback_leaves_nothing(self):
        jobs_before = self._jobs()
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            event = self.Event.emit("outbound.test", payload={"n": 1})
            event_id, delivery_ids = event.id, event.delivery_ids.ids
            self.assertTrue(delivery_ids)
            raise ZeroDivisionError
        self.env.cr.precommit.run()
        self.assertFalse(self.Event.browse(event_id).exists())
        self.assertFalse(self.env["integration.delivery"].browse(delivery_ids).exists())
        self.assertEqual(self._jobs(), jobs_before, "a rolled back emit enqueued")

    def test_one_job_per_endpoint_per_transaction(self):
        events = self.Event.browse()
        for number in range(5):
            events |= self.Event.emit("outbound.test", payload={"n": number})
        self.assertEqual(len(events.delivery_ids), 5)
        self.assertFalse(self._jobs(), "jobs are enqueued when the caller commits")
        self.env.cr.precommit.run()
        [job] = self._jobs()
        self.assertEqual(job.method_name, "_deliver_due")
        self.assertEqual(job.records, self.endpoint)
        self.assertEqual(job.channel, "root.integration.delivery")
        self.assertEqual(set(events.delivery_ids.mapped("job_uuid")), {job.uuid})

    def test_only_active_subscribed_endpoints_of_the_company(self):
        other_type = self._event_type("outbound.other")
        second = self._new_endpoint("http://127.0.0.1:9/b", name="B")
        self._new_endpoint("http://127.0.0.1:9/c", name="Paused", state="paused")
        self._new_endpoint(
            "http://127.0.0.1:9/d",
            name="Other type",
            event_type_ids=[(6, 0, other_type.ids)],
        )
        other_company = self.env["res.company"].create({"name": "Elsewhere"})
        self._new_endpoint(
            "http://127.0.0.1:9/e", name="Elsewhere", company_id=other_company.id
        )
        everywhere = self._new_endpoint(
            "http://127.0.0.1:9/f", name="Everywhere", company_id=False
        )
        event = self.Event.emit("outbound.test")
        self.assertEqual(
            event.delivery_ids.endpoint_id, self.endpoint | second | everywhere
        )
        self.assertEqual(set(event.delivery_ids.mapped("state")), {"pending"})
        # Several endpoints: one job fans out, keeping the emitting transaction
        # short; it enqueues one job per endpoint.
        self.env.cr.precommit.run()
        [dispatch] = self._jobs("_enqueue")
        Job.load(self.env, dispatch.uuid).perform()
        jobs = self._jobs("_deliver_due")
        self.assertEqual(
            self.env["integration.endpoint"].union(*(job.records for job in jobs)),
            self.endpoint | second | everywhere,
        )
        self.assertEqual(len(jobs), 3)

    def test_payload_envelope(self):
        event = self.Event.emit("outbound.test", payload={"booking": 7})
        body = json.loads(event.payload)
        self.assertEqual(body["id"], event.uid)
        self.assertTrue(event.uid.startswith("msg_"))
        self.assertEqual(body["type"], "outbound.test")
        self.assertTrue(body["timestamp"].endswith("Z"))
        self.assertEqual(body["data"], {"booking": 7})

    def test_record_payload_is_jsonapi_resource(self):
        category = self.env["res.partner.category"].create({"name": "VIP"})
        event = self.Event.emit("outbound.test", records=category)
        data = json.loads(event.payload)["data"]
        self.assertEqual(data["id"], str(category.id))
        self.assertEqual(data["type"], "res.partner.category")
        self.assertEqual(data["attributes"]["name"], "VIP")
        self.assertIn("parent_id", data["relationships"])
        self.assertIsNone(data["relationships"]["parent_id"]["data"])
        self.assertEqual((event.res_model, event.res_id), (category._name, category.id))

    def test_unknown_event_type_is_refused(self):
        with self.assertRaises(UserError) as caught:
            self.Event.emit("no.such.type")
        self.assertIn("no.such.type", str(caught.exception))

    def test_server_action_emits_one_event_per_record(self):
        categories = self.env["res.partner.category"].create(
            [{"name": "Gold"}, {"name": "Silver"}]
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": "Emit category event",
                "model_id": self.env["ir.model"]._get_id("res.partner.category"),
                "state": "integration_event",
                "integration_event_type_id": self._event_type().id,
            }
        )
        before = self.Event.search_count([])
        action.with_context(
            active_model="res.partner.category", active_ids=categories.ids
        ).run()
        events = self.Event.search([], limit=2, order="id desc")
        self.assertEqual(self.Event.search_count([]), before + 2)
        self.assertEqual(set(events.mapped("res_id")), set(categories.ids))
        self.assertEqual(len(events.delivery_ids), 2)

    def test_server_action_needs_event_type(self):
        with self.assertRaises(ValidationError):
            self.env["ir.actions.server"].create(
                {
                    "name": "Incomplete",
                    "model_id": self.env["ir.model"]._get_id("res.partner.category"),
                    "state": "integration_event",
                }
            )
