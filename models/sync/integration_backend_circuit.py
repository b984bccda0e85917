# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The backend's circuit breaker: every remote call asks it first.

The same ``integration.circuit`` as webhook endpoints, one row per backend shared
by every worker in PostgreSQL (threshold, open time and half-open trials are
the backend's). Timeouts, connection errors, 5xx, 429 and unreadable answers
count as failures; answered refusals (4xx) as successes. While the circuit is
open nothing is sent: ``remote_client.CircuitOpenError`` says until when, and the
sync jobs turn it into a postponement without using up a retry
(postponement.py). The failure that opens it is raised as that error too, so
its job waits from then on.
"""

import math

from odoo import _
from odoo import fields
from odoo import models

from ...tools import circuit as circuit_logic
from ...tools import remote_client
from .integration_sync_run import SYNC_CHANNEL


class IntegrationBackendCircuit(models.Model):
    """The circuit breaker of a backend's remote calls, and what it tells the
    operators. The backend model itself (``integration_backend.py``) keeps the
    configuration, the requests and the buttons."""

    _inherit = "integration.backend"

    def _circuit_admit(self):
        """Ask the circuit for one call; return its state before the call, or
        raise ``CircuitOpenError`` when the call must wait.

        In a transaction of its own (the circuit's), committed at once: other
        workers see a trial admitted right away, and the row lock is not held
        while the call is in flight.
        """
        circuit = self.sudo().circuit_id
        if not circuit:
            return None
        now = fields.Datetime.now()
        with circuit._in_own_transaction() as locked:
            before = locked._lock_state()
            admitted, postpone_until = locked._admit(1, now)
        if not admitted:
            raise self._circuit_open_error(postpone_until, now)
        return before

    def _circuit_record(self, before, error=None):
        """Count the outcome of a call admitted in state ``before`` (``error``
        the ``RemoteError`` it ended with, if any); return the error to raise:
        a ``CircuitOpenError`` when this failure opened the circuit, so the
        job waits from now on."""
        if error is not None and error.status is None:
            if not remote_client.is_outage(error):
                # Refused before sending (URL guard): the remote said nothing.
                return error
        success = error is None or not remote_client.is_outage(error)
        if before is None or (
            success
            and before.state == circuit_logic.CLOSED
            and not before.consecutive_failures
        ):
            # The usual case: a healthy circuit has nothing to count.
            return error
        circuit = self.sudo().circuit_id
        reason = "" if success else self._circuit_reason(error)
        with circuit._in_own_transaction() as locked:
            after = locked._record_outcomes([success], fields.Datetime.now(), reason)
        circuit.invalidate_recordset()
        if not success and after.state == circuit_logic.OPEN:
            return self._circuit_open_error(
                after.reopen_at, fields.Datetime.now(), cause=error
            )
        return error

    @staticmethod
    def _circuit_reason(error):
        return f"HTTP {error.status}" if error.status else str(error)[:200]

    def _circuit_open_error(self, until, now, cause=None):
        seconds = max(1, math.ceil((until - now).total_seconds()))
        message = _(
            "The circuit of backend %(name)s is open until %(until)s (UTC); "
            "nothing is sent until then.",
            name=self.name,
            until=until,
        )
        if cause is not None:
            message = f"{cause} {message}"
        return remote_client.CircuitOpenError(message, until, seconds)

    def _notify_circuit_opened(self, failures, reopen_at, reason):
        """Tell the operators that the backend's circuit opened: a message on
        the backend (sync jobs are postponed meanwhile)."""
        self.ensure_one()
        self.sudo().message_post(
            body=_(
                "Circuit opened after %(failures)s consecutive failed calls "
                "(%(reason)s). Sync jobs are postponed until %(reopen)s (UTC).",
                failures=failures,
                reason=reason or _("no reason given"),
                reopen=reopen_at,
            )
        )

    def _on_circuit_reset(self, reopen_at, now):
        """The operator says the backend is back: its waiting sync jobs (those
        the circuit postponed, and retries waiting out their delay) are due at
        once."""
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("state", "=", "pending"),
                    ("channel", "=", SYNC_CHANNEL),
                    ("eta", ">", now),
                ]
            )
        )
        jobs.filtered(lambda job: self in job.records.sudo().backend_id).write(
            {"eta": now}
        )
