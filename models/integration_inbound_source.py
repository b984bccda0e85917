# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ipaddress
import json
import re
from datetime import timedelta

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

from ..tools import handlers
from ..tools import signatures

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_MAX_BODY_SIZE = 1024 * 1024
DEFAULT_KEY_TTL_DAYS = 7
DEFAULT_RETENTION_DAYS = 30
# How long the previous secret stays valid after "Rotate Secret".
ROTATION_GRACE = timedelta(days=1)
# Header naming the event type, per scheme, when the body does not carry it.
EVENT_TYPE_HEADERS = {
    signatures.GITHUB: "X-GitHub-Event",
    signatures.SHOPIFY: "X-Shopify-Topic",
}
# Keys of a JSON body that name the event type, in order of preference.
EVENT_TYPE_KEYS = ("type", "event_type", "event")


class IntegrationInboundSource(models.Model):
    """A sender of inbound webhooks: where it posts, how its requests are signed,
    how much it may send, and which server action handles which event type.

    Requests arrive at ``POST /integration/webhook/<slug>``.
    """

    _name = "integration.inbound.source"
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
        [
            (signatures.STANDARD_WEBHOOKS, "Standard Webhooks / Svix"),
            (signatures.GITHUB, "GitHub"),
            (signatures.STRIPE, "Stripe"),
            (signatures.SHOPIFY, "Shopify"),
            (signatures.HMAC_SHA256, "HMAC-SHA256 with timestamp"),
        ],
        required=True,
        default=signatures.STANDARD_WEBHOOKS,
    )
    secret = fields.Char(
        required=True,
        groups="integration_hub.group_integration_manager",
        copy=False,
        default=lambda self: signatures.generate_secret(),
        help="Standard Webhooks: whsec_ followed by base64. Other schemes: the "
        "secret exactly as the provider shows it.",
    )
    previous_secret = fields.Char(
        groups="integration_hub.group_integration_manager",
        copy=False,
        help="Still accepted until its expiry, while the sender switches to the "
        "new secret.",
    )
    previous_secret_expires_at = fields.Datetime(
        groups="integration_hub.group_integration_manager", copy=False
    )
    tolerance = fields.Integer(
        string="Timestamp Tolerance (s)",
        default=signatures.DEFAULT_TOLERANCE,
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
        help="0 means unlimited.",
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
                    signatures.verify(source.scheme, secret, {}, b"", 0)
                except signatures.SignatureError:
                    # The secret is usable; only the (empty) request was refused.
                    continue
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
                source._networks()
            except ValueError as error:
                raise ValidationError(
                    _("Allowed IP networks: %(error)s", error=error)
                ) from None

    def _networks(self):
        """The allowed networks as :mod:`ipaddress` objects (empty: any address)."""
        self.ensure_one()
        entries = (self.allowed_networks or "").replace(";", ",").split(",")
        return [
            ipaddress.ip_network(entry.strip(), strict=False)
            for entry in entries
            if entry.strip()
        ]

    def _ip_allowed(self, address):
        """True when ``address`` may post to this source."""
        networks = self._networks()
        if not networks:
            return True
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in networks)

    def _verification_secrets(self, now):
        """The secrets a signature may use at ``now``: the current one, and the
        previous one until it expires."""
        self.ensure_one()
        source = self.sudo()
        secrets = [source.secret]
        if source.previous_secret and source.previous_secret_expires_at > now:
            secrets.append(source.previous_secret)
        return secrets

    def _event_type(self, headers, payload):
        """The event type of a delivery: from the provider's header if the scheme
        has one, else from the body's ``type``/``event_type``/``event`` key."""
        self.ensure_one()
        header = EVENT_TYPE_HEADERS.get(self.scheme)
        value = headers.get(header) if header else None
        if value:
            return value.replace("/", ".")
        if isinstance(payload, dict):
            for key in EVENT_TYPE_KEYS:
                if isinstance(payload.get(key), str) and payload[key]:
                    return payload[key]
        return ""

    def _idempotency_key(self, headers, payload, body_hash):
        """The key deduplicating a delivery: the Standard Webhooks id, an
        ``Idempotency-Key``, the provider's delivery id, else the body's SHA-256.

        Stripe sends its event id in the body rather than in a header.
        """
        self.ensure_one()
        key = (
            headers.get("webhook-id")
            or headers.get("svix-id")
            or headers.get("Idempotency-Key")
            or headers.get("X-Idempotency-Key")
            or signatures.delivery_id(self.scheme, headers)
        )
        if not key and self.scheme == signatures.STRIPE and isinstance(payload, dict):
            key = payload.get("id") if isinstance(payload.get("id"), str) else None
        return (key or f"sha256:{body_hash}")[:255]

    def _action_for(self, event_type):
        """The server action mapped to ``event_type`` on this source, if any."""
        self.ensure_one()
        by_pattern = {line.event_type: line.action_id for line in self.action_ids}
        pattern = handlers.best_pattern(by_pattern, event_type)
        return by_pattern[pattern] if pattern else self.env["ir.actions.server"]

    def action_generate_secret(self):
        """Replace the secret with a fresh random one (the old one stops working)."""
        for source in self:
            source.secret = signatures.generate_secret()

    def action_rotate_secret(self):
        """Start a rotation: a new secret, the old one accepted for one more day."""
        expires_at = fields.Datetime.now() + ROTATION_GRACE
        for source in self.sudo():
            source.write(
                {
                    "previous_secret": source.secret,
                    "previous_secret_expires_at": expires_at,
                    "secret": signatures.generate_secret(),
                }
            )

    def action_view_messages(self):
        """Open the messages received from this source."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_hub.integration_inbound_message_action"
        )
        action["domain"] = [("source_id", "=", self.id)]
        action["context"] = json.dumps({"default_source_id": self.id})
        return action
