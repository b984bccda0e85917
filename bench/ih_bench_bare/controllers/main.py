# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request


class BareController(http.Controller):
    """The least an Odoo route can do: what every request costs before any work."""

    @http.route(
        "/ih_bench/bare",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def bare(self, **_params):
        """Answer 200 without reading anything."""
        return request.make_response(b"ok", status=200)
