# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import fields
from odoo import models

from ...tools import prepared
from ..common.integration_latency_mixin import count_query

# One row per minute, route, status and latency bucket. Committed at once on
# the module's own connection: the request's own transaction may roll back (a
# 500, a conflict) and its request must still count; and concurrent requests
# update the same row, which under the request's REPEATABLE READ would fail with
# serialisation errors instead of waiting a moment.
RECORD_QUERY = count_query(
    "integration_api_traffic",
    ("route", "status_code", "status_class"),
    unique=("minute", "route", "status_code", "latency_bucket"),
)
RECORD = prepared.Statement("integration_hub_api_traffic_record", RECORD_QUERY)
THROTTLED_STATUS = 429


def status_class(status_code):
    """``2xx``, ``4xx``... of an HTTP status code."""
    return f"{status_code // 100}xx"


class IntegrationApiTraffic(models.Model):
    """REST API requests counted per minute, route, status and latency bucket.

    The route is the method and the path template (``GET /api/v1/bookings/{id}``),
    so the rows stay few whatever the ids requested. Requests, their latency
    (average, p95 from the buckets), their status class and the throttled ones
    (429) are read from here by ``integration.metrics`` and the reporting views.
    """

    _name = "integration.api.traffic"
    _inherit = ["integration.latency.mixin"]
    _description = "REST API Requests per Minute"
    _rec_name = "route"

    route = fields.Char(required=True, readonly=True, index=True)
    status_code = fields.Integer(string="HTTP Status", required=True, readonly=True)
    status_class = fields.Char(required=True, readonly=True)

    _sql_constraints = [
        (
            "minute_unique",
            "unique(minute, route, status_code, latency_bucket)",
            "One row per minute, route, status and latency bucket.",
        ),
    ]

    @api.model
    def _record(self, route, status_code, duration_ms):
        """Count one request of ``route`` answered ``status_code`` after
        ``duration_ms`` milliseconds (committed at once, on its own)."""
        params = self._count_params(duration_ms)
        params.update(
            route=route, status_code=status_code, status_class=status_class(status_code)
        )
        self._count(RECORD, params)
