# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

from .access import MANAGER
from .access import requires_group

# Extra seconds a half-open trial may take beyond the caller's timeout before it
# is presumed lost (its worker died) and a new round of trials is admitted.
TRIAL_GRACE_SECONDS = 30


class IntegrationCircuitMixin(models.AbstractModel):
    """What calls a remote system through a circuit breaker: webhook endpoints
    and sync backends. Its settings, its ``integration.circuit`` row (created
    with the record, shared by every worker) and the operators' Reset button.

    A model inheriting it names the circuit's field pointing back at it
    (``_circuit_owner_field``), has a ``timeout`` in seconds, and says what
    happens when the circuit opens (``_notify_circuit_opened``) and when an
    operator closes it (``_on_circuit_reset``).
    """

    _name = "integration.circuit.mixin"
    _description = "Integration Circuit Breaker Settings"
    _circuit_owner_field = None

    circuit_failure_threshold = fields.Integer(
        default=5, required=True, help="Consecutive failed attempts that open it."
    )
    circuit_open_seconds = fields.Integer(
        default=60, required=True, help="How long it stays open before trials."
    )
    circuit_half_open_trials = fields.Integer(
        default=3, required=True, help="Trial requests in flight while half-open."
    )
    circuit_id = fields.Many2one("integration.circuit", readonly=True, copy=False)
    circuit_state = fields.Selection(related="circuit_id.state", string="Circuit state")

    @api.constrains(
        "circuit_failure_threshold", "circuit_open_seconds", "circuit_half_open_trials"
    )
    def _check_circuit_settings(self):
        for record in self:
            if (
                record.circuit_failure_threshold <= 0
                or record.circuit_open_seconds <= 0
                or record.circuit_half_open_trials <= 0
            ):
                raise ValidationError(
                    _(
                        "The circuit breaker's failure threshold, open time and "
                        "half-open trials must all be greater than 0."
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        # Created with its owner: the calls that use it never race to make it.
        Circuit = self.env["integration.circuit"].sudo()
        for record in records:
            record.circuit_id = Circuit.create({self._circuit_owner_field: record.id})
        return records

    def _circuit_trial_timeout(self):
        """Seconds after which a half-open trial that never reported back is
        presumed lost."""
        self.ensure_one()
        return self.timeout + TRIAL_GRACE_SECONDS

    def _notify_circuit_opened(self, failures, reopen_at, reason):
        """Tell the operators that the circuit opened after ``failures``
        consecutive failures (the last one: ``reason``), until ``reopen_at``."""
        raise NotImplementedError

    def _on_circuit_reset(self, reopen_at, now):
        """An operator closed the circuit at ``now``: what it postponed until
        ``reopen_at`` may go now."""

    @requires_group(MANAGER)
    def action_reset_circuit(self):
        """Close the circuit breaker by hand."""
        self.circuit_id.action_reset()
        return True
