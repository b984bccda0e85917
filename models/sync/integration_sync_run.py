# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..common.access import USER
from ..common.access import requires_group

KIND_FULL = "full"
KIND_DELTA = "delta"
KIND_RETRY = "retry"
KIND_REALTIME = "realtime"
KINDS = [
    (KIND_FULL, "Full"),
    (KIND_DELTA, "Delta"),
    (KIND_RETRY, "Retry"),
    (KIND_REALTIME, "Real-time"),
]
STATE_RUNNING = "running"
STATE_DONE = "done"
STATE_FAILED = "failed"
STATES = [
    (STATE_RUNNING, "Running"),
    (STATE_DONE, "Done"),
    (STATE_FAILED, "Failed"),
]
# Counters of a run; pages add to them with one UPDATE each (see _add_counts).
COUNTERS = (
    "created_count",
    "updated_count",
    "unchanged_count",
    "conflict_count",
    "error_count",
    "pages_done",
    "pages_failed",
)


class IntegrationSyncRun(models.Model):
    """One synchronisation pass with a backend: what it created, updated, left
    unchanged, found in conflict or failed on, and the jobs that did it."""

    _name = "integration.sync.run"
    _description = "Sync Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    backend_id = fields.Many2one(
        "integration.backend", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    kind = fields.Selection(KINDS, required=True)
    state = fields.Selection(STATES, default=STATE_RUNNING, required=True)
    started_at = fields.Datetime(default=fields.Datetime.now, required=True)
    ended_at = fields.Datetime()
    since = fields.Char(help="Delta runs: the cursor they asked changes since.")
    max_remote_updated_at = fields.Char(
        help="Newest remote updated_at seen; becomes the backend's cursor when "
        "every page succeeded."
    )
    pages_total = fields.Integer()
    pages_done = fields.Integer()
    pages_failed = fields.Integer()
    created_count = fields.Integer(string="Created")
    updated_count = fields.Integer(string="Updated")
    unchanged_count = fields.Integer(string="Unchanged")
    conflict_count = fields.Integer(string="Conflicts")
    error_count = fields.Integer(string="Errors")
    page_errors = fields.Text()
    binding_ids = fields.One2many("integration.binding", "run_id")
    job_ids = fields.Many2many("queue.job", string="Jobs", copy=False)

    def _compute_name(self):
        kinds = dict(KINDS)
        for run in self:
            run.name = f"{run.backend_id.name} / {kinds.get(run.kind)} #{run.id}"

    def _add_counts(self, counts, page_error=None, max_stamp=None):
        """Add page results to the run in one UPDATE.

        Pages may run in several workers at once; adding in SQL instead of
        read-modify-write loses no page's numbers (a page meeting a concurrent
        update of the run is retried whole by queue_job, as its records are).
        """
        self.ensure_one()
        # Counters of a new run are NULL until the first page adds to them.
        assignments = SQL(", ").join(
            SQL(
                "%s = COALESCE(%s, 0) + %s",
                SQL.identifier(name),
                SQL.identifier(name),
                int(counts.get(name, 0)),
            )
            for name in COUNTERS
        )
        # GREATEST ignores NULL, so the first page's stamp is taken as is; the
        # ISO stamps of one remote sort as text.
        self.env.cr.execute(
            SQL(
                """UPDATE integration_sync_run
                      SET %s,
                          max_remote_updated_at = GREATEST(max_remote_updated_at, %s),
                          page_errors = CASE WHEN %s IS NULL THEN page_errors
                              ELSE COALESCE(page_errors || E'\\n', '') || %s END
                    WHERE id = %s""",
                assignments,
                max_stamp,
                page_error,
                page_error,
                self.id,
            )
        )
        self.invalidate_recordset()

    @requires_group(USER)
    def action_retry_failed(self):
        """Fetch again every record of these runs that failed, in a new run."""
        for run in self:
            failed = run.binding_ids.filtered(lambda b: b.state == "error")
            if not failed:
                raise UserError(_("Run %s has no failed records.", run.name))
            # Users may not create sync runs: the resync does, once checked.
            run.backend_id.sudo()._resync_bindings(failed.sudo())
        return True

    @requires_group(USER)
    def action_view_jobs(self):
        """Open the jobs of this run."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Jobs"),
            "res_model": "queue.job",
            "view_mode": "list,form",
            "domain": [("id", "in", self.job_ids.ids)],
        }
