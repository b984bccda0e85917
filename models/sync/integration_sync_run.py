# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run planning: a sync run, its pages as jobs, and the periodic sync.

A run counts the remote records of every declared collection, enqueues one job
per page (a collection's pages wait for those of the collections it depends
on), and a finishing job that closes the run and moves the backend's delta
cursor when every page succeeded. What a page does with its records is the
importer's (importer.py).
"""

from datetime import timedelta

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.queue_job.delay import chain
from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError
from odoo.tools import SQL

from ...tools import event_log
from ...tools import mapping
from ...tools import remote_client
from ..common.access import USER
from ..common.access import requires_group
from .importer import Importer
from .importer import declared_resources
from .importer import include_params
from .postponement import postpone_job
from .postponement import running_job

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
PAGE_MAX_RETRIES = 5
SYNC_CHANNEL = "root.integration.sync"


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

    # -- planning ---------------------------------------------------------------

    @api.model
    def _start(self, backend, kind, bindings=None):
        """Create a run of ``kind`` for ``backend`` and queue its first job:
        the plan, or for a retry the resync of ``bindings``."""
        run = self.create(
            {
                "backend_id": backend.id,
                "kind": kind,
                "since": backend.delta_cursor if kind == KIND_DELTA else False,
                "pages_total": 1 if kind == KIND_RETRY else 0,
            }
        )
        # In the backend's company: what the jobs create without naming a
        # company is its company's, whoever started them.
        queued = run.with_company(backend.company_id)
        if kind == KIND_RETRY:
            queued.with_delay(
                channel=SYNC_CHANNEL, description=_("Resync %s", run.name)
            )._resync_job(bindings)
        else:
            queued.with_delay(
                channel=SYNC_CHANNEL,
                max_retries=PAGE_MAX_RETRIES,
                description=_("Plan %s", run.name),
            )._sync_plan()
        return run

    def _list_params(self, resource, number, size):
        params = {"page[number]": number, "page[size]": size}
        if self.since:
            params["filter[updated_since]"] = self.since
        return dict(params, **include_params(resource))

    def _transient_failure(self, error, what):
        """Retry the current job later for a transient remote error, or record
        the failure on the run when it is the job's last attempt (or no job).
        An open circuit postpones the job without using up a retry."""
        if isinstance(error, remote_client.CircuitOpenError):
            postpone_job(self.env, error)
        job = running_job(self.env)
        if error.transient and job and job.retry + 1 < job.max_retries:
            raise RetryableJobError(str(error), seconds=error.retry_after)
        self._add_counts({"pages_failed": 1}, page_error=f"{what}: {error}")
        return False

    def _sync_plan(self):
        """Count the pages of each declared collection and enqueue one job per
        page, then the finishing job once every page is done; a run of one page
        per collection is done in this job."""
        self.ensure_one()
        backend = self.backend_id
        pages = {}
        for collection in declared_resources(self.env):
            params = {"page[number]": 1, "page[size]": 1}
            if self.since:
                params["filter[updated_since]"] = self.since
            try:
                total = backend._remote("GET", collection, params)["meta"]["total"]
            except remote_client.RemoteError as error:
                self._transient_failure(error, _("Counting %s", collection))
                return self._sync_finish()
            except (KeyError, TypeError):
                self._add_counts(
                    {"pages_failed": 1},
                    page_error=_("GET %s answered no meta.total.", collection),
                )
                return self._sync_finish()
            pages[collection] = -(-int(total) // backend.page_size)
        self.pages_total = sum(pages.values())
        if all(count <= 1 for count in pages.values()):
            # A typical delta: importing it here saves two trips through the
            # job runner.
            for collection, count in pages.items():
                if count:
                    self._sync_page(collection, 1)
            return self._sync_finish()
        self._queue_pages(pages)
        return True

    def _queue_pages(self, pages):
        """Enqueue the page jobs ({collection: page count}) and the finish."""
        stages = []
        for collection, count in pages.items():
            stage = [
                self.delayable(
                    channel=SYNC_CHANNEL,
                    max_retries=PAGE_MAX_RETRIES,
                    description=_(
                        "%(run)s: %(path)s page %(n)s/%(pages)s",
                        run=self.name,
                        path=collection,
                        n=number,
                        pages=count,
                    ),
                )._sync_page(collection, number)
                for number in range(1, count + 1)
            ]
            if stage:
                stages.append(stage)
        finish = self.delayable(
            channel=SYNC_CHANNEL, description=_("Finish %s", self.name)
        )._sync_finish()
        # Collections in dependency order (guests before bookings), then the
        # finish: each stage waits for every page of the previous one.
        chain(*(group(*stage) for stage in stages), finish).delay()
        uuids = [
            d._generated_job.uuid
            for d in [*(d for stage in stages for d in stage), finish]
            if hasattr(d._generated_job, "uuid")
        ]
        # Integration users start syncs without being queue_job managers.
        self.sudo().job_ids = (
            self.env["queue.job"].sudo().search([("uuid", "in", uuids)])
        )

    def _sync_page(self, collection, number):
        """Import page ``number`` of a declared collection into Odoo."""
        self.ensure_one()
        resource = declared_resources(self.env)[collection]
        backend = self.backend_id
        what = _("%(path)s page %(number)s", path=collection, number=number)
        try:
            document = backend._remote(
                "GET",
                collection,
                self._list_params(resource, number, backend.page_size),
            )
            data = document["data"]
            if not isinstance(data, list):
                raise remote_client.RemoteError(_("data is not a list"))
        except remote_client.RemoteError as error:
            return self._transient_failure(error, what)
        except (KeyError, TypeError):
            error = remote_client.RemoteError(_("the answer has no data member"))
            return self._transient_failure(error, what)
        importer = Importer(backend, self)
        try:
            max_stamp = importer.import_resources(
                resource, data, document.get("included") or []
            )
        except remote_client.CircuitOpenError as error:
            # A related record's call met the open circuit: the whole page
            # waits (its transaction is rolled back by queue_job).
            return self._transient_failure(error, what)
        importer.counts["pages_done"] = 1
        self._add_counts(importer.counts, max_stamp=max_stamp)
        return _("%s records", len(data))

    def _sync_finish(self):
        """Close the run; move the delta cursor only if every page succeeded."""
        self.ensure_one()
        self.invalidate_recordset()
        failed = bool(self.pages_failed)
        self.write(
            {
                "state": STATE_FAILED if failed else STATE_DONE,
                "ended_at": fields.Datetime.now(),
            }
        )
        backend = self.backend_id
        if (
            not failed
            and self.max_remote_updated_at
            and mapping.is_newer(self.max_remote_updated_at, backend.delta_cursor)
        ):
            # Users may start syncs but not configure backends; the cursor is
            # the sync's own bookkeeping.
            backend.sudo().delta_cursor = self.max_remote_updated_at
        self._log_run()
        return self.state

    def _log_run(self):
        """The ``integration_hub.events`` record of this run, closed: its
        request id is the id of the job that closed it."""
        event_log.log_event(
            event_log.SYNC_RUN,
            self.state,
            round((self.ended_at - self.started_at).total_seconds() * 1000),
            self.env.context.get("job_uuid"),
            run_id=self.id,
            backend_id=self.backend_id.id,
            kind=self.kind,
            **{name: self[name] or 0 for name in COUNTERS},
        )

    def _resync_job(self, bindings):
        """Read each binding's remote record and upsert it, then close the run."""
        importer = Importer(self.backend_id, self)
        try:
            for binding in bindings.exists():
                importer.refresh(binding)
        except remote_client.CircuitOpenError as error:
            return self._transient_failure(error, _("Resync"))
        importer.counts["pages_done"] = 1
        self._add_counts(importer.counts)
        return self._sync_finish()

    @api.model
    def _cron_periodic_sync(self):
        """Start a delta sync on every backend whose interval has elapsed and
        that has no run in progress."""
        now = fields.Datetime.now()
        Backend = self.env["integration.backend"]
        for backend in Backend.search([("sync_interval", ">", 0)]):
            due = backend.last_periodic_sync_at
            if due and due + timedelta(minutes=backend.sync_interval) > now:
                continue
            running = self.search_count(
                [("backend_id", "=", backend.id), ("state", "=", STATE_RUNNING)]
            )
            if running:
                continue
            backend.last_periodic_sync_at = now
            self._start(backend, KIND_DELTA)
