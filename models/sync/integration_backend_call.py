# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import Query

from ...tools import prepared
from ..common.integration_latency_mixin import count_query

OUTCOME_OK = "ok"
OUTCOME_ERROR = "error"
OUTCOMES = [(OUTCOME_OK, "Answered"), (OUTCOME_ERROR, "Error")]
# One row per minute, backend, outcome, status and latency bucket; committed at
# once on the module's own connection, so that the calls of a job that fails
# (and rolls back) are counted too.
RECORD_QUERY = count_query(
    "integration_backend_call",
    ("backend_ref", "outcome", "status_code"),
    unique=("minute", "backend_ref", "outcome", "status_code", "latency_bucket"),
)
RECORD = prepared.Statement("integration_hub_backend_call_record", RECORD_QUERY)


class IntegrationBackendCall(models.Model):
    """Remote calls of the sync counted per minute, backend, outcome, status
    and latency bucket: the remote latency (average, p95) and errors of each
    backend.

    An error is a call that gave no usable answer: a timeout, a connection
    error, an HTTP error status (``status_code`` 0 when none came back) or a
    body that is not the expected JSON.

    The backend is kept as its id (``backend_ref``), without a foreign key: the
    count commits on another connection than the caller's, whose transaction
    may hold the backend row (or have created it), and a foreign key check
    would wait for that transaction, which waits for the count. Counts of a
    deleted backend are left to the retention.
    """

    _name = "integration.backend.call"
    _inherit = ["integration.latency.mixin"]
    _description = "Sync Backend Calls per Minute"
    _rec_name = "backend_ref"

    backend_ref = fields.Integer(
        string="Backend ID", required=True, readonly=True, index=True
    )
    backend_id = fields.Many2one(
        "integration.backend",
        compute="_compute_backend_id",
        search="_search_backend_id",
    )
    company_id = fields.Many2one(related="backend_id.company_id")
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True)
    status_code = fields.Integer(
        string="HTTP Status", readonly=True, help="0 when no HTTP answer came back."
    )

    _sql_constraints = [
        (
            "minute_unique",
            "unique(minute, backend_ref, outcome, status_code, latency_bucket)",
            "One row per minute, backend, outcome, status and latency bucket.",
        ),
    ]

    @api.depends("backend_ref")
    def _compute_backend_id(self):
        Backend = self.env["integration.backend"].with_context(active_test=False)
        existing = Backend.browse(set(self.mapped("backend_ref"))).exists()
        for call in self:
            call.backend_id = existing & Backend.browse(call.backend_ref)

    def _search_backend_id(self, operator, value):
        """Counts of the backends found by ``value``: ids, or a domain on
        backends (``any``, as record rules search ``backend_id.company_id``)."""
        Backend = self.env["integration.backend"].with_context(active_test=False)
        if operator == "any":
            return [("backend_ref", "in", Backend._search(value))]
        if operator == "in" and isinstance(value, Query):
            return [("backend_ref", "in", value)]  # a subquery of backend ids
        if operator in ("in", "=") and value is not False:
            ids = value if isinstance(value, list | tuple) else [value]
            return [("backend_ref", "in", [v for v in ids if v])]
        return NotImplemented

    @api.model
    def _record(self, backend_id, outcome, status_code, duration_ms):
        """Count one call to backend ``backend_id`` (committed at once)."""
        params = self._count_params(duration_ms)
        params.update(backend_ref=backend_id, outcome=outcome, status_code=status_code)
        self._count(RECORD, params)
