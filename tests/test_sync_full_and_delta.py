# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Full sync imports everything page by page, a second pass writes nothing,
delta sync fetches only what changed, and the cursor never skips a change."""

from datetime import date

from odoo.addons.queue_job.job import Job
from odoo.tests import tagged

from .sync_common import SyncCase


@tagged("post_install", "-at_install")
class TestSyncFullAndDelta(SyncCase):
    def test_full_sync_imports_every_booking_and_guest(self):
        run = self.full_sync()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.pages_total, 1 + 3)  # 10 guests, 25 bookings
        self.assertEqual(run.pages_done, 4)
        self.assertEqual(run.created_count, 35)
        self.assertEqual(run.error_count, 0)
        remote = self.remote.resource("booking", "B7")
        booking = self.bound("integration.booking", "B7")
        attrs = remote["attributes"]
        self.assertEqual(booking.name, attrs["reference"])
        self.assertEqual(booking.status, attrs["status"])
        self.assertEqual(booking.check_in, date.fromisoformat(attrs["check_in"]))
        self.assertEqual(booking.adults, attrs["adults"])
        self.assertAlmostEqual(booking.amount, attrs["amount"], places=2)
        self.assertEqual(booking.currency_id.name, "EUR")
        guest_id = remote["relationships"]["guest"]["data"]["id"]
        self.assertEqual(booking.guest_id, self.bound("res.partner", guest_id))
        self.assertTrue(booking.guest_id.is_guest)
        self.assertEqual(
            booking.guest_id.name,
            self.remote.resource("guest", guest_id)["attributes"]["name"],
        )
        self.assertEqual(
            self.env["integration.binding"].search_count(
                [("backend_id", "=", self.backend.id)]
            ),
            35,
        )
        newest = max(
            self.remote.resource(t, f"{p}{n}")["attributes"]["updated_at"]
            for t, p, count in (("booking", "B", 25), ("guest", "G", 10))
            for n in range(1, count + 1)
        )
        self.assertEqual(self.backend.delta_cursor, newest)
        self.assertEqual(len(run.job_ids), 0)  # run directly in tests

    def _run_pending_jobs(self):
        """Do what the job runner's /queue_job/runjob does for each pending job;
        return the jobs run, in order."""
        done = []
        env = self.env(context=dict(self.env.context, queue_job__no_delay=False))
        QueueJob = env["queue.job"]
        while pending := QueueJob.search([("state", "=", "pending")], order="id"):
            for record in pending:
                job = Job.load(env, record.uuid)
                job.perform()
                job.set_done()
                job.store()
                env.flush_all()
                job.enqueue_waiting()
                done.append(record)
        return done

    def test_full_sync_is_one_job_per_page_then_a_finishing_job(self):
        self.backend.with_context(queue_job__no_delay=False).action_full_sync()
        run = self.last_run()
        jobs = self._run_pending_jobs()
        self.assertEqual(
            [job.method_name for job in jobs],
            ["_sync_plan"] + ["_sync_page"] * 4 + ["_sync_finish"],
        )
        self.assertEqual({job.channel for job in jobs}, {"root.integration.sync"})
        plan, guest_page, *booking_pages, finish = jobs
        self.assertEqual(
            run.job_ids, self.env["queue.job"].browse([job.id for job in jobs[1:]])
        )
        # Bookings waited for the guests' page, the finish for every booking page.
        for page in booking_pages:
            self.assertEqual(page.dependencies["depends_on"], [guest_page.uuid])
        self.assertEqual(
            set(finish.dependencies["depends_on"]), {p.uuid for p in booking_pages}
        )
        self.assertFalse(plan.dependencies.get("depends_on"))
        self.assertEqual(
            (run.state, run.pages_done, run.created_count), ("done", 4, 35)
        )

    def test_second_full_sync_writes_nothing(self):
        self.full_sync()
        booking = self.bound("integration.booking", "B3")
        written = booking.write_date
        self.env.cr.execute("UPDATE integration_booking SET write_date = '2000-01-01'")
        booking.invalidate_recordset()
        run = self.full_sync()
        self.assertEqual(run.unchanged_count, 35)
        self.assertEqual((run.created_count, run.updated_count), (0, 0))
        booking.invalidate_recordset()
        self.assertEqual(str(booking.write_date), "2000-01-01 00:00:00")
        self.assertTrue(written)

    def test_delta_sync_fetches_only_changes(self):
        self.full_sync()
        self.remote.touch("booking", ["B2", "B5"], {"room": "901"})
        self.remote.touch("guest", ["G4"], {"city": "Gent"})
        before = self.remote.stats()["requests"]
        run = self.delta_sync()
        after = self.remote.stats()["requests"]
        self.assertEqual(run.state, "done")
        # The cursor is inclusive: the newest record of the last run comes again
        # and is left unchanged.
        self.assertEqual(run.updated_count, 3)
        self.assertEqual(run.created_count, 0)
        self.assertEqual(self.bound("integration.booking", "B2").room, "901")
        self.assertEqual(self.bound("res.partner", "G4").city, "Gent")
        self.assertEqual(after["/bookings"] - before["/bookings"], 2)  # count + 1 page
        self.assertEqual(
            self.backend.delta_cursor,
            self.remote.resource("guest", "G4")["attributes"]["updated_at"],
        )

    def test_cursor_stays_when_a_page_fails(self):
        self.full_sync()
        cursor = self.backend.delta_cursor
        self.remote.touch("booking", [f"B{n}" for n in range(1, 16)], {"room": "77"})
        run = self.env["integration.sync.run"].create(
            {"backend_id": self.backend.id, "kind": "delta", "since": cursor}
        )
        run._sync_page("bookings", 1)
        # The second page meets an HTML error page (outside a job: no retry,
        # the page is recorded as failed).
        self.remote.set_fault("html_error", times=1, path_prefix="/bookings")
        run._sync_page("bookings", 2)
        self.assertEqual(run._sync_finish(), "failed")
        self.assertEqual((run.pages_done, run.pages_failed), (1, 1))
        self.assertIn("HTML error page", run.page_errors)
        self.assertEqual(self.backend.delta_cursor, cursor)
        # Once the remote recovers, the next delta gets every change.
        run = self.delta_sync()
        self.assertEqual(run.state, "done")
        rooms = {self.bound("integration.booking", f"B{n}").room for n in range(1, 16)}
        self.assertEqual(rooms, {"77"})
        self.assertEqual(
            self.backend.delta_cursor,
            self.remote.resource("booking", "B15")["attributes"]["updated_at"],
        )

    def test_periodic_cron_starts_due_delta_sync(self):
        self.backend.sync_interval = 30
        self.env["integration.sync.run"]._cron_periodic_sync()
        run = self.last_run()
        self.assertEqual((run.kind, run.state), ("delta", "done"))
        self.assertTrue(self.backend.last_periodic_sync_at)
        # Not due again before its interval.
        self.env["integration.sync.run"]._cron_periodic_sync()
        self.assertEqual(self.last_run(), run)
