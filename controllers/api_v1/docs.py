# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``GET /api/v1/openapi.json``, the document fastapi generates from the routes,
and ``GET /api/v1/docs``, the human page with one anchor per error code (the
target of every ``documentation_url``)."""

import copy

from fastapi import APIRouter
from fastapi import Request
from starlette.responses import Response

from odoo.addons.fastapi.context import odoo_env_ctx
from odoo.http import request as odoo_request

from ...tools import api_reference as openapi
from ...tools.api_envelope import ApiResponse
from ...tools.api_envelope import dumps
from ..common import base_url
from .error_handlers import EnvelopeRoute
from .error_handlers import finish
from .error_handlers import not_allowed

READ_METHODS = ("GET", "HEAD")
OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE", "OPTIONS")
DESCRIPTION = (
    "Declared collections in a JSON:API-style envelope. Human documentation: "
    f"{openapi.API_PREFIX}/docs. Rate limited per key (`RateLimit-*` headers, 429 "
    "with `Retry-After`). gzip when `Accept-Encoding: gzip` and the body is large."
)
SECURITY_SCHEMES = {
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An Odoo user API key; the user's access rights and record "
        "rules apply.",
    }
}


def served_document(app, server_url):
    """The app's OpenAPI document as served: paths under the API prefix, the
    server the client reached, the bearer scheme, and the ``id`` parameter
    shared by the operations of a record path declared once on the path."""
    if app.openapi_schema is None:
        document = copy.deepcopy(app.openapi())
        document["info"]["description"] = DESCRIPTION
        paths = {}
        for path, item in document["paths"].items():
            if "{id}" in path:
                shared = None
                for operation in item.values():
                    ids = [
                        p for p in operation.get("parameters", []) if p["in"] == "path"
                    ]
                    shared = ids[0] if ids else shared
                    operation["parameters"] = [
                        p for p in operation.get("parameters", []) if p["in"] != "path"
                    ]
                item = {"parameters": [shared], **item}
            paths[openapi.API_PREFIX + path] = item
        document["paths"] = paths
        # fastapi documents a 422 of its own for every operation with
        # parameters; the API answers those faults 400 (see error_handlers).
        for item in paths.values():
            for operation in item.values():
                responses = (
                    operation.get("responses", {})
                    if isinstance(operation, dict)
                    else {}
                )
                if "HTTPValidationError" in str(responses.get("422", "")):
                    del responses["422"]
        schemas = document.get("components", {}).get("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        document["security"] = [{"apiKey": []}]
        app.openapi_schema = document
    return dict(app.openapi_schema, servers=[{"url": server_url}])


def docs_router():
    """The routes of the document and of the human page."""
    router = APIRouter(route_class=EnvelopeRoute)

    async def openapi_json(request: Request):
        server = odoo_request.httprequest.host_url.rstrip("/")
        document = served_document(request.app, server)
        return finish(request, ApiResponse(200, dumps(document), {}))

    async def docs_page(request: Request):
        collections = odoo_env_ctx.get()["integration.api"].sudo()._collections()
        return Response(
            openapi.docs_html(collections, base_url(odoo_env_ctx.get())),
            media_type="text/html; charset=utf-8",
            headers={"X-Request-Id": request.scope["request_id"]},
        )

    for path, handler in (("/openapi.json", openapi_json), ("/docs", docs_page)):
        router.add_api_route(
            path, handler, methods=list(READ_METHODS), include_in_schema=False
        )
        router.add_api_route(
            path,
            not_allowed(READ_METHODS),
            methods=list(OTHER_METHODS),
            include_in_schema=False,
        )
    return router
