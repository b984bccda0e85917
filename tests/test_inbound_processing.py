# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Accepted messages are processed by their queue_job job: dispatched to the
source's server action or the Python handler of their event type, exactly once;
failures are recorded and retried; operators reprocess; housekeeping deletes what
expired."""

import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.addons.queue_job.exception import FailedJobError
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import new_test_user
from odoo.tests import tagged

from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import InboundCase
from .test_inbound_webhooks import library_headers


class HandlerCase(InboundCase):
    def handler(self, pattern):
        """Decorator declaring ``func(env, message)`` for ``pattern`` in this
        test only, as an addon's override of ``_inbound_handlers`` does."""
        Message = type(self.env["integration.inbound.message"])
        declared = Message._inbound_handlers

        def register(func):
            def _inbound_handlers(model):
                return {**declared(model), pattern: func}

            patcher = patch.object(Message, "_inbound_handlers", _inbound_handlers)
            patcher.start()
            self.addCleanup(patcher.stop)
            return func

        return register


@tagged("post_install", "-at_install")
class TestHandlerRegistry(HandlerCase):
    def test_most_specific_pattern_wins(self):
        for pattern in ("*", "ihtest.*", "ihtest.room.*", "ihtest.room.moved"):
            self.handler(pattern)(lambda env, message, p=pattern: p)
        cases = {
            "ihtest.room.moved": "ihtest.room.moved",
            "ihtest.room.cleaned": "ihtest.room.*",
            "ihtest.created": "ihtest.*",
            "other.created": "*",
            "": "*",
        }
        for event_type, expected in cases.items():
            with self.subTest(event_type=event_type):
                self.assertEqual(
                    self.env["integration.inbound.message"]._find_handler(event_type)(
                        None, None
                    ),
                    expected,
                )

    def test_invalid_patterns_are_refused(self):
        for pattern in ("", "booking*", "*.created", "booking.*.x", "a b"):
            with self.subTest(pattern=pattern), self.assertRaises(ValueError):
                self.handler(pattern)(lambda env, message: None)
                self.env["integration.inbound.message"]._find_handler("a.b")


