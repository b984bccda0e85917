# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json
import logging
from collections import Counter
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import psycopg2

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.queue_job.delay import chain
from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

from ...tools import mapping
from ...tools import merge
from ...tools import redaction
from ...tools import remote_client
from ..common.access import MANAGER
from ..common.access import requires_group
from .integration_binding import STATE_CONFLICT
from .integration_binding import STATE_ERROR
from .integration_binding import STATE_SYNCED
from .integration_sync_run import KIND_DELTA
from .integration_sync_run import KIND_FULL
from .integration_sync_run import KIND_RETRY
from .integration_sync_run import STATE_DONE
from .integration_sync_run import STATE_FAILED
from .integration_sync_run import STATE_RUNNING

_logger = logging.getLogger(__name__)

AUTH_NONE = "none"
AUTH_API_KEY = "api_key"
AUTH_BEARER = "bearer"
AUTH_BASIC = "basic"
AUTH_OAUTH2 = "oauth2"
AUTH_TYPES = [
    (AUTH_NONE, "None"),
    (AUTH_API_KEY, "API key header"),
    (AUTH_BEARER, "Bearer token"),
    (AUTH_BASIC, "Basic"),
    (AUTH_OAUTH2, "OAuth2 client credentials"),
]
DIRECTION_PULL = "pull"
DIRECTION_TWO_WAY = "two_way"
DIRECTIONS = [(DIRECTION_PULL, "Pull only"), (DIRECTION_TWO_WAY, "Two-way")]
STRATEGIES = [
    (merge.SOURCE_WINS, "Source wins (remote)"),
    (merge.TARGET_WINS, "Target wins (Odoo)"),
    (merge.LATEST_WINS, "Latest wins"),
    (merge.MERGE, "Merge (non-empty remote values win)"),
    (merge.MANUAL, "Manual"),
]
# Context key set on every write the sync makes: the id of the backend the data
# came from, which is therefore not pushed the same data back.
SYNC_CONTEXT_KEY = "integration_sync_backend_id"
# Resource type -> (Odoo model, remote collection path).
RESOURCES = {
    mapping.GUEST_TYPE: ("res.partner", "guests"),
    mapping.BOOKING_TYPE: ("integration.booking", "bookings"),
}
# Guests before bookings, so that a booking page finds its guests bound.
SYNC_ORDER = (mapping.GUEST_TYPE, mapping.BOOKING_TYPE)
# A token is renewed this long before it expires, so a request never carries
# a token that expires on the way.
TOKEN_MARGIN = timedelta(seconds=60)
PAGE_MAX_RETRIES = 5
SYNC_CHANNEL = "root.integration.sync"


