# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two companies, an Integration User of each and a manager of both: every record
the hub keeps belongs to a company, each user sees and acts on their own
company's records only (also by id over JSON-RPC), events take the company of
their record, and what runs with superuser rights on behalf of a record (resync,
reprocess, server actions, the booking webhook handler) runs in that record's
company and never writes another company's record."""

import json

from odoo import Command
from odoo import fields
from odoo.addons.queue_job.job import Job
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException

from .api_common import ApiCase
from .outbound_common import OutboundMixin
from .outbound_common import Receiver
from .sync_common import ReferenceServer
from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import library_headers

USER_GROUP = "integration_hub.group_integration_user"
MANAGER_GROUP = "integration_hub.group_integration_manager"
API_KEY = "company-isolation-key"
# Logins double as passwords (new_test_user), so they have at least 8 characters.
USER_A, USER_B, MANAGER = "co_user_a", "co_user_b", "co_manager"
# A server action run for inbound "ihco.*" events: it books a stay without
# naming a company, and answers with the company it ran in.
ACTION_CODE = """
room = record.payload()['data']['room']
guest = env['res.partner'].create({'name': 'Walk-in ' + room})
env['integration.booking'].create({
    'guest_id': guest.id,
    'check_in': '2031-03-01',
    'check_out': '2031-03-04',
    'room': room,
})
action = 'in ' + env.company.name
"""