@tagged("post_install", "-at_install")
class TestInboundProcessing(HandlerCase):
    def receive(self, event_type="ihtest.created", **data):
        """Post a signed delivery; return the stored message."""
        body = json.dumps({"type": event_type, "data": data}).encode()
        response = self.post("channel", body, library_headers(SW_SECRET, body))
        return self.assert_accepted(response)

    def run_job(self, message, raises=None, retry=None):
        """Perform the message's queued job as the job runner would; with
        ``raises``, check it fails with that error.

        Not inside ``assertRaises``: Odoo's rolls back what its block wrote, and
        the failure is recorded in the database on purpose.
        """
        job = Job.load(self.env, message.sudo().job_id.uuid)
        if retry is not None:
            job.retry = retry
        try:
            job.perform()
        except Exception as error:
            if not raises or not isinstance(error, raises):
                raise
            return error
        finally:
            # The job processes every queued message of the source.
            self.env.invalidate_all()
        self.assertIsNone(raises, "the job should have failed")
        return None

    def test_python_handler_runs_once(self):
        calls = []

        @self.handler("ihtest.*")
        def handle(env, message):
            calls.append(message.id)
            partner = env["res.partner"].create(
                {"name": message.payload()["data"]["name"]}
            )
            return {"partner_id": partner.id}

        message = self.receive(name="Ada Inbound-Test")
        self.run_job(message)
        self.assertEqual(message.state, "done")
        partner = self.env["res.partner"].search([("name", "=", "Ada Inbound-Test")])
        self.assertEqual(json.loads(message.result), {"partner_id": partner.id})
        self.assertEqual(message.attempt_count, 1)
        self.assertTrue(message.processed_at)
        # A second run of the same job (a requeued duplicate) does nothing.
        self.run_job(message)
        self.assertEqual(calls, [message.id])

    def test_fallback_handler_and_no_handler(self):
        message = self.receive(event_type="ihtest.unknown")
        self.run_job(message)
        self.assertEqual(message.state, "ignored")
        self.assertIn("No handler", message.result)
        self.handler("*")(lambda env, message: "caught by the fallback")
        message = self.receive(event_type="ihtest.other")
        self.run_job(message)
        self.assertEqual(message.result, "caught by the fallback")

    def test_server_action_mapping_wins(self):
        self.handler("ihtest.*")(lambda env, message: "python handler")
        action = self.env["ir.actions.server"].create(
            {
                "name": "Create guest from webhook",
                "model_id": self.env.ref(
                    "integration_hub.model_integration_inbound_message"
                ).id,
                "state": "code",
                "code": "env['res.partner'].create("
                "{'name': record.payload()['data']['name']})",
            }
        )
        self.source.action_ids = [
            fields.Command.create(
                {"event_type": "ihtest.guest.*", "action_id": action.id}
            )
        ]
        message = self.receive(event_type="ihtest.guest.created", name="Grace Hopper")
        self.run_job(message)
        self.assertEqual(message.state, "done")
        self.assertIn("Create guest from webhook", message.result)
        self.assertTrue(self.env["res.partner"].search([("name", "=", "Grace Hopper")]))
        # Other event types still go to the Python handler.
        other = self.receive(event_type="ihtest.booking.created")
        self.run_job(other)
        self.assertEqual(other.result, "python handler")

    def test_failing_handler_marks_failed_and_retries(self):
        @self.handler("ihtest.*")
        def handle(env, message):
            env["res.partner"].create({"name": "Half-done write"})
            raise ValueError("remote booking 42 not found")

        message = self.receive()
        batch_job = message.sudo().job_id
        self.run_job(message)
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.error, "ValueError: remote booking 42 not found")
        self.assertEqual(message.attempt_count, 1)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Half-done write")]),
            "the failed handler's writes are undone",
        )
        # The failed message now has a job of its own, retrying it later.
        retry_job = message.sudo().job_id
        self.assertNotEqual(retry_job, batch_job)
        self.assertEqual(retry_job.state, "pending")
        self.assertEqual(retry_job.channel, "root.integration.inbound")
        self.assertGreater(retry_job.eta, fields.Datetime.now())
        # A retry that fails again is retried per the job's pattern...
        self.run_job(message, raises=RetryableJobError)
        self.assertEqual(message.attempt_count, 2)
        # ... and the last attempt allowed by its max_retries fails for good.
        self.run_job(message, raises=FailedJobError, retry=retry_job.max_retries - 1)
        self.assertEqual(message.attempt_count, 3)
        self.assertEqual(message.state, "failed")

    def test_reprocess_in_bulk(self):
        outcome = {"fail": True}

        @self.handler("ihtest.*")
        def handle(env, message):
            if outcome["fail"]:
                raise RuntimeError("backend down")
            return "ok"

        messages = self.receive(n=1) | self.receive(n=2)
        self.run_job(messages[0])
        self.assertEqual(set(messages.mapped("state")), {"failed"})
        old_jobs = messages.sudo().mapped("job_id")
        outcome["fail"] = False
        messages.action_reprocess()
        self.assertEqual(set(messages.mapped("state")), {"queued"})
        self.assertEqual(messages.mapped("error"), [False, False])
        self.assertFalse(messages.sudo().mapped("job_id") & old_jobs, "new jobs")
        for message in messages:
            self.run_job(message)
        self.assertEqual(messages.mapped("result"), ["ok", "ok"])
        # The retry jobs queued by the failures find them processed.
        for job in old_jobs:
            Job.load(self.env, job.uuid).perform()
        self.assertEqual(messages.mapped("attempt_count"), [2, 2])
        with self.assertRaises(UserError):
            self.receive(n=3).action_reprocess()

    def test_one_job_processes_a_burst_oldest_first(self):
        calls = []

        @self.handler("ihtest.*")
        def handle(env, message):
            calls.append(message.id)
            return "ok"

        messages = self.receive(n=1) | self.receive(n=2) | self.receive(n=3)
        jobs = messages.sudo().mapped("job_id")
        self.assertEqual(len(jobs), 1, "one job for the whole burst")
        self.assertEqual(
            self.env["queue.job"].search_count(
                [("channel", "=", "root.integration.inbound")]
            ),
            1,
        )
        self.run_job(messages[0])
        self.assertEqual(calls, sorted(messages.ids))
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(messages.mapped("attempt_count"), [1, 1, 1])
        # Running it again (or any other job) processes nothing twice.
        self.run_job(messages[0])
        self.assertEqual(len(calls), 3)

    def test_a_failure_does_not_stop_the_others(self):
        @self.handler("ihtest.*")
        def handle(env, message):
            number = message.payload()["data"]["n"]
            env["res.partner"].create({"name": f"Inbound partner {number}"})
            if number == 2:
                raise ValueError("bad guest")
            return f"partner {number}"

        first, second, third = (self.receive(n=n) for n in (1, 2, 3))
        self.run_job(first)
        self.assertEqual(
            (first.state, second.state, third.state), ("done", "failed", "done")
        )
        self.assertEqual(second.error, "ValueError: bad guest")
        self.assertEqual((first.result, third.result), ("partner 1", "partner 3"))
        names = (
            self.env["res.partner"]
            .search([("name", "like", "Inbound partner %")])
            .mapped("name")
        )
        self.assertEqual(sorted(names), ["Inbound partner 1", "Inbound partner 3"])

    def test_user_reprocesses_but_does_not_configure(self):
        user = new_test_user(
            self.env,
            login="ih_inbound_user",
            groups="integration_hub.group_integration_user",
        )
        self.handler("ihtest.*")(lambda env, message: "done")
        message = self.receive()
        self.run_job(message)
        as_user = message.with_user(user)
        self.assertEqual(as_user.state, "done")
        as_user.action_reprocess()
        self.assertEqual(message.state, "queued")
        source = self.source.with_user(user)
        self.assertEqual(source.slug, "channel")
        with self.assertRaises(AccessError):
            source.write({"rate_limit": 1})
        with self.assertRaises(AccessError):
            source.read(["secret"])
        with self.assertRaises(AccessError):
            as_user.write({"state": "done"})


