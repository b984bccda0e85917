# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.http import request

from ...controllers.common import error_body
from ...controllers.common import json_response
from ...controllers.common import new_request_id
from ...tools.api_reference import API_PREFIX


class IrHttp(models.AbstractModel):
    """Paths under the REST API that Odoo's router cannot match answer 404 in
    the API's error envelope, not Odoo's HTML page.

    The fastapi app answers any other path under the API itself, but Werkzeug's
    rules never match some paths (a newline, ``%0A``, in a segment): Odoo
    refuses those before the app runs, and falls back here."""

    _inherit = "ir.http"

    @classmethod
    def _serve_fallback(cls):
        path = request.httprequest.path
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            return super()._serve_fallback()
        request_id = new_request_id()
        body = error_body("not_found", "No resource at this path.", request_id)
        return json_response(body, 404, request_id=request_id)
