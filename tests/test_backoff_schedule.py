# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Retry schedules parse as operators write them, run out when they should, honour
Retry-After within a cap, and every HTTP outcome lands in the right class."""

from email.utils import formatdate

from odoo.tests.common import BaseCase

from ..tools import backoff
from ..tools.backoff import DELIVERED
from ..tools.backoff import FAILED
from ..tools.backoff import GONE
from ..tools.backoff import RETRY

NOW = 1700000000


class TestParseSchedule(BaseCase):
    def test_plain_seconds(self):
        self.assertEqual(
            backoff.parse_schedule("0, 60, 300, 1800, 7200"), (0, 60, 300, 1800, 7200)
        )

    def test_units(self):
        self.assertEqual(
            backoff.parse_schedule("0,30s, 1m,5M ,2h, 1d, 10 s"),
            (0, 30, 60, 300, 7200, 86400, 10),
        )

    def test_default_is_the_documented_schedule(self):
        # 0 s, 1 min, 5 min, 30 min, 2 h (ARCHITECTURE.md, outbound flow).
        self.assertEqual(
            backoff.parse_schedule(backoff.DEFAULT_RETRY_SCHEDULE),
            (0, 60, 300, 1800, 7200),
        )

    def test_invalid_schedules_say_what_is_wrong(self):
        cases = {
            "": "empty",
            "   ": "empty",
            "0, , 60": "entry 2 is empty",
            "0, 60,": "entry 3 is empty",
            "0, -5": "entry 2 .* negative",
            "-1m": "negative",
            "soon": "'soon'.* not a whole number",
            "1.5m": "not a whole number",
            "5x": "not a whole number",
        }
        for text, message in cases.items():
            with self.subTest(text=text), self.assertRaisesRegex(ValueError, message):
                backoff.parse_schedule(text)


class TestNextAttemptDelay(BaseCase):
    schedule = (0, 60, 300)

    def test_delays_follow_the_schedule_then_run_out(self):
        delays = [backoff.next_attempt_delay(self.schedule, n) for n in range(1, 5)]
        self.assertEqual(delays, [0, 60, 300, None])

    def test_attempt_numbers_start_at_one(self):
        with self.assertRaises(ValueError):
            backoff.next_attempt_delay(self.schedule, 0)


class TestParseRetryAfter(BaseCase):
    def test_delta_seconds(self):
        self.assertEqual(backoff.parse_retry_after("120", NOW, cap=3600), 120)
        self.assertEqual(backoff.parse_retry_after(" 0 ", NOW, cap=3600), 0)

    def test_capped(self):
        self.assertEqual(backoff.parse_retry_after("86400", NOW, cap=3600), 3600)
        date = formatdate(NOW + 86400, usegmt=True)
        self.assertEqual(backoff.parse_retry_after(date, NOW, cap=3600), 3600)

    def test_http_date(self):
        date = formatdate(NOW + 90, usegmt=True)
        self.assertEqual(backoff.parse_retry_after(date, NOW, cap=3600), 90)
        # A fractional "now" rounds the wait up, never sending early.
        self.assertEqual(backoff.parse_retry_after(date, NOW + 0.5, cap=3600), 90)

    def test_obsolete_asctime_date_is_gmt(self):
        # 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT.
        value = "Tue Nov 14 22:15:00 2023"
        self.assertEqual(backoff.parse_retry_after(value, NOW, cap=3600), 100)

    def test_date_in_the_past_means_now(self):
        date = formatdate(NOW - 60, usegmt=True)
        self.assertEqual(backoff.parse_retry_after(date, NOW, cap=3600), 0)

    def test_unusable_values(self):
        for value in (None, "", "-5", "1.5", "soon", "²"):
            with self.subTest(value=value):
                self.assertIsNone(backoff.parse_retry_after(value, NOW, cap=3600))


class TestClassifyStatus(BaseCase):
    def test_statuses(self):
        cases = {
            200: DELIVERED,
            202: DELIVERED,
            204: DELIVERED,
            500: RETRY,
            502: RETRY,
            503: RETRY,
            408: RETRY,
            429: RETRY,
            410: GONE,
            400: FAILED,
            401: FAILED,
            404: FAILED,
            422: FAILED,
            301: FAILED,
            302: FAILED,
            101: FAILED,
        }
        for status, expected in cases.items():
            with self.subTest(status=status):
                self.assertEqual(backoff.classify_status(status), expected)

    def test_transport_errors(self):
        self.assertEqual(backoff.classify_status(None, backoff.ERROR_TIMEOUT), RETRY)
        self.assertEqual(backoff.classify_status(None, backoff.ERROR_CONNECTION), RETRY)
        # Waiting does not help a URL the network guard refuses.
        self.assertEqual(backoff.classify_status(None, "refused_url"), FAILED)

    def test_status_wins_over_error_kind(self):
        self.assertEqual(backoff.classify_status(200, backoff.ERROR_TIMEOUT), DELIVERED)

    def test_an_outcome_is_required(self):
        with self.assertRaises(ValueError):
            backoff.classify_status(None, None)
