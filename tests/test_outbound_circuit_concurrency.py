# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The circuit breaker is shared by concurrent transactions: failures reported at
the same time are all counted, and half-open admits at most the configured
number of trials. Each thread has its own cursor on committed data."""

import threading
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase
from odoo.tests import tagged

from .concurrency_common import assert_own_connection
from .concurrency_common import registry_lock_as_when_serving

THREADS = 6


@tagged("post_install", "-at_install")
class TestCircuitConcurrency(TransactionCase):
    def setUp(self):
        super().setUp()
        # Committed in a cursor of its own so that other cursors see it; removed
        # again by the cleanup.
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            params = env["ir.config_parameter"].sudo()
            self.old_params = {
                key: params.get_param(key)
                for key in (
                    "integration_hub.allowed_networks",
                    "integration_hub.allow_http",
                )
            }
            params.set_param("integration_hub.allowed_networks", "127.0.0.1")
            params.set_param("integration_hub.allow_http", "True")
            event_type = env["integration.event.type"]._by_code("ping")
            endpoint = env["integration.endpoint"].create(
                {
                    "name": "Concurrency",
                    "url": "http://127.0.0.1:9/hook",
                    "event_type_ids": [(6, 0, event_type.ids)],
                    "circuit_failure_threshold": 4,
                    "circuit_half_open_trials": 2,
                    "user_id": False,
                }
            )
            self.endpoint_id = endpoint.id
            self.circuit_id = endpoint.circuit_id.id
        self.addCleanup(self._drop_committed)

    def _drop_committed(self):
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            env["integration.endpoint"].browse(self.endpoint_id).unlink()
            params = env["ir.config_parameter"].sudo()
            for key, value in self.old_params.items():
                params.set_param(key, value or False)

    def _in_threads(self, work):
        """Run ``work(circuit)`` in THREADS threads at once, each in its own
        committed transaction; return their results."""
        barrier = threading.Barrier(THREADS)
        results, errors = [], []

        def run():
            try:
                circuit = self.env["integration.circuit"].browse(self.circuit_id)
                with circuit._in_own_transaction() as mine:
                    assert_own_connection(mine.env.cr)
                    # Each transaction reads first, then they all go for the
                    # lock at once.
                    mine.endpoint_id.read(["circuit_failure_threshold"])
                    barrier.wait(10)
                    results.append(work(mine))
            except Exception as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=run) for _thread in range(THREADS)]
        with registry_lock_as_when_serving():
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        self.assertFalse(errors, errors)
        return results

    def _committed_circuit(self):
        with self.registry.cursor() as cr:
            circuit = self.env(cr=cr)["integration.circuit"].browse(self.circuit_id)
            return (
                circuit.state,
                circuit.consecutive_failures,
                circuit.trials_in_flight,
                circuit.event_ids.mapped("kind"),
            )

    def test_simultaneous_failures_are_all_counted(self):
        now = fields.Datetime.now()
        self._in_threads(lambda circuit: circuit._record_outcomes([False], now, "x"))
        state, failures, _trials, kinds = self._committed_circuit()
        self.assertEqual(failures, THREADS)
        # Threshold 4: the fourth failure opened it, once.
        self.assertEqual(state, "open")
        self.assertEqual(kinds, ["opened"])

    def test_half_open_admits_at_most_the_trials(self):
        now = fields.Datetime.now()
        with self.registry.cursor() as cr:
            cr.execute(
                """UPDATE integration_circuit
                      SET state = 'open', consecutive_failures = 4,
                          opened_at = %s, reopen_at = %s
                    WHERE id = %s""",
                (
                    now - timedelta(seconds=120),
                    now - timedelta(seconds=60),
                    self.circuit_id,
                ),
            )
        admitted = self._in_threads(lambda circuit: circuit._admit(1, now)[0])
        self.assertEqual(sum(admitted), 2, admitted)
        state, _failures, trials, _kinds = self._committed_circuit()
        self.assertEqual((state, trials), ("half_open", 2))
