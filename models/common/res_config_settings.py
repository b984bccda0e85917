# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

from ...tools import netguard
from ...tools import pinned_http

# Crash-safe sending (see integration_endpoint_sending.py); off by default.
RECORD_EACH_ATTEMPT = "integration_hub.record_each_attempt"


class ResConfigSettings(models.TransientModel):
    """Integration Hub settings, stored as system parameters."""

    _inherit = "res.config.settings"

    integration_allowed_networks = fields.Char(
        string="Allowed private networks",
        config_parameter="integration_hub.allowed_networks",
        help="Comma-separated addresses or CIDR networks that webhook endpoints, "
        "sync backends and OAuth token URLs may target although they are private, "
        "loopback or link-local, e.g. 10.1.0.0/16.",
    )
    integration_allow_http = fields.Boolean(
        string="Allow plain http",
        config_parameter="integration_hub.allow_http",
        help="Let endpoints and backends use http:// URLs; https is required "
        "otherwise.",
    )
    integration_tls_min_version = fields.Selection(
        [("1.2", "TLS 1.2"), ("1.3", "TLS 1.3")],
        string="Minimum TLS version",
        config_parameter="integration_hub.tls_min_version",
        default="1.2",
        help="Oldest TLS version webhook endpoints, sync backends and OAuth token "
        "URLs may answer with; older versions are refused in the handshake. "
        "Certificates are always verified.",
    )
    integration_tls_ca_file = fields.Char(
        string="Extra CA bundle",
        config_parameter="integration_hub.tls_ca_file",
        help="Path, on the Odoo server, of a PEM file of certificate authorities "
        "trusted besides the public ones (e.g. the CA of an internal booking "
        "system). Empty: public authorities only.",
    )
    integration_delivery_retention_days = fields.Integer(
        string="Keep delivered deliveries (days)",
        config_parameter="integration_hub.delivery_retention_days",
        default=30,
    )
    integration_dead_retention_days = fields.Integer(
        string="Keep failed and dead deliveries (days)",
        config_parameter="integration_hub.dead_retention_days",
        default=90,
    )
    integration_metrics_token = fields.Char(
        string="Metrics token",
        config_parameter="integration_hub.metrics_token",
        groups="integration_hub.group_integration_manager",
        help="Bearer token Prometheus sends to GET /integration/metrics; empty "
        "refuses every scrape.",
    )
    integration_health_disable_days = fields.Integer(
        string="Disable failing endpoints after (days)",
        config_parameter="integration_hub.health_disable_days",
        default=5,
        help="An active endpoint whose every attempt failed for this many days is "
        "disabled automatically; its pending deliveries are kept.",
    )

    integration_record_each_attempt = fields.Boolean(
        string="Record each attempt before the next request",
        config_parameter=RECORD_EACH_ATTEMPT,
        help="A sending job commits each attempt's outcome before it starts "
        "another request, so that a crashed worker sends at most an endpoint's "
        "maximum concurrent requests twice, instead of its whole batch; it "
        "costs delivery throughput (a commit per request).",
    )
    integration_recovery_interval_seconds = fields.Integer(
        string="Recovery sweep every (seconds)",
        config_parameter="integration_hub.recovery_interval_seconds",
        default=20,
        help="How often jobs left running by a dead worker are requeued and "
        "deliveries left without a job are sent again (0: only from the cron, "
        "about once a minute).",
    )
    integration_stranded_after_seconds = fields.Integer(
        string="Stranded after (seconds)",
        config_parameter="integration_hub.stranded_after_seconds",
        default=20,
        help="A due delivery without a live job, or a job enqueued but never "
        "started, is recovered after this long. With the sweep interval, it "
        "bounds how long a fault delays a delivery.",
    )

    @api.constrains(
        "integration_allowed_networks",
        "integration_delivery_retention_days",
        "integration_dead_retention_days",
    )
    def _check_integration_settings(self):
        for settings in self:
            try:
                netguard.parse_networks(settings.integration_allowed_networks)
            except ValueError as error:
                raise ValidationError(str(error)) from None
            if (
                settings.integration_delivery_retention_days < 1
                or settings.integration_dead_retention_days < 1
            ):
                raise ValidationError(_("Retention periods must be at least 1 day."))

    @api.constrains("integration_tls_ca_file")
    def _check_integration_tls_ca_file(self):
        for settings in self.filtered("integration_tls_ca_file"):
            try:
                pinned_http.read_ca_file(settings.integration_tls_ca_file)
            except ValueError as error:
                raise ValidationError(_("Extra CA bundle: %s", error)) from None

    @api.constrains("integration_health_disable_days")
    def _check_integration_health_days(self):
        for settings in self:
            if settings.integration_health_disable_days < 1:
                raise ValidationError(
                    _("Failing endpoints are disabled after at least 1 day.")
                )

    @api.constrains(
        "integration_recovery_interval_seconds", "integration_stranded_after_seconds"
    )
    def _check_integration_recovery(self):
        for settings in self:
            if (
                settings.integration_recovery_interval_seconds < 0
                or settings.integration_stranded_after_seconds < 1
            ):
                raise ValidationError(
                    _(
                        "The recovery sweep interval cannot be negative and "
                        "deliveries are stranded after at least 1 second."
                    )
                )