@tagged("post_install", "-at_install")
class TestInboundHousekeeping(InboundCase):
    def test_housekeeping_deletes_what_expired(self):
        Message = self.env["integration.inbound.message"]
        Key = self.env["integration.idempotency.key"]
        Audit = self.env["integration.inbound.audit"]
        now = fields.Datetime.now()
        values = {"source_id": self.source.id}
        old_message, new_message = Message.create(
            [
                {**values, "state": "done"},
                {**values, "state": "done"},
            ]
        )
        queued = Message.create(values)
        self.env.cr.execute(
            "UPDATE integration_inbound_message SET create_date = %s WHERE id IN %s",
            (now - timedelta(days=31), (old_message.id, queued.id)),
        )
        expired, _claimed = Key._claim("inbound:0", "expired", "h", 60)
        # A key 8 days old is expired with a 7-day lifetime, whatever the hour.
        expired.sudo().expires_at = now - timedelta(days=1, seconds=1)
        expired.flush_recordset()
        kept, _claimed = Key._claim("inbound:0", "kept", "h", 7 * 86400)
        old_audit, new_audit = Audit.create(
            [
                {"code": "old", "logged_at": now - timedelta(days=31)},
                {"code": "new", "logged_at": now},
            ]
        )
        self.env["ir.config_parameter"].set_param(
            "integration_hub.inbound_audit_retention_days", "30"
        )
        self.env.ref(
            "integration_hub.ir_cron_inbound_housekeeping"
        ).method_direct_trigger()
        self.assertFalse(old_message.exists())
        self.assertTrue(new_message.exists())
        self.assertTrue(queued.exists(), "queued messages are kept")
        # Left without a job (its worker stopped before queueing one): queued.
        self.assertEqual(queued.sudo().job_id.state, "pending")
        self.assertFalse(new_message.sudo().job_id, "only stranded messages")
        self.assertFalse(expired.exists())
        self.assertTrue(kept.exists())
        self.assertFalse(old_audit.exists())
        self.assertTrue(new_audit.exists())
