# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A receiver that is down opens the circuit: deliveries are postponed without
attempts, operators are told, and once the receiver is back every delivery ends
delivered."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase
from odoo.tests import tagged

from .outbound_common import OutboundMixin
from .outbound_common import Receiver
from .outbound_common import Reply


@tagged("post_install", "-at_install")
class TestCircuitRecovery(OutboundMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_loopback()

    def test_down_open_postpone_recover(self):
        with Receiver(default=Reply(503)) as receiver:
            endpoint = self._new_endpoint(
                receiver.url,
                max_concurrency=1,
                circuit_failure_threshold=3,
                circuit_open_seconds=60,
            )
            Event = self.env["integration.event"]
            deliveries = self.env["integration.delivery"]
            for number in range(6):
                deliveries |= Event.emit("outbound.test", {"n": number}).delivery_ids
            self.run_jobs()
            circuit = endpoint.circuit_id
            self.assertEqual(circuit.state, "open")
            self.assertEqual(len(receiver.requests), 3)
            attempted = deliveries.filtered("attempt_ids")
            postponed = deliveries - attempted
            self.assertEqual(len(attempted), 3)
            self.assertEqual(set(postponed.mapped("attempt_count")), {0})
            self.assertEqual(set(postponed.mapped("state")), {"pending"})
            self.assertEqual(
                set(postponed.mapped("next_attempt_at")), {circuit.reopen_at}
            )
            [opened] = circuit.event_ids
            self.assertEqual((opened.kind, opened.failure_count), ("opened", 3))
            # Written by the circuit's own transaction: read afresh.
            endpoint.invalidate_recordset()
            self.assertTrue(
                any("Circuit opened" in str(m.body) for m in endpoint.message_ids)
            )
            self.assertEqual(endpoint.activity_ids.user_id, endpoint.user_id)

            # Still open: a job running now sends nothing.
            self.make_due(postponed)
            self.run_jobs()
            self.assertEqual(len(receiver.requests), 3)

            # The receiver is back and the open period is over.
            receiver.default = Reply(200)
            self.env.cr.execute(
                "UPDATE integration_circuit SET reopen_at = %s WHERE id = %s",
                (fields.Datetime.now() - timedelta(seconds=1), circuit.id),
            )
            circuit.invalidate_recordset()
            self.make_due(deliveries)
            self.run_jobs()
        self.assertEqual(set(deliveries.mapped("state")), {"delivered"})
        self.assertEqual(circuit.state, "closed")
        self.assertEqual(
            circuit.event_ids.sorted("id").mapped("kind"), ["opened", "closed"]
        )
        self.assertEqual(len(receiver.requests), 9)

    def test_reset_circuit(self):
        endpoint = self._new_endpoint("http://127.0.0.1:9/hook")
        circuit = endpoint.circuit_id
        circuit._record_outcomes([False] * 5, fields.Datetime.now(), "HTTP 503")
        self.assertEqual(circuit.state, "open")
        endpoint.action_reset_circuit()
        self.assertEqual(circuit.state, "closed")
        self.assertEqual(circuit.consecutive_failures, 0)
        self.assertEqual(circuit.event_ids.mapped("kind"), ["closed", "opened"])
