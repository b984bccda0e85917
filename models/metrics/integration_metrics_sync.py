# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sync metrics, per backend: runs by kind and outcome, records created,
updated and failed, conflicts opened and resolved, remote call latency
(average, p95) and remote errors.

Read from the sync runs (their kind, state and counts of records), the
conflicts (opened when created, resolved by their state) and
``integration.backend.call``, where each remote call is counted per minute,
outcome and latency bucket.
"""

from odoo import api
from odoo import models
from odoo.tools import SQL

from ...tools import prometheus_families
from .integration_metrics import sql_any

# Record counts of a run, by the outcome they count.
RECORD_OUTCOMES = {
    "created": "created_count",
    "updated": "updated_count",
    "failed": "error_count",
}
CONFLICT_RESOLVED = "resolved"
CALL_ERROR = "error"


class IntegrationMetricsSync(models.AbstractModel):
    """The sync figures, for ``integration.metrics`` and the backend form."""

    _name = "integration.metrics.sync"
    _description = "Integration Metrics: Sync"

    @api.model
    def _flush_sources(self):
        """Write pending changes of backends, runs and conflicts before SQL reads."""
        self.env["integration.backend"].flush_model(["name"])
        self.env["integration.sync.run"].flush_model()
        self.env["integration.conflict"].flush_model(["backend_id", "state"])

    @api.model
    def _sync_runs(self, since=None, backend_ids=None):
        """Runs per backend, kind and state with their record counts:
        ``{(backend_id, kind, state): (runs, created, updated, failed)}``
        (the runs started since ``since`` when given)."""
        self._flush_sources()
        self.env.cr.execute(
            SQL(
                """
                SELECT r.backend_id, r.kind, r.state, count(*),
                       COALESCE(sum(r.created_count), 0),
                       COALESCE(sum(r.updated_count), 0),
                       COALESCE(sum(r.error_count), 0)
                  FROM integration_sync_run r
                 WHERE %(since)s %(backends)s
              GROUP BY r.backend_id, r.kind, r.state
                """,
                since=SQL("r.started_at > %s", since) if since else SQL("TRUE"),
                backends=sql_any("r.backend_id", backend_ids),
            )
        )
        return {tuple(row[:3]): tuple(row[3:]) for row in self.env.cr.fetchall()}

    @api.model
    def _sync_conflicts(self, since=None, backend_ids=None):
        """Conflicts per backend: ``{backend_id: (opened, resolved)}``; since
        ``since``: opened then, and resolved then (last written then)."""
        self._flush_sources()
        self.env.cr.execute(
            SQL(
                """
                SELECT c.backend_id,
                       count(*) FILTER (WHERE %(opened_since)s),
                       count(*) FILTER (WHERE c.state = %(resolved)s
                                          AND %(resolved_since)s)
                  FROM integration_conflict c
                 WHERE c.backend_id IS NOT NULL %(backends)s
              GROUP BY c.backend_id
                """,
                opened_since=SQL("c.create_date > %s", since) if since else SQL("TRUE"),
                resolved_since=(
                    SQL("c.write_date > %s", since) if since else SQL("TRUE")
                ),
                resolved=CONFLICT_RESOLVED,
                backends=sql_any("c.backend_id", backend_ids),
            )
        )
        return {row[0]: tuple(row[1:]) for row in self.env.cr.fetchall()}

    @api.model
    def _sync_calls(self, since, backend_ids=None):
        """Remote calls per backend since ``since``: ``{backend_id: {"calls",
        "errors", "avg_ms", "p95_ms"}}``."""
        Call = self.env["integration.backend.call"]
        stats = {}
        for (backend_id,), (calls, avg_ms, p95_ms) in Call._window_latency(
            ["backend_ref"], since
        ).items():
            if backend_ids is None or backend_id in backend_ids:
                stats[backend_id] = {
                    "calls": calls,
                    "errors": 0,
                    "avg_ms": avg_ms,
                    "p95_ms": p95_ms,
                }
        for backend_id, outcome, _bucket, calls, _sum in Call._latency_rows(
            ["backend_ref", "outcome"], since
        ):
            if outcome == CALL_ERROR and backend_id in stats:
                stats[backend_id]["errors"] += calls
        return stats

    @api.model
    def _metric_families(self):
        """The sync metric families, labelled with the backend's id and name."""
        self.env.cr.execute("SELECT id, name FROM integration_backend")
        names = {
            backend_id: (str(backend_id), name or "")
            for backend_id, name in self.env.cr.fetchall()
        }
        runs, records = {}, {}
        for (backend_id, kind, state), counts in self._sync_runs().items():
            labels = names[backend_id]
            runs[(*labels, kind, state)] = counts[0]
            for position, outcome in enumerate(RECORD_OUTCOMES, start=1):
                key = (*labels, outcome)
                records[key] = records.get(key, 0) + counts[position]
        conflicts = {}
        for backend_id, (opened, resolved) in self._sync_conflicts().items():
            conflicts[(*names[backend_id], "opened")] = opened
            conflicts[(*names[backend_id], "resolved")] = resolved
        calls, buckets, sums = {}, {}, {}
        for backend_id, outcome, bucket, count, duration in self.env[
            "integration.backend.call"
        ]._latency_rows(["backend_ref", "outcome"]):
            if backend_id not in names:
                continue  # a deleted backend's counts, until the retention
            labels = names[backend_id]
            calls[(*labels, outcome)] = calls.get((*labels, outcome), 0) + count
            by_bucket = buckets.setdefault(labels, {})
            by_bucket[bucket] = by_bucket.get(bucket, 0) + count
            sums[labels] = sums.get(labels, 0.0) + duration
        label_names = ["backend_id", "backend"]
        return [
            prometheus_families.counter(
                "integration_sync_runs",
                "Sync runs per backend, kind and state (running, done, failed).",
                [*label_names, "kind", "state"],
                runs,
            ),
            prometheus_families.counter(
                "integration_sync_records",
                "Records the sync runs created, updated or failed, per backend.",
                [*label_names, "outcome"],
                records,
            ),
            prometheus_families.counter(
                "integration_sync_conflicts",
                "Sync conflicts opened and resolved, per backend.",
                [*label_names, "event"],
                conflicts,
            ),
            prometheus_families.counter(
                "integration_backend_calls",
                "Remote calls to the backend per outcome (ok, error).",
                [*label_names, "outcome"],
                calls,
            ),
            prometheus_families.latency_histogram(
                "integration_backend_call_duration_seconds",
                "Time the backend took to answer remote calls.",
                label_names,
                buckets,
                sums,
            ),
        ]
