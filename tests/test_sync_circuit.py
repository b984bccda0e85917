# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The booking system goes down: the backend's circuit opens within its
threshold, sync jobs are postponed without failing (and without using up their
retries), and the sync completes once the system is back; an operator's reset
sends the postponed jobs at once.

The reference system is the real local server, stopped and started again on
the same port; the jobs run as the job runner and ``/queue_job/runjob`` run
them (a postponed job is pending again with its ``eta``)."""

from datetime import timedelta

from odoo import fields
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools import remote_client
from .sync_common import SyncCase

SYNC_CHANNEL = "root.integration.sync"


@tagged("post_install", "-at_install")
class TestSyncCircuit(SyncCase):
    def setUp(self):
        super().setUp()
        self.backend.write({"circuit_failure_threshold": 3, "circuit_open_seconds": 60})
        # Jobs are stored and run by run_due_jobs, as the job runner would.
        self.env = self.env(context=dict(self.env.context, queue_job__no_delay=False))
        self.backend = self.backend.with_env(self.env)
        self.circuit = self.backend.circuit_id

    # -- the outage ------------------------------------------------------------

    def go_down(self):
        """Stop the booking system; it comes back on the same port."""
        self.port = self.remote._httpd.server_address[1]
        self.remote.stop()
        self.addCleanup(self.come_back)

    def come_back(self):
        if self.remote._httpd is None:
            self.remote.port = self.port
            self.remote.start()

    # -- the job runner ---------------------------------------------------------

    def sync_jobs(self):
        return self.env["queue.job"].search(
            [("channel", "=", SYNC_CHANNEL)], order="id"
        )

    def run_due_jobs(self, limit=None):
        """Run the due sync jobs as ``/queue_job/runjob`` does, until none is
        due; return ``(method, outcome)`` per run. A ``RetryableJobError``
        postpones its job (pending again, with its ``eta``); any other error
        fails the test."""
        runs = []
        while limit is None or len(runs) < limit:
            due = self.env["queue.job"].search(
                [
                    ("state", "=", "pending"),
                    ("channel", "=", SYNC_CHANNEL),
                    "|",
                    ("eta", "=", False),
                    ("eta", "<=", fields.Datetime.now()),
                ],
                order="id",
                limit=1,
            )
            if not due:
                break
            job = Job.load(self.env, due.uuid)
            job.set_started()
            job.store()
            try:
                job.perform()
            except RetryableJobError as error:
                job.postpone(result=str(error), seconds=error.seconds)
                job.set_pending(reset_retry=False)
                job.store()
                runs.append((due.method_name, "postponed"))
                continue
            job.set_done()
            job.store()
            self.env.flush_all()
            job.enqueue_waiting()
            runs.append((due.method_name, "done"))
        self.env.invalidate_all()
        return runs

    def make_due(self):
        """Skip the wait (instead of sleeping): pending sync jobs are due now."""
        self.sync_jobs().filtered(lambda job: job.state == "pending").write(
            {"eta": fields.Datetime.now()}
        )
        self.env.flush_all()

    def open_circuit_with_an_outage(self):
        """Plan a full sync with the system up, take it down, and run the first
        page until the circuit opens; return the run and the page's job."""
        self.backend.action_full_sync()
        run = self.last_run()
        self.assertEqual(self.run_due_jobs(limit=1), [("_sync_plan", "done")])
        self.go_down()
        outcomes = []
        for attempt in range(3):
            if attempt:
                self.make_due()
            outcomes += self.run_due_jobs()
        # Only the guests' page is due (the bookings' wait for it): it failed
        # twice, queue_job's retries, and the third failure opened the circuit.
        self.assertEqual(outcomes, [("_sync_page", "postponed")] * 3)
        self.assertEqual(self.circuit.state, "open")
        self.assertEqual(self.circuit.consecutive_failures, 3)
        [opened] = self.circuit.event_ids
        self.assertEqual((opened.kind, opened.failure_count), ("opened", 3))
        self.assertEqual(opened.backend_id, self.backend)
        self.assertFalse(opened.endpoint_id)
        page = self.sync_jobs().filtered(lambda job: job.state == "pending")
        self.assertEqual(page.method_name, "_sync_page")
        return run, page

    def test_booking_system_down_then_back(self):
        run, page = self.open_circuit_with_an_outage()
        self.assertEqual(page.retry, 2, "the opening failure used no retry")
        # Postponed to when the circuit lets a trial through (whole seconds).
        reopen_at = self.circuit.reopen_at
        self.assertTrue(reopen_at <= page.eta <= reopen_at + timedelta(seconds=5))
        self.assertIn("circuit of backend", page.result)
        self.assertTrue(
            any(
                "Circuit opened after 3 consecutive failed calls" in str(m.body)
                for m in self.backend.message_ids
            )
        )
        # While it is open, the job runs again and again (more often than its
        # five retries) and waits each time, sending nothing.
        for _run in range(6):
            self.make_due()
            self.assertEqual(self.run_due_jobs(), [("_sync_page", "postponed")])
        self.assertEqual(
            (page.state, page.retry, self.circuit.consecutive_failures),
            ("pending", 2, 3),
        )
        self.assertEqual(
            (run.state, run.pages_failed, run.pages_done), ("running", 0, 0)
        )

        # Back, and the open period over: a trial call closes the circuit and
        # the sync completes.
        self.come_back()
        self.env.cr.execute(
            "UPDATE integration_circuit SET reopen_at = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(seconds=1), self.circuit.id),
        )
        self.circuit.invalidate_recordset()
        self.make_due()
        outcomes = self.run_due_jobs()
        self.assertEqual(
            outcomes, [("_sync_page", "done")] * 4 + [("_sync_finish", "done")]
        )
        self.assertEqual(self.circuit.state, "closed")
        self.assertEqual(
            self.circuit.event_ids.sorted("id").mapped("kind"), ["opened", "closed"]
        )
        self.assertEqual(
            (run.state, run.pages_done, run.pages_failed, run.created_count),
            ("done", 4, 0, 35),
        )
        self.assertEqual(set(self.sync_jobs().mapped("state")), {"done"})
        # Its runs counted: two failures and the one that succeeded; none of
        # its seven waits for the open circuit.
        self.assertEqual(page.retry, 3)
        self.assertEqual(
            self.env["integration.booking"].search_count([("name", "=like", "BK-%")]),
            25,
        )

    def test_reset_sends_postponed_jobs_at_once(self):
        run, page = self.open_circuit_with_an_outage()
        self.come_back()
        # Still open for a minute: nothing is due.
        self.assertEqual(self.run_due_jobs(), [])
        self.backend.action_reset_circuit()
        self.assertEqual(self.circuit.state, "closed")
        self.assertLessEqual(page.eta, fields.Datetime.now())
        self.assertTrue(
            any("Circuit reset by" in str(m.body) for m in self.backend.message_ids)
        )
        self.run_due_jobs()
        self.assertEqual((run.state, run.created_count), ("done", 35))

    def test_calls_outside_jobs_are_refused_while_open(self):
        before = self.remote.stats()["total"]
        self.circuit._record_outcomes([False] * 3, fields.Datetime.now(), "HTTP 503")
        with self.assertRaisesRegex(UserError, "is open until"):
            self.backend.action_test_connection()
        self.assertEqual(self.remote.stats()["total"], before)
        # Answered refusals are no outage: a 404 keeps the circuit closed.
        self.backend.action_reset_circuit()
        for _n in range(4):
            with self.assertRaisesRegex(remote_client.RemoteError, "404"):
                self.backend._remote("GET", "bookings/NOPE")
        self.assertEqual(
            (self.circuit.state, self.circuit.consecutive_failures), ("closed", 0)
        )
