# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inbound metrics per source from known messages and audit lines (and one
refusal made over HTTP): received, refused by reason, messages by state with
``ignored`` at 0, processing delay; in the Prometheus output parsed back and on
the source's form (last 24 hours)."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .flow_metrics_common import FlowMetricsMixin
from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import InboundCase
from .test_inbound_webhooks import library_headers

DELAY = "integration_inbound_processing_delay_seconds"


@tagged("post_install", "-at_install")
class TestMetricsInbound(FlowMetricsMixin, InboundCase):
    @classmethod
    def setUpClass(cls):
        """Source channel: 3 messages received 10 min ago and processed 1, 2 and
        40 s later, 1 received 2 days ago and processed 600 s later, 2 failed
        5 min ago, 1 queued a minute ago. GitHub: 1 received an hour ago,
        processed 7 s later. Refusals: channel, 4 invalid signatures 3 min ago
        and 2 stale timestamps 2 days ago; 5 requests to no source."""
        super().setUpClass()
        cls._set_metrics_token()
        now = fields.Datetime.now()
        Message = cls.env["integration.inbound.message"]
        minute = timedelta(minutes=1)
        second = timedelta(seconds=1)

        def message(source, ago, state, delay=None):
            received = now - ago
            return Message.create(
                {
                    "source_id": source.id,
                    "create_date": received,
                    "state": state,
                    "processed_at": received + delay * second if delay else False,
                    "event_type": "booking.created",
                }
            )

        for delay in (1, 2, 40):
            message(cls.source, 10 * minute, "done", delay)
        message(cls.source, timedelta(days=2), "done", 600)
        message(cls.source, 5 * minute, "failed")
        message(cls.source, 5 * minute, "failed")
        message(cls.source, minute, "queued")
        message(cls.github, 60 * minute, "done", 7)
        Audit = cls.env["integration.inbound.audit"]
        this_minute = now.replace(second=0)
        for slug, code, ago, count in (
            ("channel", "invalid_signature", 3 * minute, 4),
            ("channel", "stale_timestamp", timedelta(days=2), 2),
            ("", "unknown_source", 2 * minute, 5),
        ):
            Audit.create(
                {
                    "slug": slug,
                    "code": code,
                    "logged_at": this_minute - ago,
                    "http_status": 401,
                    "count": count,
                }
            )

    def _refuse_one(self):
        """A request without its signature header, refused over HTTP (400)."""
        body = self.body()
        headers = library_headers(SW_SECRET, body)
        del headers["webhook-signature"]
        response = self.post("channel", body, headers)
        self.assertEqual(response.status_code, 400, response.text)

    def test_received_and_states(self):
        samples = self._scraped()
        self.assertSample(
            samples, "integration_inbound_received_total", 7, source="channel"
        )
        self.assertSample(
            samples, "integration_inbound_received_total", 1, source="github"
        )
        self.assertSample(
            samples, "integration_inbound_received_total", 0, source="stripe"
        )
        for state, count in (("done", 4), ("failed", 2), ("queued", 1), ("ignored", 0)):
            with self.subTest(state=state):
                self.assertSample(
                    samples,
                    "integration_inbound_messages",
                    count,
                    source="channel",
                    state=state,
                )
        self.assertSample(
            samples, "integration_inbound_messages", 0, source="github", state="failed"
        )

    def test_refused_by_reason(self):
        self._refuse_one()
        samples = self._scraped()
        name = "integration_inbound_refused_total"
        self.assertSample(
            samples, name, 4, source="channel", reason="invalid_signature"
        )
        self.assertSample(samples, name, 2, source="channel", reason="stale_timestamp")
        self.assertSample(samples, name, 1, source="channel", reason="missing_header")
        self.assertSample(samples, name, 5, source="", reason="unknown_source")

    def test_processing_delay_histogram(self):
        samples = self._scraped()
        # Channel: 1, 2, 40 and 600 s.
        self.assertHistogram(
            samples,
            DELAY,
            {
                "0.1": 0,
                "0.5": 0,
                "1.0": 1,
                "5.0": 2,
                "10.0": 2,
                "30.0": 2,
                "60.0": 3,
                "300.0": 3,
                "900.0": 4,
                "3600.0": 4,
            },
            4,
            643,
            source="channel",
        )
        self.assertHistogram(
            samples, DELAY, {"5.0": 0, "10.0": 1}, 1, 7, source="github"
        )

    def test_source_form_last_24_hours(self):
        self._refuse_one()
        source = self.source
        source.invalidate_recordset()
        # The message of 2 days ago and its stale timestamps are out of the window.
        self.assertEqual(source.metrics_received_24h, 6)
        self.assertEqual(source.metrics_refused_24h, 5)
        self.assertEqual(source.metrics_processed_24h, 3)
        self.assertEqual(source.metrics_failed_24h, 2)
        self.assertEqual(source.metrics_ignored_24h, 0)
        self.assertEqual(source.metrics_queued_24h, 1)
        self.assertAlmostEqual(source.metrics_delay_avg_s_24h, 43 / 3, places=3)
        # percentile_cont over 1, 2, 40 s: rank 0.95 x 2 = 1.9, between 2 and 40.
        self.assertAlmostEqual(source.metrics_delay_p95_s_24h, 2 + 0.9 * 38)
        self.assertEqual(self.github.metrics_received_24h, 1)
        self.assertAlmostEqual(self.github.metrics_delay_p95_s_24h, 7)
        self.assertEqual(self.stripe.metrics_received_24h, 0)
        view = self.env.ref("integration_hub.integration_inbound_source_view_form")
        arch = self.env["integration.inbound.source"].get_view(view.id)["arch"]
        self.assertIn("metrics_ignored_24h", arch)
