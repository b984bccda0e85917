# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager

from odoo import _
from odoo import api
from odoo import fields
from odoo import models

from ...tools import circuit as circuit_logic
from ...tools import transactions
from ..common.access import MANAGER
from ..common.access import requires_group

CIRCUIT_STATES = [
    (circuit_logic.CLOSED, "Closed"),
    (circuit_logic.OPEN, "Open"),
    (circuit_logic.HALF_OPEN, "Half-open"),
]


class IntegrationCircuit(models.Model):
    """The circuit breaker of one webhook endpoint or one sync backend (its
    owner, an ``integration.circuit.mixin``), shared by every worker and node.

    The state lives in this row and only changes under ``SELECT ... FOR UPDATE`` on
    it, applying the pure transitions of ``tools.circuit``; the delivery job and
    the backend's remote calls run them in a short transaction of their own
    (``_in_own_transaction``). The owner's settings (threshold, open time,
    half-open trials) apply.
    """

    _name = "integration.circuit"
    _description = "Integration Circuit Breaker"
    _rec_name = "endpoint_id"

    endpoint_id = fields.Many2one(
        "integration.endpoint", ondelete="cascade", readonly=True
    )
    backend_id = fields.Many2one(
        "integration.backend", ondelete="cascade", readonly=True
    )
    state = fields.Selection(
        CIRCUIT_STATES, required=True, default=circuit_logic.CLOSED, readonly=True
    )
    consecutive_failures = fields.Integer(readonly=True)
    opened_at = fields.Datetime(readonly=True)
    reopen_at = fields.Datetime(
        readonly=True,
        help="While open: when trial requests start. While half-open: when trials "
        "still in flight are presumed lost.",
    )
    trials_in_flight = fields.Integer(readonly=True)
    last_change_at = fields.Datetime(readonly=True)
    event_ids = fields.One2many(
        "integration.circuit.event", "circuit_id", string="Opens and closes"
    )

    _sql_constraints = [
        ("endpoint_unique", "unique(endpoint_id)", "An endpoint has one circuit."),
        ("backend_unique", "unique(backend_id)", "A backend has one circuit."),
        (
            "one_owner",
            "CHECK(num_nonnulls(endpoint_id, backend_id) = 1)",
            "A circuit belongs to one endpoint or one backend.",
        ),
    ]

    @api.depends("endpoint_id", "backend_id")
    def _compute_display_name(self):
        for circuit in self:
            circuit.display_name = circuit._owner().display_name

    def _owner(self):
        """The endpoint or backend whose calls this circuit guards."""
        self.ensure_one()
        return self.endpoint_id or self.backend_id

    @contextmanager
    def _in_own_transaction(self):
        """Yield this circuit in a fresh cursor, committed when the block ends.

        Circuit decisions must not wait for the delivery transaction to commit:
        other workers have to see a trial admitted or a circuit opened right away,
        and the row lock must not be held while requests are in flight.
        """
        self.ensure_one()
        with transactions.read_committed_cursor(self.env.registry) as cr:
            yield self.with_env(self.env(cr=cr))

    def _lock_state(self):
        """Lock the row and return its state as a ``CircuitState``."""
        # FOR UPDATE: concurrent transitions of this circuit wait for each other,
        # so every failure is counted and trials are never over-admitted.
        self.env.cr.execute(
            """
            SELECT state, consecutive_failures, opened_at, reopen_at, trials_in_flight
              FROM integration_circuit
             WHERE id = %s
               FOR UPDATE
            """,
            (self.id,),
        )
        state, failures, opened_at, reopen_at, trials = self.env.cr.fetchone()
        return circuit_logic.CircuitState(
            state=state,
            consecutive_failures=failures or 0,
            opened_at=opened_at,
            reopen_at=reopen_at,
            trials_in_flight=trials or 0,
        )

    def _store_state(self, before, after, now):
        if after == before:
            return
        # The row is locked by _lock_state in this transaction; plain UPDATE.
        self.env.cr.execute(
            """
            UPDATE integration_circuit
               SET state = %s, consecutive_failures = %s, opened_at = %s,
                   reopen_at = %s, trials_in_flight = %s,
                   last_change_at = CASE WHEN state = %s THEN last_change_at
                                         ELSE %s END,
                   write_date = %s, write_uid = %s
             WHERE id = %s
            """,
            (
                after.state,
                after.consecutive_failures,
                after.opened_at,
                after.reopen_at,
                after.trials_in_flight,
                after.state,
                now,
                now,
                self.env.uid,
                self.id,
            ),
        )
        self.invalidate_recordset()

    def _admit(self, count, now):
        """Ask to send ``count`` requests at ``now``.

        :returns: ``(admitted, postpone_until)``: how many of the requests may go
            out, and until when the others are postponed (None when all may go).
        """
        owner = self._owner()
        before = state = self._lock_state()
        admitted, postpone_until = 0, None
        for _request in range(count):
            admission = circuit_logic.on_request(
                state,
                now,
                owner.circuit_half_open_trials,
                trial_timeout=owner._circuit_trial_timeout(),
            )
            state = admission.state
            if not admission.allowed:
                postpone_until = admission.postpone_until
                break
            admitted += 1
        self._store_state(before, state, now)
        return admitted, postpone_until

    def _record_outcomes(self, successes, now, reason=""):
        """Apply the outcomes of finished requests, in order, and return the
        resulting ``CircuitState``.

        :param successes: one boolean per request, True when the receiver answered
            usefully.
        :param reason: why the failures failed, kept on an "opened" event.
        """
        owner = self._owner()
        before = state = self._lock_state()
        for success in successes:
            if success:
                transition = circuit_logic.on_success(state)
            else:
                transition = circuit_logic.on_failure(
                    state,
                    now,
                    owner.circuit_failure_threshold,
                    owner.circuit_open_seconds,
                )
            if transition.event:
                self._record_event(transition.event, now, reason, state, transition)
            state = transition.state
        self._store_state(before, state, now)
        return state

    def _record_event(self, kind, now, reason, before, transition):
        failures = transition.state.consecutive_failures or before.consecutive_failures
        self.env["integration.circuit.event"].create(
            {
                "circuit_id": self.id,
                "endpoint_id": self.endpoint_id.id,
                "backend_id": self.backend_id.id,
                "kind": kind,
                "occurred_at": now,
                "reason": reason if kind == circuit_logic.EVENT_OPENED else "",
                "failure_count": failures,
            }
        )
        if kind == circuit_logic.EVENT_OPENED:
            self._owner()._notify_circuit_opened(
                failures, transition.state.reopen_at, reason
            )

    @requires_group(MANAGER)
    def action_reset(self):
        """Close the circuit by hand, e.g. once the receiver is known to be back."""
        now = fields.Datetime.now()
        for circuit in self:
            before = circuit._lock_state()
            if before.state != circuit_logic.CLOSED:
                circuit._record_event(
                    circuit_logic.EVENT_CLOSED,
                    now,
                    "",
                    before,
                    circuit_logic.Transition(
                        circuit_logic.CircuitState(), circuit_logic.EVENT_CLOSED
                    ),
                )
                owner = circuit._owner()
                owner.message_post(body=_("Circuit reset by %s.", self.env.user.name))
                owner._on_circuit_reset(before.reopen_at, now)
            circuit._store_state(before, circuit_logic.CircuitState(), now)
        return True
