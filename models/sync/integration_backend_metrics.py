# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time

from odoo import fields
from odoo import models

from ...tools import remote_client
from ..common.computed_fields import figure
from ..common.computed_fields import window_start
from .integration_backend_call import OUTCOME_ERROR
from .integration_backend_call import OUTCOME_OK
from .integration_sync_run import STATE_FAILED


class IntegrationBackendMetrics(models.Model):
    """The backend's remote calls counted, and its figures of the last 24 hours
    on its form.

    Every call of :meth:`_remote` is counted in ``integration.backend.call``
    with its duration and outcome, committed on its own so that the calls of a
    failing job count too. The figures are computed when read, from
    ``integration.metrics.sync`` (SQL aggregates): nothing is stored on the backend.
    """

    _inherit = "integration.backend"

    metrics_runs_24h = figure("Runs (24 h)")
    metrics_runs_failed_24h = figure("Failed runs (24 h)")
    metrics_created_24h = figure("Records created (24 h)")
    metrics_updated_24h = figure("Records updated (24 h)")
    metrics_failed_24h = figure("Records failed (24 h)")
    metrics_conflicts_opened_24h = figure("Conflicts opened (24 h)")
    metrics_conflicts_resolved_24h = figure("Conflicts resolved (24 h)")
    metrics_calls_24h = figure("Remote calls (24 h)")
    metrics_call_errors_24h = figure("Remote errors (24 h)")
    metrics_call_avg_ms_24h = figure("Average remote latency ms (24 h)", fields.Float)
    metrics_call_p95_ms_24h = figure("p95 remote latency ms (24 h)", fields.Float)

    def _compute_metrics_24h(self):
        metrics = self.env["integration.metrics.sync"].sudo()
        since = window_start()
        ids = [backend.id for backend in self if backend.id]
        runs = metrics._sync_runs(since, ids)
        conflicts = metrics._sync_conflicts(since, ids)
        calls = metrics._sync_calls(since, ids)
        for backend in self:
            mine = [
                (state, counts)
                for (backend_id, _kind, state), counts in runs.items()
                if backend_id == backend.id
            ]
            opened, resolved = conflicts.get(backend.id, (0, 0))
            call = calls.get(backend.id, {})
            backend.update(
                {
                    "metrics_runs_24h": sum(counts[0] for _state, counts in mine),
                    "metrics_runs_failed_24h": sum(
                        counts[0] for state, counts in mine if state == STATE_FAILED
                    ),
                    "metrics_created_24h": sum(counts[1] for _s, counts in mine),
                    "metrics_updated_24h": sum(counts[2] for _s, counts in mine),
                    "metrics_failed_24h": sum(counts[3] for _s, counts in mine),
                    "metrics_conflicts_opened_24h": opened,
                    "metrics_conflicts_resolved_24h": resolved,
                    "metrics_calls_24h": call.get("calls", 0),
                    "metrics_call_errors_24h": call.get("errors", 0),
                    "metrics_call_avg_ms_24h": call.get("avg_ms") or 0.0,
                    "metrics_call_p95_ms_24h": call.get("p95_ms") or 0.0,
                }
            )

    def _remote(self, method, path, params=None, document=None):
        """Count the call in ``integration.backend.call``: its duration and
        whether it answered usable data (an error: no answer, an HTTP error
        status, a body that is not the expected JSON)."""
        started = time.perf_counter()
        try:
            result = super()._remote(method, path, params=params, document=document)
        except remote_client.CircuitOpenError:
            raise  # nothing was sent: not a call
        except remote_client.RemoteError as error:
            self._count_call(OUTCOME_ERROR, error.status or 0, started)
            raise
        self._count_call(OUTCOME_OK, 0, started)
        return result

    def _count_call(self, outcome, status, started):
        """Count one call begun at ``started`` (``time.perf_counter()``)."""
        self.env["integration.backend.call"].sudo()._record(
            self.id, outcome, status, (time.perf_counter() - started) * 1000
        )
