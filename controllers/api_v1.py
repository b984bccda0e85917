# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""REST API v1: routes requests to ``integration.api`` and sends its answers."""

from werkzeug.datastructures import Headers

from odoo import http
from odoo.http import request

from ..models.api.integration_api import ApiRequest
from ..tools import openapi
from .common import client_address
from .common import error_response
from .common import json_response
from .common import new_request_id
from .common import read_body

PREFIX = openapi.API_PREFIX
READ_METHODS = ("GET", "HEAD")


class ApiV1Controller(http.Controller):
    @http.route(
        [
            f"{PREFIX}/<string:collection>",
            f"{PREFIX}/<string:collection>/<string:record_id>",
        ],
        type="http",
        auth="none",
        csrf=False,
        save_session=False,
        # POST, PUT, PATCH and DELETE come through this route too.
        readonly=False,
    )
    def api_v1_resource(self, collection, record_id=None, **_params):
        """Every method on the collections and their records."""
        httprequest = request.httprequest
        request_id = new_request_id()
        api_request = ApiRequest(
            method=httprequest.method,
            path=httprequest.path,
            collection=collection,
            record_id=record_id,
            query=httprequest.args.to_dict(),
            headers=httprequest.headers,
            # Read only once the client is authenticated, and only up to the
            # configured size.
            body=None,
            request_id=request_id,
            client_address=client_address(httprequest),
            read_body=read_body,
        )
        Api = request.env["integration.api"].sudo()
        response = Api._encode(
            Api._dispatch(api_request), httprequest.headers.get("Accept-Encoding")
        )
        headers = Headers(response.headers)
        headers["X-Request-Id"] = request_id
        if response.body is not None:
            headers["Content-Type"] = "application/json"
        return request.make_response(
            response.body or b"", headers=list(headers.items()), status=response.status
        )

    @http.route(
        f"{PREFIX}/<path:rest>",
        type="http",
        auth="none",
        csrf=False,
        save_session=False,
    )
    def api_v1_unknown(self, rest, **_params):
        """Any other path under the API: 404 in the envelope, not an HTML page."""
        return error_response(404, "not_found", f"No resource at {PREFIX}/{rest}.")

    @http.route(
        f"{PREFIX}/openapi.json",
        type="http",
        auth="none",
        csrf=False,
        save_session=False,
    )
    def api_v1_openapi(self):
        """The OpenAPI 3.1 document of this API."""
        if request.httprequest.method not in READ_METHODS:
            return _read_only_answer()
        collections = request.env["integration.resource.mixin"].sudo()
        document = openapi.build_document(
            collections._integration_declarations(),
            request.httprequest.host_url.rstrip("/"),
        )
        return json_response(document)

    @http.route(
        f"{PREFIX}/docs", type="http", auth="none", csrf=False, save_session=False
    )
    def api_v1_docs(self):
        """The human documentation, with one anchor per error code."""
        if request.httprequest.method not in READ_METHODS:
            return _read_only_answer()
        return request.make_response(
            openapi.docs_html(
                request.env["integration.resource.mixin"]
                .sudo()
                ._integration_declarations()
            ),
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("X-Request-Id", new_request_id()),
            ],
        )


def _read_only_answer():
    return error_response(
        405,
        "method_not_allowed",
        "Only GET is allowed here.",
        headers={"Allow": ", ".join(READ_METHODS)},
    )
