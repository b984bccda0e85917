# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Circuit breaker state transitions, free of storage.

The ``integration.circuit`` model keeps one :class:`CircuitState` per endpoint in
PostgreSQL and applies these functions while holding the row lock, so every worker
sees the same circuit. The functions never mutate: they return the next state and,
for the transitions operators care about, an event to record.

closed --(threshold consecutive failures)--> open
open --(reopen_at reached, next request)--> half_open (admits up to max_trials)
half_open --(a trial succeeds)--> closed
half_open --(a trial fails)--> open again
"""

from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from typing import NamedTuple

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"
STATES = (CLOSED, OPEN, HALF_OPEN)

EVENT_OPENED = "opened"
EVENT_CLOSED = "closed"


@dataclass(frozen=True)
class CircuitState:
    """One endpoint's circuit.

    ``reopen_at`` is when the next request may go through: while open, the end of
    the open period; while half-open, when trials still in flight are given up as
    lost (their worker died) and new trials are admitted.
    """

    state: str = CLOSED
    consecutive_failures: int = 0
    opened_at: datetime | None = None
    reopen_at: datetime | None = None
    trials_in_flight: int = 0


class Admission(NamedTuple):
    """Answer to "may this request go out now?"; when not allowed, the delivery is
    postponed to ``postpone_until`` rather than failed."""

    allowed: bool
    state: CircuitState
    postpone_until: datetime | None


class Transition(NamedTuple):
    """The state after an outcome, and EVENT_OPENED / EVENT_CLOSED when the circuit
    just opened or closed (None otherwise)."""

    state: CircuitState
    event: str | None


def on_request(
    state: CircuitState, now: datetime, max_trials: int, trial_timeout: int = 60
) -> Admission:
    """Decide whether a request may be sent through the circuit at ``now``.

    :param max_trials: how many trial requests a half-open circuit lets through at
        once.
    :param trial_timeout: seconds after which trials that never reported back are
        presumed lost, so a crashed worker cannot hold the circuit half-open.
    """
    if state.state == CLOSED:
        return Admission(True, state, None)
    if now < state.reopen_at:
        if state.state == OPEN or state.trials_in_flight >= max_trials:
            return Admission(False, state, state.reopen_at)
        trials = state.trials_in_flight + 1
    else:
        # The open period is over, or the half-open trials are overdue: start a
        # fresh round of trials with this request as the first.
        trials = 1
    return Admission(
        True,
        replace(
            state,
            state=HALF_OPEN,
            trials_in_flight=trials,
            reopen_at=now + timedelta(seconds=trial_timeout),
        ),
        None,
    )


def on_success(state: CircuitState) -> Transition:
    """Apply a successful request.

    A success while half-open closes the circuit. A success while open came from a
    request sent before the circuit opened; it predates the decision to open, so it
    changes nothing.
    """
    if state.state == HALF_OPEN:
        return Transition(CircuitState(), EVENT_CLOSED)
    if state.state == OPEN or state.consecutive_failures == 0:
        return Transition(state, None)
    return Transition(replace(state, consecutive_failures=0), None)


def on_failure(
    state: CircuitState, now: datetime, threshold: int, open_seconds: int
) -> Transition:
    """Apply a failed request at ``now``.

    :param threshold: consecutive failures that open a closed circuit.
    :param open_seconds: how long the circuit stays open before trials.
    """
    failures = state.consecutive_failures + 1
    if state.state == HALF_OPEN or (state.state == CLOSED and failures >= threshold):
        return Transition(
            CircuitState(
                state=OPEN,
                consecutive_failures=failures,
                opened_at=now,
                reopen_at=now + timedelta(seconds=open_seconds),
            ),
            EVENT_OPENED,
        )
    # Closed below the threshold, or a late failure while already open: count it,
    # but keep the open period that was decided.
    return Transition(replace(state, consecutive_failures=failures), None)