@tagged("post_install", "-at_install")
class TestCompanyIsolation(OutboundMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()
        cls.receiver = Receiver()
        cls.receiver.__enter__()
        cls.addClassCleanup(cls.receiver.__exit__, None, None, None)
        cls.remote = ReferenceServer(bookings=6, guests=3, api_key=API_KEY).start()
        cls.addClassCleanup(cls.remote.stop)

        cls.company_a = cls.env.ref("base.main_company")
        cls.company_b = cls.env["res.company"].create({"name": "Hotel Beta"})
        both = cls.company_a | cls.company_b
        cls.user_a = cls._user(USER_A, USER_GROUP, cls.company_a)
        cls.user_b = cls._user(USER_B, USER_GROUP, cls.company_b)
        cls.manager = cls._user(MANAGER, MANAGER_GROUP, cls.company_a, both)

        booking_created = cls.env["integration.event.type"]._by_code("booking.created")
        cls.shared_endpoint = cls._new_endpoint(
            cls.receiver.url,
            name="Every company's receiver",
            company_id=False,
            event_type_ids=[Command.set(booking_created.ids)],
        )
        cls.side = {
            "a": cls._company_records("a", cls.company_a, booking_created),
            "b": cls._company_records("b", cls.company_b, booking_created),
        }
        # Attempts: the deliveries of both companies really go out.
        cls.env["integration.delivery"].search(
            [("event_id", "in", [cls.side[k]["event"].id for k in "ab"])]
        )._send()
        # A REST idempotency key of each user.
        Key = cls.env["integration.idempotency.key"]
        for key, user in (("a", cls.user_a), ("b", cls.user_b)):
            claim, _claimed = Key._claim(f"api:{user.id}", "rest-1", "hash", 3600)
            cls.side[key]["rest_key"] = claim

    @classmethod
    def _user(cls, login, group, company, companies=None):
        return new_test_user(
            cls.env,
            login=login,
            groups=group,
            company_id=company.id,
            company_ids=[Command.set((companies or company).ids)],
        )

    @classmethod
    def _company_records(cls, key, company, event_type):
        """One of everything the hub keeps, in ``company``; returns them by name."""
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=company.ids))
        endpoint = cls._new_endpoint(
            cls.receiver.url,
            name=f"Receiver {key}",
            company_id=company.id,
            event_type_ids=[Command.set(event_type.ids)],
        )
        guest = env["res.partner"].create(
            {"name": f"Guest {key}", "company_id": company.id}
        )
        booking = env["integration.booking"].create(
            {
                "guest_id": guest.id,
                "check_in": "2030-05-01",
                "check_out": "2030-05-03",
                "company_id": company.id,
            }
        )
        event = env["integration.event"].search(
            [("res_model", "=", booking._name), ("res_id", "=", booking.id)]
        )
        circuit_event = env["integration.circuit.event"].create(
            {
                "circuit_id": endpoint.circuit_id.id,
                "endpoint_id": endpoint.id,
                "kind": "opened",
                "occurred_at": fields.Datetime.now(),
            }
        )
        metrics_total = env["integration.metrics.total"].create(
            {"endpoint_id": endpoint.id, "outcome": "delivered", "attempt_count": 3}
        )
        source = env["integration.inbound.source"].create(
            {
                "name": f"Channel {key}",
                "slug": f"co-iso-{key}",
                "secret": SW_SECRET,
                "company_id": company.id,
            }
        )
        server_action = env["ir.actions.server"].create(
            {
                "name": f"Book from webhook {key}",
                "model_id": env.ref(
                    "integration_hub.model_integration_inbound_message"
                ).id,
                "state": "code",
                "code": ACTION_CODE,
            }
        )
        inbound_action = env["integration.inbound.action"].create(
            {
                "source_id": source.id,
                "event_type": "ihco.*",
                "action_id": server_action.id,
            }
        )
        backend = env["integration.backend"].create(
            {
                "name": f"PMS {key}",
                "base_url": cls.remote.url,
                "auth_type": "api_key",
                "api_key": API_KEY,
                "company_id": company.id,
                "inbound_source_id": source.id,
            }
        )
        backend.with_context(queue_job__no_delay=True).action_full_sync()
        bindings = env["integration.binding"].search([("backend_id", "=", backend.id)])
        conflict = env["integration.conflict"].create(
            {
                "binding_id": bindings[0].id,
                "local_values": "{}",
                "remote_values": "{}",
            }
        )
        api_log = env["integration.api.log"].create(
            {
                "user_id": cls.env.ref("base.user_admin").id,
                "request_id": f"req-{key}",
                "method": "PATCH",
                "path": f"/api/v1/bookings/{booking.id}",
                "res_model": booking._name,
                "res_id": booking.id,
                "company_id": company.id,
            }
        )
        return {
            "endpoint": endpoint,
            "booking": booking,
            "event": event,
            "circuit_event": circuit_event,
            "metrics_total": metrics_total,
            "source": source,
            "inbound_action": inbound_action,
            "backend": backend,
            "bindings": bindings,
            "run": env["integration.sync.run"].search(
                [("backend_id", "=", backend.id)]
            ),
            "conflict": conflict,
            "api_log": api_log,
        }

    # -- helpers -------------------------------------------------------------

    def deliver(self, source, event_type, data):
        """POST a signed webhook to ``source``; return the stored message."""
        body = json.dumps({"type": event_type, "data": data}).encode()
        response = self.url_open(
            f"/integration/webhook/{source.slug}",
            data=body,
            headers={
                "Content-Type": "application/json",
                **library_headers(SW_SECRET, body),
            },
        )
        self.assertEqual(response.status_code, 202, response.text)
        return self.env["integration.inbound.message"].browse(
            int(response.json()["data"]["id"])
        )

    def refused(self, slug):
        """POST a webhook with a bad signature to ``slug`` (audit line)."""
        response = self.url_open(
            f"/integration/webhook/{slug}",
            data=b"{}",
            headers={"Content-Type": "application/json", "webhook-id": "x"},
        )
        self.assertIn(response.status_code, (400, 401, 404), response.text)

    def run_processing(self, message):
        """Perform the job that processes ``message``, as the job runner would."""
        job = Job.load(self.env, message.sudo().job_id.uuid)
        job.set_started()
        job.store()
        job.perform()
        job.set_done()
        job.store()
        self.env.invalidate_all()

    def call(self, model, method, ids, kwargs=None, companies=None):
        """``method`` of ``model`` on ``ids`` over JSON-RPC as the logged-in user."""
        kwargs = dict(kwargs or {})
        if companies is not None:
            kwargs["context"] = {"allowed_company_ids": companies.ids}
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": [ids], "kwargs": kwargs},
        )

    def rows(self, key):
        """``{model: ids}`` of the records of company ``key`` (as the superuser
        finds them through what they belong to)."""
        side = self.side[key]
        company = side["booking"].company_id
        events = self.env["integration.event"].search([("company_id", "=", company.id)])
        deliveries = events.delivery_ids
        endpoint = side["endpoint"]
        messages = self.env["integration.inbound.message"].search(
            [("source_id", "=", side["source"].id)]
        )
        Key = self.env["integration.idempotency.key"]
        inbound_keys = Key.search([("scope", "=", f"inbound:{side['source'].id}")])
        return {
            "integration.endpoint": endpoint.ids,
            "integration.event": events.ids,
            "integration.delivery": deliveries.ids,
            "integration.delivery.attempt": deliveries.attempt_ids.ids,
            "integration.circuit": (
                endpoint.circuit_id | side["backend"].circuit_id
            ).ids,
            "integration.circuit.event": side["circuit_event"].ids,
            "integration.metrics.total": side["metrics_total"].ids,
            "integration.endpoint.health": endpoint.ids,
            "integration.inbound.source": side["source"].ids,
            "integration.inbound.action": side["inbound_action"].ids,
            "integration.inbound.message": messages.ids,
            "integration.inbound.audit": self.env["integration.inbound.audit"]
            .search([("slug", "=", side["source"].slug)])
            .ids,
            "integration.idempotency.key": inbound_keys.ids,
            "integration.api.log": side["api_log"].ids,
            "integration.booking": self.env["integration.booking"]
            .search([("company_id", "=", company.id)])
            .ids,
            "integration.backend": side["backend"].ids,
            "integration.binding": side["bindings"].ids,
            "integration.sync.run": side["run"].ids,
            "integration.conflict": side["conflict"].ids,
        }

    def shared_rows(self):
        """Rows every company sees: the endpoint of no company and what hangs on
        it, and audit lines of requests to no source (their slug is not kept)."""
        endpoint = self.shared_endpoint
        return {
            "integration.endpoint": endpoint.ids,
            "integration.circuit": endpoint.circuit_id.ids,
            "integration.endpoint.health": endpoint.ids,
            "integration.inbound.audit": self.env["integration.inbound.audit"]
            .search(["|", ("slug", "=", False), ("slug", "=", "")])
            .ids,
        }

    # -- tests ---------------------------------------------------------------

    def test_each_user_sees_only_their_company_rows(self):
        for key in "ab":
            self.deliver(self.side[key]["source"], "ihco.created", {"room": key})
            self.refused(self.side[key]["source"].slug)
        self.refused("co-iso-nobody")
        rows = {key: self.rows(key) for key in "ab"}
        shared = self.shared_rows()
        for model, ids_a in rows["a"].items():
            self.assertTrue(ids_a, f"no {model} row of company A to check")
            self.assertTrue(rows["b"][model], f"no {model} row of company B")
        # The manager works in A and B; each user and the manager restricted to
        # one company see that company's rows, and the shared ones.
        viewers = [
            (self.user_a, None, ["a"]),
            (self.user_b, None, ["b"]),
            (self.manager, self.company_a | self.company_b, ["a", "b"]),
            (self.manager, self.company_b, ["b"]),
        ]
        # REST idempotency keys are their user's, whatever the company.
        rest_keys = {
            self.user_a: self.side["a"]["rest_key"].ids,
            self.user_b: self.side["b"]["rest_key"].ids,
            self.manager: [],
        }
        for model in rows["a"]:
            all_ids = rows["a"][model] + rows["b"][model] + shared.get(model, [])
            if model == "integration.idempotency.key":
                all_ids += rest_keys[self.user_a] + rest_keys[self.user_b]
            for user, companies, keys in viewers:
                Model = self.env[model].with_user(user)
                if companies:
                    Model = Model.with_context(allowed_company_ids=companies.ids)
                expected = set(shared.get(model, []))
                if model == "integration.idempotency.key":
                    expected |= set(rest_keys[user])
                for key in keys:
                    expected |= set(rows[key][model])
                with self.subTest(model=model, user=user.login, companies=keys):
                    found = Model.search([("id", "in", all_ids)])
                    self.assertEqual(set(found.ids), expected)
                    # Reading them all as that user works.
                    self.assertEqual(len(found.read(["display_name"])), len(expected))
        # Company B is new: all that its user sees at all is the above.
        shared["integration.idempotency.key"] = rest_keys[self.user_b]
        for model, ids_b in rows["b"].items():
            with self.subTest(model=model, whole_table=True):
                expected = set(ids_b) | set(shared.get(model, []))
                found = self.env[model].with_user(self.user_b).search([])
                self.assertEqual(set(found.ids), expected)

    def test_rest_idempotency_keys_are_their_users_own(self):
        Key = self.env["integration.idempotency.key"]
        for user, own, other in (
            (self.user_a, "a", "b"),
            (self.manager, None, "a"),
        ):
            keys = Key.with_user(user).search([("scope", "like", "api:")])
            with self.subTest(user=user.login):
                if own:
                    self.assertEqual(keys, self.side[own]["rest_key"])
                self.assertNotIn(self.side[other]["rest_key"], keys)

    def test_user_cannot_read_or_act_on_another_company_record_by_id(self):
        side_b = self.side["b"]
        message_b = self.deliver(side_b["source"], "ihco.created", {"room": "rpc"})
        self.run_processing(message_b)
        delivery_b = side_b["event"].delivery_ids.filtered(
            lambda d: d.endpoint_id == side_b["endpoint"]
        )
        booking_b = side_b["booking"]
        binding_b = side_b["bindings"].filtered(
            lambda b: b.model == "integration.booking"
        )[:1]
        self.authenticate(USER_A, USER_A)
        readable_b = {
            "integration.endpoint": side_b["endpoint"],
            "integration.event": side_b["event"],
            "integration.delivery": delivery_b,
            "integration.delivery.attempt": delivery_b.attempt_ids,
            "integration.circuit": side_b["endpoint"].circuit_id,
            "integration.inbound.source": side_b["source"],
            "integration.inbound.message": message_b,
            "integration.booking": booking_b,
            "integration.backend": side_b["backend"],
            "integration.binding": binding_b,
            "integration.sync.run": side_b["run"],
            "integration.conflict": side_b["conflict"],
            "integration.api.log": side_b["api_log"],
            "integration.idempotency.key": side_b["rest_key"],
        }
        for model, record in readable_b.items():
            with self.subTest(model=model, method="read"):
                self.assertTrue(record)
                with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                    self.call(model, "read", record.ids, {"fields": ["display_name"]})
        actions_b = [
            (delivery_b, "action_retry"),
            (delivery_b, "action_cancel"),
            (delivery_b, "action_replay"),
            (message_b, "action_reprocess"),
            (binding_b, "action_resync"),
            (booking_b, "action_resync"),
            (booking_b, "write"),
            (side_b["run"], "action_retry_failed"),
            (side_b["conflict"], "action_use_remote"),
        ]
        job_uuid = delivery_b.job_uuid
        sync_and_inbound_jobs = [
            ("method_name", "not in", ("_deliver_due", "_enqueue"))
        ]
        jobs_before = self.env["queue.job"].search_count(sync_and_inbound_jobs)
        for record, method in actions_b:
            with self.subTest(model=record._name, method=method):
                kwargs = {"vals": {"room": "hijacked"}} if method == "write" else {}
                # Refused (a resync of records bound nowhere the user sees
                # says so, without touching them).
                with self.assertRaisesRegex(JsonRpcException, "AccessError|UserError"):
                    self.call(record._name, method, record.ids, kwargs)
        self.env.invalidate_all()
        self.assertEqual(delivery_b.state, "delivered")
        self.assertEqual(len(side_b["event"].delivery_ids), 2)
        self.assertEqual(message_b.state, "done")
        self.assertNotEqual(booking_b.room, "hijacked")
        self.assertEqual(side_b["conflict"].state, "open")
        self.assertEqual(delivery_b.job_uuid, job_uuid)
        self.assertEqual(
            self.env["queue.job"].search_count(sync_and_inbound_jobs), jobs_before
        )
        # The user's own records answer as usual.
        delivery_a = self.side["a"]["event"].delivery_ids[:1]
        read = self.call(
            "integration.delivery", "read", delivery_a.ids, {"fields": ["state"]}
        )
        self.assertEqual(read[0]["state"], "delivered")
        # A manager working in company A only cannot reach B's records either;
        # once B is among the selected companies, they can.
        self.authenticate(MANAGER, MANAGER)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.call(
                "integration.delivery",
                "read",
                delivery_b.ids,
                {"fields": ["state"]},
                companies=self.company_a,
            )
        read = self.call(
            "integration.delivery",
            "read",
            delivery_b.ids,
            {"fields": ["state"]},
            companies=self.company_a | self.company_b,
        )
        self.assertEqual(read[0]["state"], "delivered")

    def test_events_take_the_company_of_their_record(self):
        side_b = self.side["b"]
        for key in "ab":
            event = self.side[key]["event"]
            self.assertEqual(event.company_id, self.side[key]["booking"].company_id)
            self.assertEqual(
                event.delivery_ids.endpoint_id,
                self.side[key]["endpoint"] | self.shared_endpoint,
            )
            self.assertEqual(event.delivery_ids.company_id, event.company_id)
        # The manager, working in company A first, books in company B over RPC.
        self.authenticate(MANAGER, MANAGER)
        guest = self.env["res.partner"].create({"name": "Guest of nobody"})
        booking_id = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "integration.booking",
                "method": "create",
                "args": [
                    {
                        "guest_id": guest.id,
                        "check_in": "2030-07-01",
                        "check_out": "2030-07-02",
                        "company_id": self.company_b.id,
                    }
                ],
                "kwargs": {
                    "context": {
                        "allowed_company_ids": (self.company_a | self.company_b).ids
                    }
                },
            },
        )
        event = self.env["integration.event"].search(
            [("res_model", "=", "integration.booking"), ("res_id", "=", booking_id)]
        )
        self.assertEqual(event.company_id, self.company_b)
        self.assertEqual(
            event.delivery_ids.endpoint_id, side_b["endpoint"] | self.shared_endpoint
        )
        self.assertEqual(event.delivery_ids.company_id, self.company_b)
        # A record without a company: the current company (here B, first).
        Partner = self.env["res.partner"].with_user(self.manager)
        partner = Partner.with_context(
            allowed_company_ids=[self.company_b.id, self.company_a.id]
        ).create({"name": "Walk-in guest", "is_guest": True})
        event = self.env["integration.event"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )
        self.assertEqual(event.company_id, self.company_b)
        # The test ping of B's endpoint is B's.
        self.call(
            "integration.endpoint",
            "action_send_test_event",
            side_b["endpoint"].ids,
            companies=self.company_a | self.company_b,
        )
        ping = self.env["integration.event"].search([("code", "=", "ping")], limit=1)
        self.assertEqual(ping.company_id, self.company_b)
        self.assertEqual(ping.delivery_ids.company_id, self.company_b)

    def test_deliveries_go_to_endpoints_of_their_company_only(self):
        with self.assertRaises(UserError):
            self.env["integration.delivery"].create(
                {
                    "event_id": self.side["b"]["event"].id,
                    "endpoint_id": self.side["a"]["endpoint"].id,
                }
            )

    def test_server_action_and_reprocess_run_in_the_source_company(self):
        message = self.deliver(self.side["b"]["source"], "ihco.created", {"room": "S1"})
        # Queued by the webhook (superuser, whose company is A).
        self.run_processing(message)
        self.assertEqual(message.state, "done", message.error)
        self.assertIn("in Hotel Beta", message.result)
        booking = self.env["integration.booking"].search([("room", "=", "S1")])
        self.assertEqual(booking.company_id, self.company_b)
        self.assertEqual(booking.guest_id.name, "Walk-in S1")
        # The manager, working in company A first, reprocesses it.
        self.authenticate(MANAGER, MANAGER)
        self.call(
            "integration.inbound.message",
            "action_reprocess",
            message.ids,
            companies=self.company_a | self.company_b,
        )
        self.env.invalidate_all()
        job = message.sudo().job_id
        self.assertEqual(job.company_id, self.company_b)
        self.run_processing(message)
        self.assertEqual(message.state, "done", message.error)
        self.assertIn("in Hotel Beta", message.result)
        bookings = self.env["integration.booking"].search([("room", "=", "S1")])
        self.assertEqual(len(bookings), 2)
        self.assertEqual(bookings.company_id, self.company_b)

    def test_booking_webhook_upserts_through_the_source_company_backend(self):
        side_a, side_b = self.side["a"], self.side["b"]
        resource = self.remote.touch("booking", ["B3"], {"room": "W-7"})[0]
        message = self.deliver(side_b["source"], "booking.updated", resource)
        self.run_processing(message)
        self.assertEqual(message.state, "done", message.error)
        Binding = self.env["integration.binding"]
        booking_b = Binding.search(
            [("backend_id", "=", side_b["backend"].id), ("external_id", "=", "B3")]
        )._record()
        booking_a = Binding.search(
            [("backend_id", "=", side_a["backend"].id), ("external_id", "=", "B3")]
        )._record()
        self.assertEqual(booking_b.room, "W-7")
        self.assertEqual(booking_b.company_id, self.company_b)
        self.assertNotEqual(booking_a.room, "W-7")
        # A backend cannot read the webhooks of another company's source.
        with self.assertRaises(UserError):
            side_a["backend"].inbound_source_id = side_b["source"]

    def test_resync_of_a_company_b_record_runs_in_company_b(self):
        side_b = self.side["b"]
        binding = side_b["bindings"].filtered(
            lambda b: b.model == "integration.booking" and b.external_id == "B4"
        )
        booking = binding._record()
        self.remote.touch("booking", ["B4"], {"room": "R-4"})
        self.authenticate(MANAGER, MANAGER)
        self.call(
            "integration.binding",
            "action_resync",
            binding.ids,
            companies=self.company_a | self.company_b,
        )
        job = self.env["queue.job"].search(
            [("method_name", "=", "_resync_job")], order="id desc", limit=1
        )
        self.assertEqual(job.company_id, self.company_b)
        loaded = Job.load(self.env, job.uuid)
        self.assertEqual(loaded.recordset.env.company, self.company_b)
        loaded.perform()
        self.env.invalidate_all()
        self.assertEqual(booking.room, "R-4")
        self.assertEqual(booking.company_id, self.company_b)

    def test_sync_never_writes_a_record_of_another_company(self):
        side_a, side_b = self.side["a"], self.side["b"]
        booking_b = side_b["booking"]
        Binding = self.env["integration.binding"]
        # A binding to another company's record is refused.
        with self.assertRaises(ValidationError):
            Binding.create(
                {
                    "backend_id": side_a["backend"].id,
                    "model": "integration.booking",
                    "res_id": booking_b.id,
                    "external_id": "X-1",
                }
            )
        binding = side_b["bindings"].filtered(
            lambda b: b.model == "integration.booking" and b.external_id == "B5"
        )
        with self.assertRaises(ValidationError):
            binding.res_id = side_a["booking"].id
        # Shared contacts (no company) are bound by any company's backend.
        shared_guest = self.env["res.partner"].create({"name": "Shared guest"})
        Binding.create(
            {
                "backend_id": side_a["backend"].id,
                "model": "res.partner",
                "res_id": shared_guest.id,
                "external_id": "G-shared",
            }
        )
        # A bound booking moved to company A is not B's backend's to write: a
        # resync gives B a copy of its own and leaves A's booking as it was.
        moved = binding._record()
        moved.write({"company_id": self.company_a.id, "room": "kept"})
        self.remote.touch("booking", ["B5"], {"room": "R-5"})
        side_b["backend"].with_context(queue_job__no_delay=True)._resync_bindings(
            binding
        )
        self.env.invalidate_all()
        self.assertEqual(moved.room, "kept")
        copy = binding._record()
        self.assertNotEqual(copy, moved)
        self.assertEqual((copy.room, copy.company_id), ("R-5", self.company_b))

    def test_push_of_a_company_b_record_runs_in_company_b(self):
        side_b = self.side["b"]
        side_b["backend"].direction = "two_way"
        binding = side_b["bindings"].filtered(
            lambda b: b.model == "integration.booking" and b.external_id == "B6"
        )
        booking = binding._record()
        # The manager, working in company A first, edits B's booking over RPC.
        self.authenticate(MANAGER, MANAGER)
        self.call(
            "integration.booking",
            "write",
            booking.ids,
            {"vals": {"room": "P-6"}},
            companies=self.company_a | self.company_b,
        )
        job = self.env["queue.job"].search(
            [("method_name", "=", "_push_job")], order="id desc", limit=1
        )
        self.assertEqual(job.company_id, self.company_b)
        loaded = Job.load(self.env, job.uuid)
        self.assertEqual(loaded.recordset.env.company, self.company_b)
        loaded.perform()
        self.assertEqual(
            self.remote.resource("booking", "B6")["attributes"]["room"], "P-6"
        )


