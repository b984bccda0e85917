# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The circuit breaker walks closed → open → half-open → closed (or back to open)
exactly as the delivery flow relies on, and never lets more trials through than
allowed."""

from datetime import datetime
from datetime import timedelta

from odoo.tests.common import BaseCase

from ..tools import circuit
from ..tools.circuit import CLOSED
from ..tools.circuit import EVENT_CLOSED
from ..tools.circuit import EVENT_OPENED
from ..tools.circuit import HALF_OPEN
from ..tools.circuit import OPEN
from ..tools.circuit import CircuitState

T0 = datetime(2025, 1, 1, 12, 0, 0)
THRESHOLD = 3
OPEN_SECONDS = 60


def _fail(state, now=T0):
    return circuit.on_failure(state, now, THRESHOLD, OPEN_SECONDS)


def _opened_state():
    state = CircuitState()
    for _attempt in range(THRESHOLD):
        state, event = _fail(state)
    return state, event


class TestClosed(BaseCase):
    def test_new_circuit_is_closed_and_admits(self):
        allowed, state, postpone_until = circuit.on_request(CircuitState(), T0, 1)
        self.assertTrue(allowed)
        self.assertEqual(state, CircuitState())
        self.assertIsNone(postpone_until)

    def test_failures_below_threshold_only_count(self):
        state, event = _fail(_fail(CircuitState())[0])
        self.assertEqual(state, CircuitState(consecutive_failures=2))
        self.assertIsNone(event)

    def test_success_resets_the_count(self):
        state, event = circuit.on_success(CircuitState(consecutive_failures=2))
        self.assertEqual(state, CircuitState())
        self.assertIsNone(event)

    def test_threshold_opens(self):
        state, event = _opened_state()
        self.assertEqual(event, EVENT_OPENED)
        self.assertEqual(
            state,
            CircuitState(
                state=OPEN,
                consecutive_failures=THRESHOLD,
                opened_at=T0,
                reopen_at=T0 + timedelta(seconds=OPEN_SECONDS),
            ),
        )


class TestOpen(BaseCase):
    def setUp(self):
        super().setUp()
        self.state, _event = _opened_state()

    def test_requests_are_postponed_until_reopen(self):
        now = T0 + timedelta(seconds=OPEN_SECONDS - 1)
        allowed, state, postpone_until = circuit.on_request(self.state, now, 1)
        self.assertFalse(allowed)
        self.assertEqual(state, self.state)
        self.assertEqual(postpone_until, T0 + timedelta(seconds=OPEN_SECONDS))

    def test_late_outcomes_do_not_move_the_reopen_time(self):
        later = T0 + timedelta(seconds=10)
        state, event = _fail(self.state, later)
        self.assertIsNone(event)
        self.assertEqual(state.state, OPEN)
        self.assertEqual(state.consecutive_failures, THRESHOLD + 1)
        self.assertEqual(state.reopen_at, self.state.reopen_at)
        # A success from a request sent before opening changes nothing either.
        self.assertEqual(circuit.on_success(self.state), (self.state, None))

    def test_reopen_time_turns_half_open_and_admits_a_trial(self):
        now = T0 + timedelta(seconds=OPEN_SECONDS)
        allowed, state, postpone_until = circuit.on_request(
            self.state, now, 1, trial_timeout=30
        )
        self.assertTrue(allowed)
        self.assertIsNone(postpone_until)
        self.assertEqual(state.state, HALF_OPEN)
        self.assertEqual(state.trials_in_flight, 1)
        self.assertEqual(state.reopen_at, now + timedelta(seconds=30))


class TestHalfOpen(BaseCase):
    def setUp(self):
        super().setUp()
        opened, _event = _opened_state()
        self.now = T0 + timedelta(seconds=OPEN_SECONDS)
        self.allowed, self.state, _postpone = circuit.on_request(
            opened, self.now, 2, trial_timeout=30
        )

    def test_at_most_max_trials_in_flight(self):
        allowed, second, _postpone = circuit.on_request(self.state, self.now, 2, 30)
        self.assertTrue(allowed)
        self.assertEqual(second.trials_in_flight, 2)
        allowed, third, postpone_until = circuit.on_request(second, self.now, 2, 30)
        self.assertFalse(allowed)
        self.assertEqual(third, second)
        self.assertEqual(postpone_until, self.now + timedelta(seconds=30))

    def test_trial_success_closes(self):
        state, event = circuit.on_success(self.state)
        self.assertEqual(event, EVENT_CLOSED)
        self.assertEqual(state, CircuitState())
        self.assertEqual(state.state, CLOSED)

    def test_trial_failure_reopens(self):
        later = self.now + timedelta(seconds=5)
        state, event = _fail(self.state, later)
        self.assertEqual(event, EVENT_OPENED)
        self.assertEqual(state.state, OPEN)
        self.assertEqual(state.opened_at, later)
        self.assertEqual(state.reopen_at, later + timedelta(seconds=OPEN_SECONDS))
        self.assertEqual(state.trials_in_flight, 0)

    def test_lost_trials_are_given_up_after_the_trial_timeout(self):
        _allowed, full, _postpone = circuit.on_request(self.state, self.now, 2, 30)
        overdue = self.now + timedelta(seconds=30)
        allowed, state, postpone_until = circuit.on_request(full, overdue, 2, 30)
        self.assertTrue(allowed)
        self.assertIsNone(postpone_until)
        self.assertEqual(state.state, HALF_OPEN)
        self.assertEqual(state.trials_in_flight, 1)
        self.assertEqual(state.reopen_at, overdue + timedelta(seconds=30))


class TestContract(BaseCase):
    def test_state_names(self):
        self.assertEqual(circuit.STATES, ("closed", "open", "half_open"))

    def test_states_are_immutable(self):
        with self.assertRaises(AttributeError):
            CircuitState().state = OPEN
