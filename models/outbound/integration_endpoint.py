# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.exceptions import ValidationError

from ...tools import backoff
from ...tools import redaction
from ...tools import signatures
from ..common import computed_fields
from ..common.access import MANAGER
from ..common.access import USER
from ..common.access import requires_group
from ..metrics.integration_metrics import EMPTY_STATS
from .integration_delivery import DELIVERY_DEAD
from .integration_delivery import DELIVERY_DELIVERED
from .integration_delivery import DELIVERY_FAILED
from .integration_delivery import DELIVERY_PENDING

ENDPOINT_ACTIVE = "active"
ENDPOINT_PAUSED = "paused"
ENDPOINT_DISABLED = "disabled"
ENDPOINT_STATES = [
    (ENDPOINT_ACTIVE, "Active"),
    (ENDPOINT_PAUSED, "Paused"),
    (ENDPOINT_DISABLED, "Disabled"),
]

DEFAULT_RETRY_SCHEDULE = "0, 60, 300, 1800, 7200"
MAX_TIMEOUT = 60
MAX_CONCURRENCY = 32

# Changing these changes which endpoints an event goes to.
SUBSCRIPTION_FIELDS = {"state", "event_type_ids", "company_id"}


class IntegrationEndpoint(models.Model):
    """A receiver of outbound webhooks: where to POST, which events, how to sign,
    and how hard to try."""

    _name = "integration.endpoint"
    _description = "Integration Webhook Endpoint"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "integration.secret.mixin",
        "integration.circuit.mixin",
    ]
    _circuit_owner_field = "endpoint_id"
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    # The URL may carry a credential (a token in its query, a secret path):
    # managers read it whole, everyone else (and the chatter, which tracks the
    # redacted form) sees where it goes, not how it gets in.
    url = fields.Char(
        string="URL",
        required=True,
        groups="integration_hub.group_integration_manager",
    )
    redacted_url = computed_fields.redacted_url(
        "URL (redacted)",
        "_compute_redacted_url",
        tracking=True,
        help="Scheme, host and port of the URL; its path, query values and user "
        "information are for Integration Managers only.",
    )
    state = fields.Selection(
        ENDPOINT_STATES,
        required=True,
        default=ENDPOINT_ACTIVE,
        tracking=True,
        help="Only active endpoints receive new events and send. Pending "
        "deliveries of paused or disabled endpoints wait and go out once the "
        "endpoint is active again.",
    )
    event_type_ids = fields.Many2many(
        "integration.event.type", string="Event types", required=True
    )
    signature_scheme = fields.Selection(
        selection="_selection_outbound_schemes",
        required=True,
        default=signatures.STANDARD_WEBHOOKS,
        tracking=True,
    )
    # Secrets (integration.secret.mixin) are manager-only and never tracked, so
    # they reach neither other users nor the chatter.
    previous_secret_expires_at = fields.Datetime(
        help="Until then, deliveries are signed with the previous secret too.",
    )
    custom_headers = fields.Text(
        groups="integration_hub.group_integration_manager",
        help='A JSON object of extra headers, e.g. {"Authorization": "Bearer ..."}.',
    )
    timeout = fields.Integer(
        default=30, required=True, help=f"Seconds, 1 to {MAX_TIMEOUT}."
    )
    retry_schedule = fields.Char(
        required=True,
        default=DEFAULT_RETRY_SCHEDULE,
        help="Delay before each attempt, counted from the previous one, in seconds "
        "or with a unit (s, m, h, d). Five entries = five attempts.",
    )
    max_concurrency = fields.Integer(
        string="Maximum concurrent requests", default=4, required=True
    )
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        help="Receives the events of this company; empty: of every company.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Gets an activity when the circuit opens.",
    )
    delivery_ids = fields.One2many("integration.delivery", "endpoint_id")
    delivery_count = fields.Integer(compute="_compute_health")
    pending_count = fields.Integer(compute="_compute_health")
    problem_count = fields.Integer(
        compute="_compute_health", help="Failed and dead deliveries."
    )
    success_rate_24h = fields.Float(
        string="Success rate (24 h)",
        compute="_compute_metrics_24h",
        help="Share of the attempts of the last 24 hours that delivered, in %.",
    )
    attempt_count_24h = fields.Integer(
        string="Attempts (24 h)", compute="_compute_metrics_24h"
    )
    avg_ms_24h = fields.Float(
        string="Average latency (24 h, ms)", compute="_compute_metrics_24h"
    )
    p95_ms_24h = fields.Float(
        string="p95 latency (24 h, ms)", compute="_compute_metrics_24h"
    )

    @api.depends("delivery_ids.state")
    def _compute_health(self):
        counts = {
            (endpoint.id, state): count
            for endpoint, state, count in self.env["integration.delivery"]._read_group(
                [("endpoint_id", "in", self.ids)], ["endpoint_id", "state"], ["__count"]
            )
        }
        for endpoint in self:
            mine = {s: c for (e, s), c in counts.items() if e == endpoint.id}
            endpoint.delivery_count = sum(mine.values())
            endpoint.pending_count = mine.get(DELIVERY_PENDING, 0)
            endpoint.problem_count = mine.get(DELIVERY_FAILED, 0) + mine.get(
                DELIVERY_DEAD, 0
            )

    def _compute_metrics_24h(self):
        # One grouped SQL query for all the endpoints shown (integration.metrics).
        _overall, per_endpoint = self.env["integration.metrics"]._window_stats(
            "24h", self._origin.ids
        )
        for endpoint in self:
            stats = per_endpoint.get(endpoint._origin.id, EMPTY_STATS)
            endpoint.attempt_count_24h = stats["total"]
            endpoint.success_rate_24h = 100.0 * (stats["success_rate"] or 0.0)
            endpoint.avg_ms_24h = stats["avg_ms"] or 0.0
            endpoint.p95_ms_24h = stats["p95_ms"] or 0.0

    @api.depends("url")
    def _compute_redacted_url(self):
        for endpoint in self:
            endpoint.redacted_url = redaction.redact_url(endpoint.sudo().url)

    @api.constrains("url")
    def _check_url(self):
        for endpoint in self:
            try:
                endpoint._check_target()
            except ValueError as error:
                # Error messages end up in logs and notifications: no URL whole.
                raise ValidationError(
                    _(
                        "Endpoint %(name)s: %(error)s",
                        name=endpoint.name,
                        error=redaction.redact_text(str(error), [endpoint.sudo().url]),
                    )
                ) from None

    @api.constrains("retry_schedule")
    def _check_retry_schedule(self):
        for endpoint in self:
            try:
                backoff.parse_schedule(endpoint.retry_schedule)
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Retry schedule of %(name)s: %(error)s",
                        name=endpoint.name,
                        error=error,
                    )
                ) from None

    @api.constrains("event_type_ids")
    def _check_event_types(self):
        for endpoint in self:
            if not endpoint.event_type_ids:
                raise ValidationError(
                    _(
                        "Endpoint %s must subscribe to at least one event type.",
                        endpoint.name,
                    )
                )

    @api.constrains("timeout", "max_concurrency")
    def _check_numbers(self):
        for endpoint in self:
            if not 1 <= endpoint.timeout <= MAX_TIMEOUT:
                raise ValidationError(
                    _("The timeout must be between 1 and %s seconds.", MAX_TIMEOUT)
                )
            if not 1 <= endpoint.max_concurrency <= MAX_CONCURRENCY:
                raise ValidationError(
                    _(
                        "The maximum of concurrent requests must be between 1 and %s.",
                        MAX_CONCURRENCY,
                    )
                )

    @api.constrains("custom_headers")
    def _check_custom_headers(self):
        for endpoint in self.sudo():
            endpoint._parsed_custom_headers()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("secret"):
                vals["secret"] = signatures.generate_secret()
        endpoints = super().create(vals_list)
        # Cleared after the access check of create: a refused call clears nothing.
        self.env.registry.clear_cache()  # _subscribed_ids
        return endpoints

    def write(self, vals):
        result = super().write(vals)
        if SUBSCRIPTION_FIELDS & set(vals):
            self.env.registry.clear_cache()  # _subscribed_ids
        if vals.get("state") == ENDPOINT_ACTIVE:
            # Deliveries kept while paused or disabled go out now, those of
            # every company (a shared endpoint sends for all of them).
            self.env["integration.delivery"].sudo().search(
                [("endpoint_id", "in", self.ids), ("state", "=", DELIVERY_PENDING)]
            )._enqueue()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()  # _subscribed_ids
        return result

    @api.model
    @tools.ormcache("event_type_id", "company_id")
    def _subscribed_ids(self, event_type_id, company_id):
        """Ids of the sending endpoints subscribed to an event type for a company.

        Cached: every business transaction that emits asks, endpoints rarely
        change (and clear the cache when they do).
        """
        return tuple(
            self.sudo()
            .search(
                [
                    *self._sending_domain(),
                    ("event_type_ids", "=", event_type_id),
                    ("company_id", "in", (False, company_id)),
                ]
            )
            .ids
        )

    @api.model
    def _sending_domain(self):
        """Endpoints that receive new events and send."""
        return [("state", "=", ENDPOINT_ACTIVE)]

    def _parsed_custom_headers(self):
        """The custom headers as a dict of strings (``ValidationError`` if not)."""
        self.ensure_one()
        if not self.custom_headers or not self.custom_headers.strip():
            return {}
        try:
            headers = json.loads(self.custom_headers)
        except ValueError as error:
            raise ValidationError(
                _("Custom headers must be a JSON object: %s", error)
            ) from None
        if not isinstance(headers, dict) or not all(
            isinstance(key, str) and isinstance(value, str)
            for key, value in headers.items()
        ):
            raise ValidationError(
                _(
                    "Custom headers must be a JSON object of strings, like "
                    '{"X-Tenant": "acme"}.'
                )
            )
        return headers

    def _check_target(self):
        """Vet the URL (``ValueError`` with the reason when it is ambiguous or
        points into a network that is not allow-listed) and return the
        ``netguard.Target`` that deliveries connect to."""
        self.ensure_one()
        return self.env["integration.outbound.guard"]._vet_url(self.sudo().url)

    def _rotate_secret(self, expires_at):
        """Sign with a new secret from now on, and with the current one as well
        until ``expires_at``; say so in the chatter."""
        result = super()._rotate_secret(expires_at)
        for endpoint in self.sudo():
            endpoint.message_post(
                body=_(
                    "Secret rotated; the previous one keeps signing until %s (UTC).",
                    expires_at,
                )
            )
        return result

    @requires_group(MANAGER)
    def action_send_test_event(self):
        """Send a ``ping`` event to this endpoint now and show how it went."""
        self.ensure_one()
        event = self.env["integration.event"]._create_event(
            "ping",
            {"endpoint": self.name},
            endpoints=self,
            company=self.company_id or None,
        )
        delivery = event.delivery_ids
        delivery._send()
        attempt = delivery.attempt_ids[:1]
        success = delivery.state == DELIVERY_DELIVERED
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Test event delivered")
                if success
                else _("Test event not delivered"),
                "message": attempt.summary or delivery.last_error or "",
                "type": "success" if success else "warning",
                "sticky": not success,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @requires_group(USER)
    def action_view_deliveries(self):
        """Open this endpoint's deliveries; only those that need attention when
        the button's context says ``needs_attention``."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_hub.integration_delivery_action"
        )
        action["domain"] = [("endpoint_id", "=", self.id)]
        action["context"] = {"default_endpoint_id": self.id}
        if self.env.context.get("needs_attention"):
            action["context"]["search_default_needs_attention"] = 1
        return action

    @requires_group(USER)
    def action_retry_failed(self):
        """Send this endpoint's failed and dead deliveries again."""
        self.env["integration.delivery"].search(
            [
                ("endpoint_id", "in", self.ids),
                ("state", "in", (DELIVERY_FAILED, DELIVERY_DEAD)),
            ]
        ).action_retry()
        return True

    @requires_group(MANAGER)
    def action_activate(self):
        """Make the endpoint send again (kept deliveries go out)."""
        self.write({"state": ENDPOINT_ACTIVE})
        return True

    @requires_group(MANAGER)
    def action_pause(self):
        """Stop sending; new events are not queued for it meanwhile."""
        self.write({"state": ENDPOINT_PAUSED})
        return True