def _stamp(value):
    """Parse a remote ISO 8601 updated_at into an aware datetime, or None."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _newer(stamp, than):
    """Whether remote stamp ``stamp`` is later than ``than`` (None = never)."""
    new, old = _stamp(stamp), _stamp(than)
    return new is not None and (old is None or new > old)


def _handle_event(env, message, resource_type):
    """Upsert the resource of a ``booking.*`` / ``guest.*`` webhook through the
    sync of the backend its source belongs to.

    The event's ``data`` is the JSON:API resource; a resource without attributes
    (a thin event) is read from the backend first.
    """
    # Handlers run with superuser rights, in the source's company: only a
    # backend of that company may upsert what the source sends.
    backend = env["integration.backend"].search(
        [
            ("inbound_source_id", "=", message.source_id.id),
            ("company_id", "=", message.source_id.company_id.id),
        ],
        limit=1,
    )
    if not backend:
        return _(
            "No backend reads from source %s; nothing synced.", message.source_id.name
        )
    payload = message.payload()
    resource = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(resource, dict) or not resource.get("id"):
        raise UserError(_("The event has no data resource with an id."))
    included = payload.get("included") or []
    if "attributes" not in resource:
        path = RESOURCES[resource_type][1]
        params = {"include": "guest"} if resource_type == mapping.BOOKING_TYPE else None
        try:
            document = backend._remote("GET", f"{path}/{resource['id']}", params)
        except remote_client.RemoteError as error:
            raise UserError(str(error)) from None
        resource, included = document.get("data"), document.get("included") or []
    counts, _stamp_seen = backend._import_resources(resource_type, [resource], included)
    if counts["error_count"]:
        binding = env["integration.binding"].search(
            [
                ("backend_id", "=", backend.id),
                ("model", "=", RESOURCES[resource_type][0]),
                ("external_id", "=", str(resource["id"])),
            ]
        )
        raise UserError(binding.last_error or _("The resource could not be synced."))
    return {key: value for key, value in counts.items() if value}


def handle_booking_event(env, message):
    """Real-time sync of a booking webhook."""
    return _handle_event(env, message, mapping.BOOKING_TYPE)


def handle_guest_event(env, message):
    """Real-time sync of a guest webhook."""
    return _handle_event(env, message, mapping.GUEST_TYPE)


class SyncRecordError(Exception):
    """One remote record cannot be imported; the rest of its page continues."""


# What one record's upsert may raise without stopping its page.
SYNC_RECORD_ERRORS = (
    SyncRecordError,
    remote_client.RemoteError,
    UserError,
    ValueError,
    psycopg2.Error,
)


class IntegrationBackend(models.Model):
    """An external booking system Odoo synchronises bookings and guests with:
    where it is, how to authenticate, how to page, how conflicts are settled,
    and where the last delta sync stopped."""

    _name = "integration.backend"
    _description = "Sync Backend"
    _inherit = ["mail.thread"]
    _order = "name"
    # Its inbound source is one of its company's.
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    # Checked by the outbound URL guard like webhook URLs, when saved and when
    # sent: an on-premise booking system on a private network is allow-listed
    # in integration_hub.allowed_networks. The URLs may carry a credential (a
    # tenant token in the path or query): managers read them whole, users and
    # the chatter their redacted forms.
    base_url = fields.Char(
        string="Base URL",
        required=True,
        groups="integration_hub.group_integration_manager",
        help="e.g. https://pms.example",
    )
    redacted_base_url = fields.Char(
        string="Base URL (redacted)",
        compute="_compute_redacted_urls",
        store=True,
        # Computed with the INSERT: a first computation at commit would be
        # tracked as a change from nothing.
        precompute=True,
        tracking=True,
        help="Scheme, host and port of the base URL; the rest is for Integration "
        "Managers only.",
    )
    auth_type = fields.Selection(
        AUTH_TYPES, string="Authentication", default=AUTH_NONE, required=True
    )
    api_key_header = fields.Char(default="X-API-Key")
    api_key = fields.Char(
        string="API Key or Token", groups="integration_hub.group_integration_manager"
    )
    username = fields.Char(groups="integration_hub.group_integration_manager")
    password = fields.Char(groups="integration_hub.group_integration_manager")
    client_id = fields.Char(groups="integration_hub.group_integration_manager")
    client_secret = fields.Char(groups="integration_hub.group_integration_manager")
    token_url = fields.Char(
        string="Token URL",
        groups="integration_hub.group_integration_manager",
        help="OAuth2 token endpoint; defaults to <base URL>/oauth/token",
    )
    redacted_token_url = fields.Char(
        string="Token URL (redacted)",
        compute="_compute_redacted_urls",
        store=True,
        precompute=True,
    )
    access_token = fields.Char(
        copy=False, groups="integration_hub.group_integration_manager"
    )
    token_expires_at = fields.Datetime(
        copy=False, groups="integration_hub.group_integration_manager"
    )
    page_size = fields.Integer(default=100, required=True)
    timeout = fields.Integer(string="Timeout (s)", default=30, required=True)
    rate_limit = fields.Integer(
        string="Rate Limit (requests/min)", help="0 means no limit."
    )
    conflict_strategy = fields.Selection(
        STRATEGIES, default=merge.SOURCE_WINS, required=True, tracking=True
    )
    direction = fields.Selection(
        DIRECTIONS, default=DIRECTION_PULL, required=True, tracking=True
    )
    sync_interval = fields.Integer(
        string="Sync Interval (min)", default=60, help="0 disables the periodic sync."
    )
    last_periodic_sync_at = fields.Datetime(copy=False, readonly=True)
    delta_cursor = fields.Char(
        copy=False,
        help="Remote updated_at up to which every change has been synced; delta "
        "syncs ask for changes since then.",
    )
    inbound_source_id = fields.Many2one(
        "integration.inbound.source",
        check_company=True,
        help="Webhooks of this source about bookings and guests (booking.*, "
        "guest.*) are upserted as this backend's records: real-time sync.",
    )
    run_ids = fields.One2many("integration.sync.run", "backend_id", string="Runs")
    binding_ids = fields.One2many("integration.binding", "backend_id")
    binding_count = fields.Integer(compute="_compute_counts")
    error_binding_count = fields.Integer(compute="_compute_counts")
    conflict_count = fields.Integer(compute="_compute_counts")

    @api.depends("binding_ids.state")
    def _compute_counts(self):
        Binding = self.env["integration.binding"]
        totals = dict(
            Binding._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        errors = dict(
            Binding._read_group(
                [("backend_id", "in", self.ids), ("state", "=", STATE_ERROR)],
                ["backend_id"],
                ["__count"],
            )
        )
        conflicts = dict(
            self.env["integration.conflict"]._read_group(
                [("backend_id", "in", self.ids), ("state", "=", "open")],
                ["backend_id"],
                ["__count"],
            )
        )
        for backend in self:
            backend.binding_count = totals.get(backend, 0)
            backend.error_binding_count = errors.get(backend, 0)
            backend.conflict_count = conflicts.get(backend, 0)

    @api.depends("base_url", "token_url")
    def _compute_redacted_urls(self):
        for backend in self:
            urls = backend.sudo()
            backend.redacted_base_url = redaction.redact_url(urls.base_url)
            backend.redacted_token_url = redaction.redact_url(urls.token_url)

    @api.constrains("page_size", "timeout", "rate_limit", "sync_interval")
    def _check_numbers(self):
        for backend in self:
            if not 1 <= backend.page_size <= 1000:
                raise ValidationError(_("Page size must be between 1 and 1000."))
            if backend.timeout < 1:
                raise ValidationError(_("Timeout must be at least 1 second."))
            if backend.rate_limit < 0 or backend.sync_interval < 0:
                raise ValidationError(
                    _("Rate limit and sync interval cannot be negative.")
                )

    @api.constrains("base_url", "token_url")
    def _check_base_url(self):
        """Refuse base and token URLs the outbound URL guard refuses."""
        guard = self.env["integration.outbound.guard"]
        for backend in self:
            urls = [(_("Base URL"), backend.base_url)]
            if backend.token_url:
                urls.append((_("Token URL"), backend.token_url))
            for label, url in urls:
                try:
                    guard._vet_url(url)
                except ValueError as error:
                    raise ValidationError(
                        _(
                            "%(label)s of %(name)s: %(error)s",
                            label=label,
                            name=backend.name,
                            error=error,
                        )
                    ) from None

    # -- talking to the remote --------------------------------------------------

    def _url(self, path):
        # Users resync too: the URL is read for them, never shown to them.
        return f"{self.sudo().base_url.rstrip('/')}/{path.lstrip('/')}"

    def _redact_error(self, error):
        """``error`` with the backend's URLs redacted from its message: sync
        errors are stored (runs, bindings, inbound messages) and shown where
        every Integration User reads them."""
        backend = self.sudo()
        error.args = (
            redaction.redact_text(str(error), [backend.base_url, backend.token_url]),
            *error.args[1:],
        )
        return error

    def _oauth_token(self, force=False):
        """Return a valid OAuth2 token, fetching and storing one when needed.

        The token lives on the backend row, so every worker uses the same one
        until it expires. It is written in the caller's transaction: a job that
        rolls back only costs one more token request, and two workers renewing
        at once make queue_job retry one of them.
        """
        backend = self.sudo()
        now = fields.Datetime.now()
        if (
            not force
            and backend.access_token
            and backend.token_expires_at
            and backend.token_expires_at - TOKEN_MARGIN > now
        ):
            return backend.access_token
        token, expires_in = remote_client.fetch_token(
            backend.token_url or self._url("oauth/token"),
            backend.client_id or "",
            backend.client_secret or "",
            timeout=backend.timeout,
            guard=self.env["integration.outbound.guard"]._vet_url,
        )
        backend.write(
            {
                "access_token": token,
                "token_expires_at": now + timedelta(seconds=expires_in),
            }
        )
        return token

    def _auth_headers(self, force_token=False):
        backend = self.sudo()
        if backend.auth_type == AUTH_API_KEY:
            return {backend.api_key_header or "X-API-Key": backend.api_key or ""}
        if backend.auth_type == AUTH_BEARER:
            return {"Authorization": f"Bearer {backend.api_key or ''}"}
        if backend.auth_type == AUTH_BASIC:
            pair = f"{backend.username or ''}:{backend.password or ''}".encode()
            return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
        if backend.auth_type == AUTH_OAUTH2:
            return {"Authorization": f"Bearer {self._oauth_token(force_token)}"}
        return {}

    def _remote(self, method, path, params=None, document=None):
        """Send one request to the backend and return its JSON body.

        Applies the backend's rate limit (shared by all workers in PostgreSQL),
        and renews an OAuth2 token the remote refused once before giving up.
        Raises remote_client.RemoteError.
        """
        self.ensure_one()
        if self.rate_limit:
            allowed, _remaining, reset_in = self.env["integration.rate.limit"]._hit(
                f"backend:{self.id}", self.rate_limit
            )
            if not allowed:
                raise remote_client.RemoteError(
                    _("Rate limit of %s requests per minute reached.", self.rate_limit),
                    transient=True,
                    retry_after=reset_in,
                )
        url = self._url(path)
        # Vetted (and resolved) again at each request: the guard's rules or the
        # host's addresses may have changed since the URL was saved.
        guard = self.env["integration.outbound.guard"]._vet_url
        try:
            try:
                return remote_client.request(
                    method,
                    url,
                    self._auth_headers(),
                    self.timeout,
                    params,
                    document,
                    guard=guard,
                )
            except remote_client.RemoteAuthError:
                if self.auth_type != AUTH_OAUTH2:
                    raise
                headers = self._auth_headers(force_token=True)
                return remote_client.request(
                    method, url, headers, self.timeout, params, document, guard=guard
                )
        except remote_client.RemoteError as error:
            raise self._redact_error(error) from None

    @requires_group(MANAGER)
    def action_test_connection(self):
        """Read one booking from the remote and tell how many there are."""
        self.ensure_one()
        try:
            document = self._remote("GET", "bookings", {"page[size]": 1})
        except remote_client.RemoteError as error:
            raise UserError(_("Connection failed: %s", error)) from None
        total = (document.get("meta") or {}).get("total")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Connection works"),
                "message": _("The backend has %s bookings.", total),
            },
        }

    # -- runs and jobs --------------------------------------------------------

    @requires_group(MANAGER)
    def action_full_sync(self):
        """Import every booking and guest of the remote, one job per page."""
        return self._start_runs(KIND_FULL)

    @requires_group(MANAGER)
    def action_sync_changes(self):
        """Import what changed on the remote since the delta cursor."""
        return self._start_runs(KIND_DELTA)

    def _in_company(self):
        """This backend in its company (``with_company``): what its jobs create
        without naming a company is its company's, whoever started them."""
        self.ensure_one()
        return self.with_company(self.company_id)

    def _owns(self, record):
        """Whether this backend may bind ``record``: the record has no company
        (a shared contact) or the backend's."""
        self.ensure_one()
        if "company_id" not in record._fields:
            return True
        # Read as superuser: a user's rules may hide the very record to judge.
        company = record.sudo().company_id
        return not company or company == self.company_id

    def _start_runs(self, kind):
        runs = self.env["integration.sync.run"]
        for backend in self:
            run = runs.create(
                {
                    "backend_id": backend.id,
                    "kind": kind,
                    "since": backend.delta_cursor if kind == KIND_DELTA else False,
                }
            )
            backend._in_company().with_delay(
                channel=SYNC_CHANNEL,
                max_retries=PAGE_MAX_RETRIES,
                description=_("Plan %s", run.name),
            )._sync_plan(run)
            runs |= run
        if len(runs) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "integration.sync.run",
                "res_id": runs.id,
                "view_mode": "form",
            }
        return True

    def _list_params(self, run, resource_type, number, size):
        params = {"page[number]": number, "page[size]": size}
        if run.since:
            params["filter[updated_since]"] = run.since
        if resource_type == mapping.BOOKING_TYPE:
            params["include"] = "guest"
        return params

    def _transient_failure(self, run, error, what):
        """Retry the current job later for a transient remote error, or record
        the failure on the run when it is the job's last attempt (or no job)."""
        job = (
            self.env["queue.job"]
            .sudo()
            .search([("uuid", "=", self.env.context.get("job_uuid"))], limit=1)
        )
        if error.transient and job and job.retry + 1 < job.max_retries:
            raise RetryableJobError(str(error), seconds=error.retry_after)
        run._add_counts({"pages_failed": 1}, page_error=f"{what}: {error}")
        return False

    def _sync_plan(self, run):
        """Count the pages of each collection and enqueue one job per page,
        then the finishing job once every page is done; a run of one page per
        collection is done in this job."""
        self.ensure_one()
        pages = {}
        for resource_type in SYNC_ORDER:
            path = RESOURCES[resource_type][1]
            params = self._list_params(run, resource_type, 1, 1)
            params.pop("include", None)
            try:
                total = self._remote("GET", path, params)["meta"]["total"]
            except remote_client.RemoteError as error:
                self._transient_failure(run, error, _("Counting %s", path))
                return self._sync_finish(run)
            except (KeyError, TypeError):
                run._add_counts(
                    {"pages_failed": 1},
                    page_error=_("GET %s answered no meta.total.", path),
                )
                return self._sync_finish(run)
            pages[resource_type] = -(-int(total) // self.page_size)
        run.pages_total = sum(pages.values())
        if all(count <= 1 for count in pages.values()):
            # A typical delta: importing it here saves two trips through the
            # job runner.
            for resource_type, count in pages.items():
                if count:
                    self._sync_page(run, resource_type, 1)
            return self._sync_finish(run)
        stages = []
        for resource_type, count in pages.items():
            path = RESOURCES[resource_type][1]
            stage = [
                self.delayable(
                    channel=SYNC_CHANNEL,
                    max_retries=PAGE_MAX_RETRIES,
                    description=_(
                        "%(run)s: %(path)s page %(n)s/%(pages)s",
                        run=run.name,
                        path=path,
                        n=number,
                        pages=count,
                    ),
                )._sync_page(run, resource_type, number)
                for number in range(1, count + 1)
            ]
            if stage:
                stages.append(stage)
        finish = self.delayable(
            channel=SYNC_CHANNEL, description=_("Finish %s", run.name)
        )._sync_finish(run)
        # Guests first, then bookings, then the finish: each stage waits for
        # every page of the previous one.
        chain(*(group(*stage) for stage in stages), finish).delay()
        uuids = [
            d._generated_job.uuid
            for d in [*(d for stage in stages for d in stage), finish]
            if hasattr(d._generated_job, "uuid")
        ]
        # Integration users start syncs without being queue_job managers.
        run.sudo().job_ids = (
            self.env["queue.job"].sudo().search([("uuid", "in", uuids)])
        )
        return True

    def _sync_page(self, run, resource_type, number):
        """Import one page of a collection into Odoo."""
        self.ensure_one()
        path = RESOURCES[resource_type][1]
        try:
            document = self._remote(
                "GET",
                path,
                self._list_params(run, resource_type, number, self.page_size),
            )
            data = document["data"]
            if not isinstance(data, list):
                raise remote_client.RemoteError(_("data is not a list"))
        except remote_client.RemoteError as error:
            return self._transient_failure(
                run, error, _("%(path)s page %(number)s", path=path, number=number)
            )
        except (KeyError, TypeError):
            return self._transient_failure(
                run,
                remote_client.RemoteError(_("the answer has no data member")),
                _("%(path)s page %(number)s", path=path, number=number),
            )
        counts, max_stamp = self._import_resources(
            resource_type, data, document.get("included") or [], run
        )
        counts["pages_done"] = 1
        run._add_counts(counts, max_stamp=max_stamp)
        return _("%s records", len(data))

    def _sync_finish(self, run):
        """Close the run; move the delta cursor only if every page succeeded."""
        self.ensure_one()
        run.invalidate_recordset()
        failed = bool(run.pages_failed)
        run.write(
            {
                "state": STATE_FAILED if failed else STATE_DONE,
                "ended_at": fields.Datetime.now(),
            }
        )
        if (
            not failed
            and run.max_remote_updated_at
            and (_newer(run.max_remote_updated_at, self.delta_cursor))
        ):
            # Users may start syncs but not configure backends; the cursor is
            # the sync's own bookkeeping.
            self.sudo().delta_cursor = run.max_remote_updated_at
        return run.state

    @api.model
    def _cron_periodic_sync(self):
        """Start a delta sync on every backend whose interval has elapsed and
        that has no run in progress."""
        now = fields.Datetime.now()
        for backend in self.search([("sync_interval", ">", 0)]):
            due = backend.last_periodic_sync_at
            if due and due + timedelta(minutes=backend.sync_interval) > now:
                continue
            running = self.env["integration.sync.run"].search_count(
                [("backend_id", "=", backend.id), ("state", "=", STATE_RUNNING)]
            )
            if running:
                continue
            backend.last_periodic_sync_at = now
            backend._start_runs(KIND_DELTA)

    # -- importing ------------------------------------------------------------

    def _bound_records(self, model_name, external_ids):
        """Return {external id: (binding, existing record or None)}, read in
        two queries for a whole page."""
        bindings = self.env["integration.binding"].search(
            [
                ("backend_id", "=", self.id),
                ("model", "=", model_name),
                ("external_id", "in", list(external_ids)),
            ]
        )
        # A record that left the backend's company is not its to write.
        records = {
            record.id: record
            for record in self.env[model_name]
            .browse(bindings.filtered("res_id").mapped("res_id"))
            .exists()
            if self._owns(record)
        }
        return {b.external_id: (b, records.get(b.res_id)) for b in bindings}

    def _import_resources(self, resource_type, resources, included=(), run=None):
        """Upsert remote resources of one type; return (counts, newest stamp).

        New records are created in one batch; if the batch fails, each record is
        retried alone in its own savepoint, so one bad record fails alone and
        leaves nothing half written.
        """
        self.ensure_one()
        counts = Counter()
        model_name = RESOURCES[resource_type][0]
        resources = [r if isinstance(r, dict) else {} for r in resources]
        bound = self._bound_records(
            model_name, {str(r["id"]) for r in resources if r.get("id")}
        )
        guests = {}
        if resource_type == mapping.BOOKING_TYPE:
            refs = {mapping.relationship_id(r, "guest") for r in resources} - {None}
            guests = {
                ref: record
                for ref, (_binding, record) in self._bound_records(
                    "res.partner", refs
                ).items()
                if record
            }
        included_guests = {
            str(r.get("id")): r
            for r in included
            if isinstance(r, dict) and r.get("type") == mapping.GUEST_TYPE
        }
        max_stamp = None
        to_create = []
        seen = set()
        for resource in resources:
            external_id = str(resource.get("id") or "")
            attrs = resource.get("attributes")
            stamp = attrs.get("updated_at") if isinstance(attrs, dict) else None
            if _newer(stamp, max_stamp):
                max_stamp = stamp
            try:
                if not external_id:
                    raise SyncRecordError(_("A resource without an id was skipped."))
                if external_id in seen:
                    raise SyncRecordError(
                        _("Id %s is served twice on one page.", external_id)
                    )
                seen.add(external_id)
                values = self._remote_values(
                    resource_type, resource, guests, included_guests, counts, run
                )
            except (SyncRecordError, mapping.MappingError) as error:
                self._record_error(model_name, external_id, str(error), run, counts)
                continue
            binding, record = bound.get(external_id, (None, None))
            if record:
                try:
                    with self.env.cr.savepoint():
                        self._update_bound(binding, record, values, stamp, run, counts)
                except SYNC_RECORD_ERRORS as error:
                    self._record_error(model_name, external_id, str(error), run, counts)
            else:
                to_create.append((external_id, values, stamp, binding))
        if to_create:
            self._create_records(model_name, to_create, run, counts)
        return counts, max_stamp

    def _remote_values(self, resource_type, resource, guests, included, counts, run):
        """Map a remote resource to Odoo values; a booking's guest is resolved
        to its partner (``guests``: the page's bound ones), importing it first
        if it is not bound yet."""
        attrs = resource.get("attributes")
        if resource_type == mapping.GUEST_TYPE:
            return mapping.guest_values_from_attributes(attrs)
        values = mapping.booking_values_from_attributes(attrs)
        guest_ref = mapping.relationship_id(resource, "guest")
        if not guest_ref:
            raise SyncRecordError(_("The booking has no guest."))
        if guest_ref not in guests:
            guests[guest_ref] = self._import_guest(guest_ref, included, counts, run)
        values["guest_id"] = guests[guest_ref].id
        return values

    def _import_guest(self, external_id, included, counts, run):
        """Import a remote guest a booking refers to (enrichment): from the
        page's ``included`` resources, else ``GET /guests/<id>``; return it."""
        resource = included.get(external_id)
        if resource is None:
            try:
                resource = self._remote("GET", f"guests/{external_id}")["data"]
            except remote_client.RemoteError as error:
                raise SyncRecordError(
                    _(
                        "Guest %(guest)s could not be read: %(error)s",
                        guest=external_id,
                        error=error,
                    )
                ) from None
            except (KeyError, TypeError):
                raise SyncRecordError(
                    _("Guest %s: the answer has no data member.", external_id)
                ) from None
        guest_counts, _stamp_seen = self._import_resources(
            mapping.GUEST_TYPE, [resource], run=run
        )
        counts.update(guest_counts)
        _binding, partner = self._bound_records("res.partner", [external_id]).get(
            external_id, (None, None)
        )
        if not partner:
            raise SyncRecordError(_("Guest %s could not be imported.", external_id))
        return partner

    def _sync_env_model(self, model_name):
        # Records written by the sync carry the backend in the context (echo
        # suppression) and skip the "created" chatter line: the sync run is the
        # log of what it did.
        return self.env[model_name].with_context(
            **{SYNC_CONTEXT_KEY: self.id},
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
        )

    def _create_records(self, model_name, to_create, run, counts):
        """Create new records and their bindings, in one batch if possible."""
        Model = self._sync_env_model(model_name)
        try:
            with self.env.cr.savepoint():
                self._create_batch(Model, to_create, run)
            counts["created_count"] += len(to_create)
            return
        except SYNC_RECORD_ERRORS:
            _logger.debug("batch create failed, retrying one by one", exc_info=True)
        for item in to_create:
            try:
                with self.env.cr.savepoint():
                    self._create_batch(Model, [item], run)
                counts["created_count"] += 1
            except SYNC_RECORD_ERRORS as error:
                self._record_error(model_name, item[0], str(error), run, counts)

    def _create_batch(self, Model, to_create, run):
        vals_list = Model._sync_prepare_vals(
            [values for _ext, values, _stamp, _binding in to_create], self, create=True
        )
        records = Model.create(vals_list)
        now = fields.Datetime.now()
        new_bindings = []
        for record, (external_id, values, stamp, binding) in zip(
            records, to_create, strict=True
        ):
            binding_values = {
                "res_id": record.id,
                "remote_updated_at": stamp,
                "sync_hash": merge.values_hash(values),
                "last_sync_at": now,
                "state": STATE_SYNCED,
                "last_error": False,
                "run_id": run.id if run else False,
            }
            if binding:
                binding.write(binding_values)
            else:
                new_bindings.append(
                    dict(
                        binding_values,
                        backend_id=self.id,
                        model=Model._name,
                        external_id=external_id,
                    )
                )
        self.env["integration.binding"].create(new_bindings)

    def _record_error(self, model_name, external_id, message, run, counts):
        """Mark one remote record as failed on its binding and on the run."""
        counts["error_count"] += 1
        if run and external_id:
            message = f"{external_id}: {message}"
        if not external_id:
            if run:
                run._add_counts({}, page_error=message)
            return
        values = {
            "state": STATE_ERROR,
            "last_error": message,
            "last_sync_at": fields.Datetime.now(),
            "run_id": run.id if run else False,
        }
        binding = self.env["integration.binding"].search(
            [
                ("backend_id", "=", self.id),
                ("model", "=", model_name),
                ("external_id", "=", external_id),
            ]
        )
        if binding:
            binding.write(values)
        else:
            self.env["integration.binding"].create(
                dict(
                    values,
                    backend_id=self.id,
                    model=model_name,
                    external_id=external_id,
                )
            )

    def _update_bound(self, binding, record, remote, stamp, run, counts):
        """Bring a bound record and its remote version together.

        Only the remote changed: write it. Only Odoo changed: push it (two-way).
        Both changed: the backend's conflict strategy decides; manual leaves an
        integration.conflict and the binding waits. Nothing changed: no write.
        """
        local = record._sync_values()
        run_values = {"run_id": run.id} if run else {}
        if binding.state == STATE_CONFLICT:
            conflict = self.env["integration.conflict"].search(
                [("binding_id", "=", binding.id), ("state", "=", "open")], limit=1
            )
            if _newer(stamp, conflict.remote_updated_at):
                conflict.write(
                    {
                        "remote_values": json.dumps(remote, default=str),
                        "remote_updated_at": stamp,
                        "differing_fields": ", ".join(
                            merge.changed_fields(local, remote)
                        ),
                    }
                )
            counts["conflict_count"] += 1
            return
        remote_changed = _newer(stamp, binding.remote_updated_at)
        local_changed = merge.values_hash(local) != binding.sync_hash
        if not merge.changed_fields(local, remote):
            # Same data on both sides: only remember the remote version.
            if remote_changed or binding.state != STATE_SYNCED:
                binding.write(
                    dict(
                        run_values,
                        remote_updated_at=stamp,
                        sync_hash=merge.values_hash(local),
                        state=STATE_SYNCED,
                        last_error=False,
                        last_sync_at=fields.Datetime.now(),
                    )
                )
            counts["unchanged_count"] += 1
            return
        if remote_changed and local_changed:
            counts["conflict_count"] += 1
            result = merge.resolve(
                self.conflict_strategy,
                local,
                remote,
                record.write_date and record.write_date.replace(tzinfo=timezone.utc),
                _stamp(stamp),
            )
            if result is None:
                self._open_conflict(binding, local, remote, stamp, run)
                return
        elif remote_changed:
            result = remote
        elif self.direction == DIRECTION_TWO_WAY:
            result = local
        else:
            # Pull-only: Odoo's own edits stay until the remote changes.
            counts["unchanged_count"] += 1
            return
        self._apply_values(binding, record, local, remote, result, stamp, run)
        counts["updated_count"] += 1

    def _apply_values(self, binding, record, local, remote, result, stamp, run):
        """Make Odoo hold ``result`` and, on a two-way backend, the remote too;
        then record ``result`` as the synced version on the binding."""
        changed = merge.changed_fields(local, result)
        if changed:
            vals = record._sync_prepare_vals([{k: result[k] for k in changed}], self)[0]
            record.with_context(**{SYNC_CONTEXT_KEY: self.id}).write(vals)
        if self.direction == DIRECTION_TWO_WAY and merge.changed_fields(remote, result):
            stamp = self._push(binding, record, result)
        binding.write(
            {
                "remote_updated_at": stamp,
                "sync_hash": merge.values_hash(result),
                "state": STATE_SYNCED,
                "last_error": False,
                "last_sync_at": fields.Datetime.now(),
                "run_id": run.id if run else binding.run_id.id,
            }
        )

    def _push(self, binding, record, values):
        """PATCH the remote copy of a record; return its new updated_at."""
        resource_type, path = (
            (mapping.BOOKING_TYPE, "bookings")
            if binding.model == "integration.booking"
            else (mapping.GUEST_TYPE, "guests")
        )
        data = {
            "id": binding.external_id,
            "type": resource_type,
            "attributes": record._sync_attributes(values),
        }
        if resource_type == mapping.BOOKING_TYPE:
            guest = self.env["integration.binding"].search(
                [
                    ("backend_id", "=", self.id),
                    ("model", "=", "res.partner"),
                    ("res_id", "=", values["guest_id"]),
                ],
                limit=1,
            )
            if guest:
                data["relationships"] = {
                    "guest": {"data": {"type": "guest", "id": guest.external_id}}
                }
        document = self._remote(
            "PATCH", f"{path}/{binding.external_id}", document={"data": data}
        )
        try:
            return document["data"]["attributes"]["updated_at"]
        except (KeyError, TypeError):
            raise SyncRecordError(_("The PATCH answer has no updated_at.")) from None

    def _open_conflict(self, binding, local, remote, stamp, run):
        self.env["integration.conflict"].create(
            {
                "binding_id": binding.id,
                "local_values": json.dumps(local, default=str),
                "remote_values": json.dumps(remote, default=str),
                "remote_updated_at": stamp,
                "differing_fields": ", ".join(merge.changed_fields(local, remote)),
            }
        )
        binding.write({"state": STATE_CONFLICT, "run_id": run.id if run else False})

    def _apply_resolution(self, conflict, values):
        """Settle a conflict with ``values``: write them to Odoo, push them to a
        two-way backend, and let the binding sync again."""
        binding = conflict.binding_id
        record = binding._record()
        if not record:
            raise UserError(_("The Odoo record of %s no longer exists.", conflict.name))
        remote = json.loads(conflict.remote_values)
        # JSON turned dates into strings; compare and write real values.
        values = record._sync_values_from_json(values)
        remote = record._sync_values_from_json(remote)
        binding.state = STATE_SYNCED
        self._apply_values(
            binding,
            record,
            record._sync_values(),
            remote,
            values,
            conflict.remote_updated_at,
            None,
        )

    # -- resync and retry ---------------------------------------------------

    def _resync_bindings(self, bindings):
        """Fetch bound records again in a new run (a job for many of them)."""
        self.ensure_one()
        run = self.env["integration.sync.run"].create(
            {"backend_id": self.id, "kind": KIND_RETRY, "pages_total": 1}
        )
        self._in_company().with_delay(
            channel=SYNC_CHANNEL, description=_("Resync %s", run.name)
        )._resync_job(run, bindings)
        return run

    def _resync_job(self, run, bindings):
        """Read each binding's remote record and upsert it, then close the run."""
        for binding in bindings.exists():
            run._add_counts(self._refresh_binding(binding, run))
        run._add_counts({"pages_done": 1})
        return self._sync_finish(run)

    def _push_job(self, bindings):
        """Send Odoo's changes of bound records to this two-way backend.

        The remote version is read first and goes through the same upsert as a
        sync, so a record changed on both sides follows the conflict strategy.
        """
        for binding in bindings.exists().filtered(lambda b: b.state == STATE_SYNCED):
            self._refresh_binding(binding, None)
        return True

    def _refresh_binding(self, binding, run):
        """Read one bound record from the remote and upsert it; return counts."""
        resource_type = (
            mapping.BOOKING_TYPE
            if binding.model == "integration.booking"
            else mapping.GUEST_TYPE
        )
        path = RESOURCES[resource_type][1]
        params = {"include": "guest"} if resource_type == mapping.BOOKING_TYPE else None
        try:
            document = self._remote("GET", f"{path}/{binding.external_id}", params)
            resource = document["data"]
        except (remote_client.RemoteError, KeyError, TypeError) as error:
            counts = Counter()
            self._record_error(
                binding.model, binding.external_id, str(error), run, counts
            )
            return counts
        counts, _max = self._import_resources(
            resource_type, [resource], document.get("included") or [], run
        )
        return counts
