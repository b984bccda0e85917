# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What operators do from the back office: send a test event, retry, cancel,
replay, retry everything failed; and the crons that keep the outbox whole
(deliveries left behind) and small (retention)."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form
from odoo.tests import HttpCase
from odoo.tests import new_test_user
from odoo.tests import tagged

from .outbound_common import OutboundMixin
from .outbound_common import Receiver
from .outbound_common import Reply


@tagged("post_install", "-at_install")
class TestOperatorActions(OutboundMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()
        cls.operator = new_test_user(
            cls.env,
            login="ih_out_operator",
            groups="integration_hub.group_integration_user",
        )

    def _failed_delivery(self, receiver):
        receiver.replies.append(Reply(400))
        delivery = self.env["integration.event"].emit("outbound.test").delivery_ids
        self.run_jobs()
        self.assertEqual(delivery.state, "failed")
        return delivery

    def test_send_test_event_shows_result(self):
        with Receiver() as receiver:
            endpoint = self._new_endpoint(
                receiver.url, event_type_ids=[(6, 0, self._event_type("ping").ids)]
            )
            receiver.secret = endpoint.secret
            result = endpoint.action_send_test_event()
            self.assertEqual(result["params"]["type"], "success")
            self.assertIn("HTTP 200", result["params"]["message"])
            receiver.replies.append(Reply(500))
            result = endpoint.action_send_test_event()
            self.assertEqual(result["params"]["type"], "warning")
            self.assertIn("HTTP 500", result["params"]["message"])
        self.assertEqual(receiver.requests[0]["json"]["type"], "ping")
        self.assertTrue(receiver.requests[0]["verified"])

    def test_retry_cancel_replay_as_operator(self):
        with Receiver() as receiver:
            endpoint = self._new_endpoint(receiver.url)
            delivery = self._failed_delivery(receiver).with_user(self.operator)
            delivery.action_retry()
            self.run_jobs()
            self.assertEqual(delivery.state, "delivered")
            with self.assertRaises(UserError):
                delivery.action_cancel()
            action = delivery.action_replay()
            replay = self.env["integration.delivery"].search(action["domain"])
            self.assertEqual(replay.event_id, delivery.event_id)
            self.run_jobs()
            self.assertEqual(replay.state, "delivered")
            # A replay is the same message: receivers dedupe on webhook-id.
            ids = [r["headers"]["webhook-id"] for r in receiver.requests]
            self.assertEqual(len(set(ids)), 1)
            pending = self._failed_delivery(receiver)
            pending.with_user(self.operator).action_cancel()
            self.assertEqual(pending.state, "cancelled")
        self.assertEqual(endpoint.delivery_count, 3)

    def test_retry_all_failed_and_bulk_retry(self):
        with Receiver() as receiver:
            endpoint = self._new_endpoint(receiver.url)
            failed = self._failed_delivery(receiver) | self._failed_delivery(receiver)
            self.assertEqual(endpoint.problem_count, 2)
            endpoint.action_retry_failed()
            self.run_jobs()
            self.assertEqual(set(failed.mapped("state")), {"delivered"})
            more = self._failed_delivery(receiver) | self._failed_delivery(receiver)
            bulk = self.env.ref("integration_hub.integration_delivery_action_retry")
            bulk.with_user(self.operator).with_context(
                active_model="integration.delivery", active_ids=more.ids
            ).run()
            self.run_jobs()
        self.assertEqual(set(more.mapped("state")), {"delivered"})

    def test_left_behind_deliveries_are_sent(self):
        with Receiver() as receiver:
            self._new_endpoint(receiver.url)
            delivery = self.env["integration.event"].emit("outbound.test").delivery_ids
            self.env.cr.precommit.run()
            # The job is lost (worker killed, server restarted, job deleted).
            self.env["queue.job"].search([("uuid", "=", delivery.job_uuid)]).unlink()
            Delivery = self.env["integration.delivery"]
            Delivery._cron_requeue_left_behind()
            self.assertFalse(self.run_jobs(), "not yet overdue: left alone")
            delivery.next_attempt_at = fields.Datetime.now() - timedelta(minutes=5)
            Delivery._cron_requeue_left_behind()
            self.run_jobs()
        self.assertEqual(delivery.state, "delivered")
        self.assertEqual(len(receiver.requests), 1)

    def test_retention_purge(self):
        endpoint = self._new_endpoint("http://127.0.0.1:9/hook")
        Event = self.env["integration.event"]
        old, recent, old_dead = (
            Event.emit("outbound.test").delivery_ids for _n in range(3)
        )
        long_ago = fields.Datetime.now() - timedelta(days=40)
        old.write({"state": "delivered", "delivered_at": long_ago})
        recent.write({"state": "delivered", "delivered_at": fields.Datetime.now()})
        old_dead.write({"state": "dead"})
        self.env["integration.delivery.attempt"].create(
            {
                "delivery_id": old.id,
                "endpoint_id": endpoint.id,
                "attempt_number": 1,
                "attempted_at": long_ago,
                "outcome": "delivered",
                "status_code": 200,
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE integration_event SET create_date = %s WHERE id = %s",
            (long_ago, old.event_id.id),
        )
        old_event = old.event_id
        self.env["integration.delivery"]._cron_purge()
        self.assertFalse(old.exists())
        self.assertFalse(old_event.exists())
        self.assertTrue(recent.exists())
        # Dead letters are kept longer (90 days by default).
        self.assertTrue(old_dead.exists())
        self.assertFalse(
            self.env["integration.delivery.attempt"].search(
                [("endpoint_id", "=", endpoint.id)]
            )
        )

    def test_views_open(self):
        endpoint = self._new_endpoint("http://127.0.0.1:9/hook")
        with Form(endpoint) as form:
            form.timeout = 20
        self.assertEqual(endpoint.timeout, 20)
        Event = self.env["integration.event"]
        delivery = Event.emit("outbound.test").delivery_ids
        Form(delivery)
        Form(delivery.event_id)
        Form(endpoint.circuit_id)
        settings = Form(self.env["res.config.settings"])
        settings.integration_delivery_retention_days = 10
        settings.save().execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "integration_hub.delivery_retention_days"
            ),
            "10",
        )
        for xmlid in (
            "integration_endpoint_action",
            "integration_delivery_action",
            "integration_event_action",
            "integration_delivery_attempt_action",
            "integration_circuit_action",
        ):
            action = self.env.ref(f"integration_hub.{xmlid}")
            for view_type in {*action.view_mode.split(","), "search"}:
                arch = self.env[action.res_model].get_view(view_type=view_type)
                self.assertTrue(arch["arch"])
