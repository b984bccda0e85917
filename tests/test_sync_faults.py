# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bad records fail alone and are retried without duplicates; 429s, malformed
JSON and timeouts fail a page clearly, and inside a job are retried."""

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.tests import tagged

from .sync_common import SyncCase


@tagged("post_install", "-at_install")
class TestSyncFaults(SyncCase):
    def test_bad_records_fail_alone_and_retry_without_duplicates(self):
        bad = self.remote.inject_bad_records()
        run = self.full_sync()
        self.assertEqual(run.error_count, 4)
        self.assertEqual(run.created_count, 35)
        self.assertEqual(run.state, "done")
        Booking = self.env["integration.booking"]
        bookings = Booking.search([("name", "=like", "BK-%")])
        self.assertEqual(len(bookings), 25)
        expected_errors = {
            "check_out_before_check_in": "check_out: must be after check_in",
            "unknown_status": "status: must be one of",
            "missing_required_field": "check_in: is required",
            "unknown_guest": "Guest G0 could not be read",
        }
        for kind, message in expected_errors.items():
            binding = self.binding("integration.booking", bad[kind])
            self.assertEqual(binding.state, "error", kind)
            self.assertIn(message, binding.last_error)
            self.assertFalse(binding.res_id)
            self.assertEqual(binding.run_id, run)
        # The duplicate id is one booking with one binding.
        self.assertEqual(
            len(self.binding("integration.booking", bad["duplicate_id"])), 1
        )
        self.assertFalse(Booking.search([("name", "=like", "BAD-%")]))
        # The remote fixes three of them; retrying the failed records of the run
        # imports those and nothing twice.
        self.remote.touch(
            "booking", [bad["check_out_before_check_in"]], {"check_out": "2025-06-09"}
        )
        self.remote.touch("booking", [bad["unknown_status"]], {"status": "confirmed"})
        self.remote.touch(
            "booking", [bad["missing_required_field"]], {"check_in": "2025-05-30"}
        )
        run.action_retry_failed()
        retry = self.last_run()
        self.assertEqual((retry.kind, retry.state), ("retry", "done"))
        self.assertEqual((retry.created_count, retry.error_count), (3, 1))
        self.assertEqual(len(Booking.search([("name", "=like", "BAD-%")])), 3)
        self.assertEqual(
            self.binding("integration.booking", bad["unknown_status"]).state, "synced"
        )
        run = self.full_sync()
        self.assertEqual((run.created_count, run.error_count), (0, 1))
        self.assertEqual(
            Booking.search_count(
                ["|", ("name", "=like", "BK-%"), ("name", "=like", "BAD-%")]
            ),
            28,
        )

    def _page_job(self, run):
        run = run.with_context(queue_job__no_delay=False)
        delayable = run.with_delay(max_retries=5)._sync_page("bookings", 1)
        return Job.load(self.env, delayable.uuid)

    def test_rate_limited_page_is_retried_after_retry_after(self):
        run = self.env["integration.sync.run"].create(
            {"backend_id": self.backend.id, "kind": "full"}
        )
        self.remote.set_fault("rate_limit", times=1, retry_after=7)
        job = self._page_job(run)
        with self.assertRaises(RetryableJobError) as caught:
            job.perform()
        self.assertEqual(caught.exception.seconds, 7)
        self.assertIn("429", str(caught.exception))
        self.assertEqual(run.pages_failed, 0)
        job.perform()
        self.assertEqual(run.pages_done, 1)
        bookings = self.env["integration.booking"].search([("name", "=like", "BK-%")])
        # Ten bookings, and their guests fetched on the way (enrichment).
        self.assertEqual(len(bookings), 10)
        self.assertEqual(run.created_count, 10 + len(bookings.guest_id))

    def test_malformed_json_fails_the_page_with_a_clear_error(self):
        run = self.env["integration.sync.run"].create(
            {"backend_id": self.backend.id, "kind": "full"}
        )
        self.remote.set_fault("malformed_json", times=1)
        run._sync_page("bookings", 1)
        self.assertEqual(run.pages_failed, 1)
        self.assertIn("malformed JSON", run.page_errors)
        self.assertFalse(self.env["integration.binding"].search_count([]))

    def test_timeout_fails_the_page(self):
        # Odoo's test mode raises request timeouts below 10 s to 10 s.
        self.backend.timeout = 1
        self.remote.set_fault("slow", times=1, delay=10.5)
        run = self.env["integration.sync.run"].create(
            {"backend_id": self.backend.id, "kind": "full"}
        )
        run._sync_page("guests", 1)
        self.assertEqual(run.pages_failed, 1)
        self.assertIn("timed out", run.page_errors)

    def test_backend_rate_limit_postpones_the_job(self):
        self.backend.rate_limit = 1
        run = self.env["integration.sync.run"].create(
            {"backend_id": self.backend.id, "kind": "full"}
        )
        run._sync_page("guests", 1)
        job = self._page_job(run)
        with self.assertRaises(RetryableJobError) as caught:
            job.perform()
        self.assertIn("Rate limit", str(caught.exception))
        self.assertGreater(caught.exception.seconds, 0)
