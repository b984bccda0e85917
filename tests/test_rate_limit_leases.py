# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inbound rate limits counted in blocks: every block is counted in PostgreSQL
before its requests are allowed, so the limit holds across workers."""

import time

from odoo.tests import TransactionCase
from odoo.tests import tagged

from ..models.common import integration_rate_limit


@tagged("post_install", "-at_install")
class TestRateLimitLeases(TransactionCase):
    def setUp(self):
        super().setUp()
        self.RateLimit = self.env["integration.rate.limit"]
        # As in the HTTP tests: the counting happens in the test's transaction.
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        # Each test is one worker starting afresh, within one one-minute window.
        integration_rate_limit._LEASES.clear()
        self.addCleanup(integration_rate_limit._LEASES.clear)
        if time.time() % 60 > 55:
            time.sleep(60 - time.time() % 60)
        now = int(time.time())
        self.window_start = now - now % 60

    def counted(self, key):
        self.env.invalidate_all()
        return self.RateLimit.search([("key", "=", key)]).count

    def test_blocks_are_counted_before_they_are_used(self):
        # A limit of 1000 a minute: blocks of 10.
        allowed = [self.RateLimit._hit_leased("leases:a", 1000)[0] for _i in range(25)]
        self.assertEqual(allowed, [True] * 25)
        self.assertEqual(self.counted("leases:a"), 30, "three blocks taken")

    def test_the_limit_holds_across_workers(self):
        # Other workers have taken 995 of 1000 this minute: this one gets the 5
        # left, then is refused.
        self.RateLimit.create(
            {"key": "leases:b", "window_start": self.window_start, "count": 995}
        ).flush_recordset()
        allowed = [self.RateLimit._hit_leased("leases:b", 1000)[0] for _i in range(7)]
        self.assertEqual(allowed, [True] * 5 + [False] * 2)
        allowed, reset_in = self.RateLimit._hit_leased("leases:b", 1000)
        self.assertFalse(allowed)
        self.assertTrue(1 <= reset_in <= 60)

    def test_small_limits_count_every_request(self):
        allowed = [self.RateLimit._hit_leased("leases:c", 150)[0] for _i in range(3)]
        self.assertEqual(allowed, [True] * 3)
        self.assertEqual(self.counted("leases:c"), 3)
        self.assertFalse(
            [left for key, left in integration_rate_limit._LEASES.items() if left],
            "blocks of one leave nothing in memory",
        )
        self.env.cr.execute(
            "UPDATE integration_rate_limit SET count = 150 WHERE key = 'leases:c'"
        )
        self.assertFalse(self.RateLimit._hit_leased("leases:c", 150)[0])
        self.assertEqual(self.counted("leases:c"), 151, "the refused one is counted")
