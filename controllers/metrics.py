# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``GET /integration/metrics``: the metrics of every flow for Prometheus.

Scrapers authenticate with a bearer token kept in the system parameter
``integration_hub.metrics_token``; without it configured, nobody gets in.
"""

import hmac

from prometheus_client import CONTENT_TYPE_LATEST

from odoo import http
from odoo.http import request

from ..tools.api_envelope import bearer_token
from .common import error_response
from .common import new_request_id

TOKEN_PARAM = "integration_hub.metrics_token"  # nosec B105  # a parameter name
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="integration_hub metrics"'}


class MetricsController(http.Controller):
    @http.route(
        "/integration/metrics",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def metrics(self):
        """The metrics in the Prometheus text format, for a valid bearer token."""
        request_id = new_request_id()
        expected = request.env["ir.config_parameter"].sudo().get_param(TOKEN_PARAM)
        if not expected:
            return error_response(
                401,
                "metrics_token_not_configured",
                "No metrics token is configured. An administrator sets one in "
                "Settings > Integration > Metrics token (system parameter "
                f"{TOKEN_PARAM}), then the scraper sends it as "
                "'Authorization: Bearer <token>'.",
                headers=CHALLENGE,
                request_id=request_id,
            )
        presented = bearer_token(request.httprequest.headers.get("Authorization"))
        if not presented:
            return error_response(
                401,
                "missing_token",
                "Send the metrics token as 'Authorization: Bearer <token>'.",
                headers=CHALLENGE,
                request_id=request_id,
            )
        # Constant time, so the response time says nothing about the token.
        if not hmac.compare_digest(presented.encode(), expected.encode()):
            return error_response(
                401,
                "invalid_token",
                "The metrics token is wrong.",
                headers=CHALLENGE,
                request_id=request_id,
            )
        body = request.env["integration.metrics"].sudo()._prometheus_text()
        return request.make_response(
            body,
            headers=[
                ("Content-Type", CONTENT_TYPE_LATEST),
                ("X-Request-Id", request_id),
            ],
        )
