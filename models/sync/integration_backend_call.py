# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import fields
from odoo import models

from ...tools import prepared

OUTCOME_OK = "ok"
OUTCOME_ERROR = "error"
OUTCOMES = [(OUTCOME_OK, "Answered"), (OUTCOME_ERROR, "Error")]
# One row per minute, backend, outcome, status and latency bucket; committed at
# once on the module's own connection, so that the calls of a job that fails
# (and rolls back) are counted too.
RECORD_QUERY = """
    INSERT INTO integration_backend_call AS t
        (minute, backend_id, outcome, status_code, latency_bucket, call_count,
         duration_sum_ms)
    VALUES (%(minute)s, %(backend_id)s, %(outcome)s, %(status_code)s,
            %(latency_bucket)s, 1, %(duration_ms)s)
    ON CONFLICT (minute, backend_id, outcome, status_code, latency_bucket)
    DO UPDATE SET call_count = t.call_count + 1,
                  duration_sum_ms = t.duration_sum_ms + EXCLUDED.duration_sum_ms
    RETURNING call_count
"""
RECORD = prepared.Statement("integration_hub_backend_call_record", RECORD_QUERY)


class IntegrationBackendCall(models.Model):
    """Remote calls of the sync counted per minute, backend, outcome, status
    and latency bucket: the remote latency (average, p95) and errors of each
    backend.

    An error is a call that gave no usable answer: a timeout, a connection
    error, an HTTP error status (``status_code`` 0 when none came back) or a
    body that is not the expected JSON.
    """

    _name = "integration.backend.call"
    _inherit = ["integration.latency.mixin"]
    _description = "Sync Backend Calls per Minute"
    _rec_name = "backend_id"

    backend_id = fields.Many2one(
        "integration.backend", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backend_id.company_id")
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True)
    status_code = fields.Integer(
        string="HTTP Status", readonly=True, help="0 when no HTTP answer came back."
    )

    _sql_constraints = [
        (
            "minute_unique",
            "unique(minute, backend_id, outcome, status_code, latency_bucket)",
            "One row per minute, backend, outcome, status and latency bucket.",
        ),
    ]

    @api.model
    def _record(self, backend_id, outcome, status_code, duration_ms):
        """Count one call to backend ``backend_id`` (committed at once)."""
        params = self._count_params(duration_ms)
        params.update(backend_id=backend_id, outcome=outcome, status_code=status_code)
        RECORD.run(self.env, params)
