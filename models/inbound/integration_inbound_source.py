# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The inbound source model: the configuration of a sender of webhooks.

Slug, signature scheme and secrets, limits, retention and event-type mappings to
server actions; the per-worker snapshot a webhook request reads
(:mod:`...tools.webhook_source`), and the source's processing job, queued here
and run by :class:`.processor.Processor`.
"""

import json
import re

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.exceptions import ValidationError

from ...tools import handlers
from ...tools import netguard
from ...tools import signature_scheme
from ...tools import signatures
from ...tools.webhook_source import WebhookSource
from ..common import queue_jobs
from ..common.access import USER
from ..common.access import requires_group
from ..common.integration_idempotency_key import INBOUND_SCOPE
from .processor import Processor
from .processor import processing_identity

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_MAX_BODY_SIZE = 1024 * 1024
DEFAULT_KEY_TTL_DAYS = 7
DEFAULT_RETENTION_DAYS = 30
# What a webhook request reads of its source (see WebhookSource).
WEBHOOK_FIELDS = (
    "scheme",
    "secret",
    "previous_secret",
    "previous_secret_expires_at",
    "tolerance",
    "max_body_size",
    "allowed_networks",
    "rate_limit",
    "key_ttl_days",
    "unhandled_events",
)
UNHANDLED_IGNORE = "ignore"
UNHANDLED_REFUSE = "refuse"
# A processing job starts this many seconds after it is queued, so that a burst
# of deliveries is processed by one job (each job run is an HTTP request to an
# Odoo worker, competing with the deliveries themselves) rather than by one
# small job after another.
PROCESSING_DELAY = 1


class IntegrationInboundSource(models.Model):
    """A sender of inbound webhooks: where it posts, how its requests are signed,
    how much it may send, and which server action handles which event type.

    Requests arrive at ``POST /integration/webhook/<slug>``.
    """

    _name = "integration.inbound.source"
    _inherit = ["integration.cached.mixin", "integration.secret.mixin"]
    _description = "Integration Inbound Source"
    _order = "name"

    name = fields.Char(required=True)
    slug = fields.Char(
        required=True,
        index=True,
        help="Last part of the webhook URL: lowercase letters, digits, - and _.",
    )
    webhook_url = fields.Char(compute="_compute_webhook_url")
    scheme = fields.Selection(
        selection="_selection_signature_schemes",
        required=True,
        default=signatures.STANDARD_WEBHOOKS,
        help="Replay protection: Standard Webhooks, Stripe and HMAC-SHA256 sign a "
        "timestamp, and a request older than the tolerance is refused; within it, a "
        "repeated delivery is a duplicate (Standard Webhooks: its signed id; Stripe: "
        "the event id of the signed body; HMAC-SHA256: the body). GitHub and "
        "Shopify sign neither a timestamp nor their delivery id: a captured request "
        "with the same body is recognised as a duplicate only while its key is kept "
        "(Idempotency Key Lifetime); replayed later, it is accepted again. For "
        "those, set Allowed IP Networks to the provider's published addresses.",
    )
    secret = fields.Char(
        required=True,
        default=lambda self: signatures.generate_secret(),
        help="Standard Webhooks: whsec_ followed by base64. Other schemes: the "
        "secret exactly as the provider shows it.",
    )
    previous_secret = fields.Char(
        help="Still accepted until its expiry, while the sender switches to the "
        "new secret.",
    )
    previous_secret_expires_at = fields.Datetime(
        groups="integration_hub.group_integration_manager"
    )
    tolerance = fields.Integer(
        string="Timestamp Tolerance (s)",
        default=signature_scheme.DEFAULT_TOLERANCE,
        required=True,
        help="Signed timestamps further than this from now, in the past or the "
        "future, are refused.",
    )
    max_body_size = fields.Integer(
        string="Maximum Body Size (bytes)",
        default=DEFAULT_MAX_BODY_SIZE,
        required=True,
    )
    allowed_networks = fields.Char(
        string="Allowed IP Networks",
        help="Comma separated addresses or CIDR networks; empty allows any address.",
    )
    rate_limit = fields.Integer(
        string="Rate Limit (requests/minute)",
        default=600,
        required=True,
        help="0 means unlimited. Counted across all workers and servers; from 200 "
        "a minute each worker takes the counts in blocks (a hundredth of the "
        "limit, at most 50), so a worker may refuse a few requests before the "
        "limit while another still holds counts of its block.",
    )
    key_ttl_days = fields.Integer(
        string="Idempotency Key Lifetime (days)",
        default=DEFAULT_KEY_TTL_DAYS,
        required=True,
        help="A repeated delivery within this time gets the first answer back.",
    )
    retention_days = fields.Integer(
        string="Message Retention (days)",
        default=DEFAULT_RETENTION_DAYS,
        required=True,
        help="Processed and failed messages older than this are deleted; 0 keeps them.",
    )
    unhandled_events = fields.Selection(
        [
            (UNHANDLED_IGNORE, "Accept and mark ignored"),
            (UNHANDLED_REFUSE, "Refuse (422)"),
        ],
        string="Unhandled Event Types",
        default=UNHANDLED_IGNORE,
        help="A delivery of an event type that no event action of this source and "
        "no handler of the database handles: accepted and marked Ignored (never "
        "Processed), or refused with 422 event_type_not_handled and not stored. "
        "Empty: accepted and ignored.",
    )
    action_ids = fields.One2many(
        "integration.inbound.action",
        "source_id",
        string="Event Actions",
        help="Server actions run for matching event types, before Python handlers.",
    )
    message_ids = fields.One2many("integration.inbound.message", "source_id")
    message_count = fields.Integer(compute="_compute_message_count")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    _sql_constraints = [
        ("slug_unique", "unique(slug)", "The slug of an inbound source is unique."),
        ("tolerance_positive", "CHECK(tolerance > 0)", "The tolerance is positive."),
        (
            "max_body_size_positive",
            "CHECK(max_body_size > 0)",
            "The maximum body size is positive.",
        ),
        ("rate_limit_positive", "CHECK(rate_limit >= 0)", "The rate limit is >= 0."),
        ("key_ttl_positive", "CHECK(key_ttl_days > 0)", "The key lifetime is > 0."),
        ("retention_positive", "CHECK(retention_days >= 0)", "Retention is >= 0."),
    ]

    @api.depends("slug")
    def _compute_webhook_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for source in self:
            source.webhook_url = (
                f"{base_url}/integration/webhook/{source.slug}" if source.slug else ""
            )

    def _compute_message_count(self):
        counts = dict(
            self.env["integration.inbound.message"]._read_group(
                [("source_id", "in", self.ids)], ["source_id"], ["__count"]
            )
        )
        for source in self:
            source.message_count = counts.get(source, 0)

    @api.model
    @tools.ormcache()
    def _webhook_sources(self):
        """The :class:`~...tools.webhook_source.WebhookSource` of every active
        source, by slug (read-only).

        Every request needs the same few values of a source that rarely changes:
        they are kept per worker (any change to a source clears that cache in
        every worker, before their next request), which saves each request a
        round trip to the database. One entry holds them all, rather than one
        entry per slug asked for: requests to made-up slugs find nothing in it
        and add nothing to Odoo's caches.
        """
        # The sender is not a user: the lookup is not theirs to pass.
        sources = self.sudo().search_fetch([], ("slug", *WEBHOOK_FIELDS))
        return {source.slug: source._as_webhook_source() for source in sources}

    def _as_webhook_source(self):
        """This source as a :class:`~...tools.webhook_source.WebhookSource`."""
        self.ensure_one()
        source = self.sudo()
        return WebhookSource(
            id=source.id,
            scope=f"{INBOUND_SCOPE}{source.id}",
            scheme=source._signature_scheme(source.scheme),
            secret=source.secret,
            previous_secret=source.previous_secret or None,
            previous_secret_expires_at=source.previous_secret_expires_at or None,
            tolerance=source.tolerance,
            max_body_size=source.max_body_size,
            networks=netguard.parse_networks(source.allowed_networks),
            rate_limit=source.rate_limit,
            key_ttl_days=source.key_ttl_days,
            handled_patterns=source._handled_patterns(),
        )

    def _handled_patterns(self):
        """The event type patterns something handles at this source (its event
        actions and the database's handlers), when it refuses the others; None
        when it accepts every event type.

        Kept in the source's per-worker snapshot: event actions are edited
        through their source, whose write clears it."""
        self.ensure_one()
        if self.unhandled_events != UNHANDLED_REFUSE:
            return None
        handlers_ = self.env["integration.inbound.message"]._inbound_handlers()
        return frozenset({*self.sudo().action_ids.mapped("event_type"), *handlers_})

    @api.model
    def _sources_of_companies(self, operator, value):
        """For the search of a ``company_id`` derived from the inbound source
        (idempotency keys, audit lines): ``(sources, without_company)``, the
        sources, archived ones too, of the companies in ``value`` (``in`` / ``=``)
        and whether ``False`` is among them; None for another operator."""
        if operator not in ("in", "="):
            return None
        values = value if isinstance(value, list | tuple) else [value]
        company_ids = [company_id for company_id in values if company_id]
        sources = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", company_ids)])
        )
        return sources, len(company_ids) < len(values)

    @api.constrains("slug")
    def _check_slug(self):
        for source in self:
            if not SLUG_PATTERN.match(source.slug or ""):
                raise ValidationError(
                    _(
                        "The slug %(slug)s may only hold lowercase letters, digits, "
                        "'-' and '_' (at most 64 characters).",
                        slug=source.slug,
                    )
                )

    @api.constrains("scheme", "secret", "previous_secret")
    def _check_secret(self):
        for source in self.sudo():
            for secret in filter(None, (source.secret, source.previous_secret)):
                try:
                    source._signature_scheme(source.scheme).check_secret(secret)
                except ValueError as error:
                    raise ValidationError(
                        _(
                            "The secret of %(name)s is unusable: %(error)s",
                            name=source.name,
                            error=error,
                        )
                    ) from None

    @api.constrains("previous_secret", "previous_secret_expires_at")
    def _check_previous_secret_expiry(self):
        for source in self.sudo():
            if source.previous_secret and not source.previous_secret_expires_at:
                raise ValidationError(
                    _(
                        "The previous secret of %(name)s needs an expiry: it is "
                        "only accepted while the sender switches to the new one.",
                        name=source.name,
                    )
                )

    @api.constrains("allowed_networks")
    def _check_allowed_networks(self):
        for source in self:
            try:
                netguard.parse_networks(source.allowed_networks)
            except ValueError as error:
                raise ValidationError(
                    _("Allowed IP networks: %(error)s", error=error)
                ) from None

    def _action_for(self, event_type):
        """The server action mapped to ``event_type`` on this source, if any."""
        self.ensure_one()
        by_pattern = {line.event_type: line.action_id for line in self.action_ids}
        pattern = handlers.best_pattern(by_pattern, event_type)
        return by_pattern[pattern] if pattern else self.env["ir.actions.server"]

    def _processing_job(self):
        """The id of the pending job that will process this source's queued
        messages, queued now if there is none; called before committing a
        message.

        A pending job is shared, and share-locked until the caller commits: the
        job runner marks a job enqueued with an ``UPDATE``, which waits for that
        commit, so the job starts after the caller's messages are visible and
        processes them. A job already enqueued or running may have looked for
        messages already: the caller then queues a new one. (queue_job's own
        ``identity_key`` search also reuses enqueued jobs, so it is not used to
        find the job, only to mark it.)
        """
        self.ensure_one()
        job_id = queue_jobs.pending_job_id(self.env.cr, processing_identity(self.id))
        return job_id or self._queue_processing_job()

    def _queue_processing_job(self):
        """Queue a processing job for this source; return its id."""
        self.ensure_one()
        job = (
            self.with_company(self.company_id)
            .with_delay(
                eta=PROCESSING_DELAY,
                description=f"Process inbound messages of {self.name}",
            )
            ._process_queued_messages()
        )
        # The identity is written where the next callers look for it.
        return queue_jobs.mark_identity(
            self.env, job.uuid, processing_identity(self.id)
        )

    def _process_queued_messages(self):
        """Process every queued message of this source, oldest first (queue_job
        job, run with its own cursor: it commits as it goes).

        Two jobs of the same source share the work and never process a message
        twice; a failure marks that message failed without stopping the others
        (see :meth:`.processor.Processor.drain`).
        """
        self.ensure_one()
        done, failed = Processor(self).drain()
        return _(
            "%(done)s messages processed, %(failed)s failed.",
            done=done,
            failed=failed,
        )

    @requires_group(USER)
    def action_view_messages(self):
        """Open the messages received from this source."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_hub.integration_inbound_message_action"
        )
        action["domain"] = [("source_id", "=", self.id)]
        action["context"] = json.dumps({"default_source_id": self.id})
        return action