@tagged("post_install", "-at_install")
class TestRestApiCompanies(ApiCase):
    def test_api_log_and_keys_belong_to_the_record_company_and_user(self):
        booking_b = self.booking(company_id=self.company_b.id)
        for key, booking, room in (
            (self.key_b, booking_b, "B-1"),
            (self.key, self.booking(), "A-1"),
        ):
            response = self.call(
                "PATCH",
                f"/api/v1/bookings/{booking.id}",
                key=key,
                body={
                    "data": {
                        "type": "booking",
                        "id": str(booking.id),
                        "attributes": {"room": room},
                    }
                },
                headers={"Idempotency-Key": f"co-{room}"},
            )
            self.assertEqual(response.status_code, 200, response.text)
        Log = self.env["integration.api.log"]
        log_b = Log.search([("res_id", "=", booking_b.id)])
        self.assertEqual(log_b.company_id, self.company_b)
        self.assertEqual(Log.with_user(self.user_b).search([]), log_b)
        self.assertNotIn(log_b, Log.with_user(self.user).search([]))
        # Each user sees their own REST idempotency key, not the other's.
        Key = self.env["integration.idempotency.key"]
        own = Key.with_user(self.user_b).search([])
        self.assertEqual(own.mapped("key"), ["co-B-1"])
        self.assertEqual(Key.with_user(self.user).search([]).mapped("key"), ["co-A-1"])
