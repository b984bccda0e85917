# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sync metrics per backend from known runs and conflicts and from remote calls
made to a local reference server (answered, slow, failing): runs by kind and
state, records created, updated and failed, conflicts opened and resolved,
remote latency and errors, in the Prometheus output parsed back and on the
backend's form (last 24 hours)."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase
from odoo.tests import tagged

from ..tools import remote_client
from .flow_metrics_common import FlowMetricsMixin
from .sync_common import API_KEY
from .sync_common import ReferenceServer
from .sync_common import SyncCase

CALLS = "integration_backend_call_duration_seconds"


@tagged("post_install", "-at_install")
class TestMetricsSync(FlowMetricsMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        """Runs: full done an hour ago (5 created, 2 updated, 1 failed), delta
        failed 2 hours ago (1 updated, 3 failed), full done 3 days ago (10
        created). Conflicts: 3 opened, 1 of them resolved."""
        super().setUpClass()
        cls._set_metrics_token()
        cls.remote = ReferenceServer(bookings=3, guests=2, api_key=API_KEY).start()
        cls.addClassCleanup(cls.remote.stop)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("integration_hub.allowed_networks", "127.0.0.1")
        params.set_param("integration_hub.allow_http", "True")
        cls.backend = cls.env["integration.backend"].create(
            {
                "name": "Metrics PMS",
                "base_url": cls.remote.url,
                "auth_type": "api_key",
                "api_key": API_KEY,
                "timeout": 10,
            }
        )
        cls.labels = {"backend_id": str(cls.backend.id), "backend": "Metrics PMS"}
        now = fields.Datetime.now()
        Run = cls.env["integration.sync.run"]
        for kind, state, ago, created, updated, failed in (
            ("full", "done", timedelta(hours=1), 5, 2, 1),
            ("delta", "failed", timedelta(hours=2), 0, 1, 3),
            ("full", "done", timedelta(days=3), 10, 0, 0),
        ):
            Run.create(
                {
                    "backend_id": cls.backend.id,
                    "kind": kind,
                    "state": state,
                    "started_at": now - ago,
                    "created_count": created,
                    "updated_count": updated,
                    "error_count": failed,
                }
            )
        bindings = cls.env["integration.binding"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "model": "integration.booking",
                    "external_id": f"BK-{number}",
                }
                for number in range(3)
            ]
        )
        conflicts = cls.env["integration.conflict"].create(
            [
                {
                    "binding_id": binding.id,
                    "local_values": "{}",
                    "remote_values": "{}",
                }
                for binding in bindings
            ]
        )
        conflicts[0].state = "resolved"

    def _call(self):
        """One remote call of the backend; True when it answered."""
        try:
            self.backend._remote("GET", "bookings", {"page[size]": 1})
        except remote_client.RemoteError:
            return False
        return True

    def _make_calls(self):
        """2 answered calls, 1 answered after 0.3 s, 1 answered 500."""
        self.remote.reset()
        self.assertTrue(self._call())
        self.assertTrue(self._call())
        self.remote.set_fault("slow", times=1, delay=0.3)
        self.assertTrue(self._call())
        self.remote.set_fault("http500", times=1)
        self.assertFalse(self._call())
        self.assertEqual(self.remote.stats()["total"], 4)

    def test_runs_records_and_conflicts(self):
        samples = self._scraped()
        runs = "integration_sync_runs_total"
        self.assertSample(samples, runs, 2, kind="full", state="done", **self.labels)
        self.assertSample(samples, runs, 1, kind="delta", state="failed", **self.labels)
        records = "integration_sync_records_total"
        for outcome, count in (("created", 15), ("updated", 3), ("failed", 4)):
            with self.subTest(outcome=outcome):
                self.assertSample(
                    samples, records, count, outcome=outcome, **self.labels
                )
        conflicts = "integration_sync_conflicts_total"
        self.assertSample(samples, conflicts, 3, event="opened", **self.labels)
        self.assertSample(samples, conflicts, 1, event="resolved", **self.labels)

    def test_remote_calls(self):
        self._make_calls()
        samples = self._scraped()
        calls = "integration_backend_calls_total"
        self.assertSample(samples, calls, 3, outcome="ok", **self.labels)
        self.assertSample(samples, calls, 1, outcome="error", **self.labels)
        # The slow call is the only one over 250 ms (a local server answers the
        # others at once).
        for bound, count in (("0.25", 3), ("0.5", 4), ("30.0", 4), ("+Inf", 4)):
            with self.subTest(le=bound):
                self.assertSample(
                    samples, f"{CALLS}_bucket", count, le=bound, **self.labels
                )
        self.assertSample(samples, f"{CALLS}_count", 4, **self.labels)
        total = samples[f"{CALLS}_sum", frozenset(self.labels.items())]
        self.assertGreaterEqual(total, 0.3)
        self.assertLess(total, 1.0)

    def test_backend_form_last_24_hours(self):
        self._make_calls()
        backend = self.backend
        backend.invalidate_recordset()
        # The run of 3 days ago is out of the window.
        self.assertEqual(backend.metrics_runs_24h, 2)
        self.assertEqual(backend.metrics_runs_failed_24h, 1)
        self.assertEqual(backend.metrics_created_24h, 5)
        self.assertEqual(backend.metrics_updated_24h, 3)
        self.assertEqual(backend.metrics_failed_24h, 4)
        self.assertEqual(backend.metrics_conflicts_opened_24h, 3)
        self.assertEqual(backend.metrics_conflicts_resolved_24h, 1)
        self.assertEqual(backend.metrics_calls_24h, 4)
        self.assertEqual(backend.metrics_call_errors_24h, 1)
        # 4 calls: the p95 (rank 3.8) lies in the bucket of the slow call,
        # 250 to 500 ms.
        self.assertGreater(backend.metrics_call_p95_ms_24h, 250)
        self.assertLessEqual(backend.metrics_call_p95_ms_24h, 500)
        self.assertGreaterEqual(backend.metrics_call_avg_ms_24h, 300 / 4)


@tagged("post_install", "-at_install")
class TestBackendCallCounts(SyncCase):
    """Outside Odoo's HTTP test mode the counts commit on the module's own
    connection, like in production."""

    BOOKINGS = 2
    GUESTS = 1

    def test_count_commits_alone_while_the_backend_row_is_locked(self):
        # The backend was created in this uncommitted transaction, which also
        # locks its row: the count, on another connection, must not wait for it.
        self.env.cr.execute(
            "SELECT id FROM integration_backend WHERE id = %s FOR UPDATE",
            (self.backend.id,),
        )
        self.backend._remote("GET", "bookings", {"page[size]": 1})
        with self.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM integration_backend_call WHERE backend_ref = %s"
                " RETURNING outcome, call_count",
                (self.backend.id,),
            )
            self.assertEqual(cr.fetchall(), [("ok", 1)])
