# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import models

from ...tools import netguard
from ...tools import pinned_http

PARAM_ALLOWED_NETWORKS = "integration_hub.allowed_networks"
PARAM_ALLOW_HTTP = "integration_hub.allow_http"
PARAM_TLS_MIN_VERSION = "integration_hub.tls_min_version"
PARAM_TLS_CA_FILE = "integration_hub.tls_ca_file"


class IntegrationOutboundGuard(models.AbstractModel):
    """Where the hub may send requests: webhook endpoints, backend (sync) calls
    and OAuth token URLs all ask here, under the same system parameters
    (``integration_hub.allowed_networks``, ``integration_hub.allow_http``),
    and how TLS is spoken to them (``integration_hub.tls_min_version``,
    ``integration_hub.tls_ca_file``).

    A service model with no records: other addons extend ``_vet_url`` with
    ``super()`` to add rules of their own.
    """

    _name = "integration.outbound.guard"
    _description = "Outbound URL guard"

    @api.model
    def _outbound_rules(self):
        """``(allowed_networks, allow_http)`` as the system parameters say."""
        params = self.env["ir.config_parameter"].sudo()
        allowed = params.get_param(PARAM_ALLOWED_NETWORKS) or ""
        return allowed, params.get_param(PARAM_ALLOW_HTTP) == "True"

    @api.model
    def _vet_url(self, url):
        """Check ``url`` and resolve its host once; return the
        :class:`~..tools.netguard.Target` to connect to (``ValueError`` with the
        reason when refused). Send with ``tools.pinned_http`` so the request
        goes to the vetted address."""
        allowed, allow_http = self._outbound_rules()
        return netguard.check_url(url or "", allowed, allow_http)

    @api.model
    def _tls_policy(self):
        """The :class:`~..tools.pinned_http.TlsPolicy` of every outbound
        session: TLS 1.2 at least, 1.3 when the system parameter says so, and
        the extra certificate authorities of the PEM file it names."""
        params = self.env["ir.config_parameter"].sudo()
        return pinned_http.TlsPolicy(
            params.get_param(PARAM_TLS_MIN_VERSION) or "1.2",
            params.get_param(PARAM_TLS_CA_FILE) or "",
        )
