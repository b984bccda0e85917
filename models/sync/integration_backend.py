# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The backend: an external system Odoo syncs with, as configured by operators.

It holds where the remote is, how to authenticate (API key, bearer, basic,
OAuth2 client credentials with the token shared by every worker), how to page
and how conflicts are settled, sends each request through the remote client
(tools/remote_client.py) under its rate limit, and carries the operators'
buttons. Runs are planned by ``integration.sync.run``, pages imported by the
importer (importer.py), bound records reconciled by ``integration.binding``.

Requests to the remote (authentication, rate limit, the circuit breaker) are
sent from integration_backend_client.py; the circuit breaker is
integration_backend_circuit.py.
"""

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

from ...tools import merge
from ...tools import redaction
from ..common import computed_fields
from ..common.access import MANAGER
from ..common.access import requires_group
from .integration_binding import STATE_ERROR
from .integration_sync_run import KIND_DELTA
from .integration_sync_run import KIND_FULL
from .integration_sync_run import KIND_RETRY

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
# A token is renewed this long before it expires, so a request never carries
# a token that expires on the way.


class IntegrationBackend(models.Model):
    """An external system Odoo synchronises its declared models with (bookings
    and guests, and any model another addon declares): where it is, how to
    authenticate, how to page, how conflicts are settled, and where the last
    delta sync stopped."""

    _name = "integration.backend"
    _description = "Sync Backend"
    _inherit = ["mail.thread", "integration.circuit.mixin"]
    _circuit_owner_field = "backend_id"
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
    redacted_base_url = computed_fields.redacted_url(
        "Base URL (redacted)",
        "_compute_redacted_urls",
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
    redacted_token_url = computed_fields.redacted_url(
        "Token URL (redacted)", "_compute_redacted_urls"
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
        help="Webhooks of this source about synced records (booking.*, guest.*, "
        "<type>.* of every declared model) are upserted as this backend's "
        "records: real-time sync.",
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

    # -- buttons and what they start -----------------------------------------------

    @requires_group(MANAGER)
    def action_full_sync(self):
        """Import every record of every declared collection, one job per page."""
        return self._start_runs(KIND_FULL)

    @requires_group(MANAGER)
    def action_sync_changes(self):
        """Import what changed on the remote since the delta cursor."""
        return self._start_runs(KIND_DELTA)

    def _start_runs(self, kind):
        runs = self.env["integration.sync.run"]
        for backend in self:
            runs |= runs._start(backend, kind)
        if len(runs) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "integration.sync.run",
                "res_id": runs.id,
                "view_mode": "form",
            }
        return True

    def _resync_bindings(self, bindings):
        """Fetch bound records again in a new run (a job for many of them)."""
        self.ensure_one()
        return self.env["integration.sync.run"]._start(self, KIND_RETRY, bindings)

    def _owns(self, record):
        """Whether this backend may bind ``record``: the record has no company
        (a shared contact) or the backend's."""
        self.ensure_one()
        if "company_id" not in record._fields:
            return True
        # Read as superuser: a user's rules may hide the very record to judge.
        company = record.sudo().company_id
        return not company or company == self.company_id

    def _pushes(self):
        """Whether Odoo's changes are sent to this backend (two-way)."""
        self.ensure_one()
        return self.direction == DIRECTION_TWO_WAY
