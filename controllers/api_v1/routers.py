# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The routes of every declared collection, generated from its declaration.

Each collection gets list and create on ``/<collection>``, and read, replace,
patch and delete on ``/<collection>/{id}``; the other methods of those paths
answer 405 with ``Allow``, any other path 404, all in the error envelope.
This module documents each operation's answers (status, body, headers,
error codes); the parameters each operation takes, and its handler, come from
:mod:`.parameters` (checked by the API model, so a malformed request never
costs a key check more than a well-formed one).
"""

from fastapi import APIRouter
from starlette.responses import Response

from ...tools import api_reference as openapi
from ...tools.api_envelope import RequestRefused
from . import parameters
from . import schemas
from .error_handlers import EnvelopeRoute
from .error_handlers import not_allowed

COLLECTION_METHODS = ("GET", "HEAD", "POST")
RECORD_METHODS = ("GET", "HEAD", "PUT", "PATCH", "DELETE")
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
HEADER_TEXTS = {
    "X-Request-Id": "Id of this request, also in error bodies and the audit log.",
    "ETag": "Version of the representation, for If-None-Match and If-Match.",
    "Location": "URL of the created record.",
    "RateLimit-Limit": "Requests allowed per window for this key.",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the window resets.",
}


def _headers(*names):
    return {
        name: {"description": HEADER_TEXTS[name], "schema": {"type": "string"}}
        for name in names
    }


def _errors(*statuses):
    by_status = {}
    for code, (status, *_rest) in openapi.ERROR_CODES.items():
        if status in statuses:
            by_status.setdefault(status, []).append(code)
    return {
        status: {
            "model": schemas.Error,
            "description": "Error: " + ", ".join(f"`{c}`" for c in codes),
            "headers": _headers("X-Request-Id"),
        }
        for status, codes in sorted(by_status.items())
    }


def _ok(model, description, *headers):
    return {"model": model, "description": description, "headers": _headers(*headers)}


def _body(spec, kind, collections):
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": schemas.write_schema(spec, kind, collections)
                }
            },
        }
    }


def _add_write_route(
    router, path, method, handler, operation_id, summary, responses, **extra
):
    """``method`` on ``path`` as documented (``extra``: status, body, text)."""
    router.add_api_route(
        path,
        handler,
        methods=[method],
        operation_id=operation_id,
        summary=summary,
        response_class=Response,
        responses=responses,
        **extra,
    )


def collection_router(name, spec, collections, resource_models):
    """The routes of collection ``name`` (declared as ``spec``)."""
    router = APIRouter(route_class=EnvelopeRoute, tags=[name])
    rtype = spec.type
    included = [resource_models[t] for _f, t in spec.relationships.values()]
    one, many = schemas.document_models(
        spec, resource_models[name], included[0] if included else None
    )
    read_headers = ("X-Request-Id", "ETag", *RATE_HEADERS)
    not_modified = {
        "description": "Not modified (If-None-Match)",
        "headers": _headers("X-Request-Id", "ETag"),
    }
    record_path = f"/{name}/{{id}}"
    for path, documented, with_id, operation_id, ok, errors in (
        (
            f"/{name}",
            parameters.list_parameters(spec, collections),
            False,
            f"list_{name}",
            _ok(many, f"A page of {name}", *read_headers),
            (400, 401, 403, 406, 429),
        ),
        (
            record_path,
            parameters.read_parameters(spec, collections),
            True,
            f"get_{rtype}",
            _ok(one, f"The {rtype}", *read_headers),
            (400, 401, 403, 404, 406, 429),
        ),
    ):
        reader = parameters.operation_handler(spec, documented, with_id)
        router.add_api_route(
            path,
            reader,
            methods=["GET"],
            operation_id=operation_id,
            summary=("Read a " if with_id else "List ") + (rtype if with_id else name),
            response_class=Response,
            responses={200: ok, 304: not_modified, **_errors(*errors)},
        )
        router.add_api_route(path, reader, methods=["HEAD"], include_in_schema=False)
    path = f"/{name}"
    idempotency = parameters.idempotency_headers()
    if_match = parameters.if_match_header()
    _add_write_route(
        router,
        path,
        "POST",
        parameters.operation_handler(spec, idempotency, False),
        f"create_{rtype}",
        f"Create a {rtype}",
        {
            201: _ok(one, "Created", "X-Request-Id", "ETag", "Location", *RATE_HEADERS),
            **_errors(400, 401, 403, 406, 409, 413, 415, 422, 429),
        },
        status_code=201,
        openapi_extra=_body(spec, "Create", collections),
    )
    router.add_api_route(
        path,
        not_allowed(COLLECTION_METHODS),
        methods=[m for m in ALL_METHODS if m not in COLLECTION_METHODS],
        include_in_schema=False,
    )
    path = record_path
    for method, kind, verb, description in (
        (
            "PUT",
            "Replace",
            "replace",
            "Replaces the record: every attribute and relationship must be given "
            "(null clears a nullable one).",
        ),
        (
            "PATCH",
            "Patch",
            "update",
            "Changes only the attributes and relationships given.",
        ),
    ):
        _add_write_route(
            router,
            path,
            method,
            parameters.operation_handler(spec, [*idempotency, if_match], True),
            f"{verb}_{rtype}",
            f"{kind} a {rtype}",
            {
                200: _ok(
                    one, f"The {rtype} as saved", "X-Request-Id", "ETag", *RATE_HEADERS
                ),
                **_errors(400, 401, 403, 404, 406, 409, 412, 413, 415, 422, 429),
            },
            description=description,
            openapi_extra=_body(spec, kind, collections),
        )
    _add_write_route(
        router,
        path,
        "DELETE",
        parameters.operation_handler(spec, [if_match], True),
        f"delete_{rtype}",
        f"Delete a {rtype}",
        {
            204: {
                "description": "Deleted, or cancelled (see the rule above)",
                "headers": _headers("X-Request-Id"),
            },
            **_errors(400, 401, 403, 404, 406, 409, 412, 429),
        },
        description=spec.delete_rule,
        status_code=204,
    )
    router.add_api_route(
        path,
        not_allowed(RECORD_METHODS),
        methods=[m for m in ALL_METHODS if m not in RECORD_METHODS],
        include_in_schema=False,
    )
    return router


def collections_router(collections):
    """The routes of every declared collection."""
    resource_models = {
        name: schemas.resource_model(spec, collections)
        for name, spec in collections.items()
    }
    router = APIRouter()
    for name, spec in collections.items():
        router.include_router(
            collection_router(name, spec, collections, resource_models)
        )
    return router


def not_found_router():
    """Any other path under the API: 404 in the envelope."""
    router = APIRouter(route_class=EnvelopeRoute)

    async def not_found(rest: str):
        raise RequestRefused(
            404, "not_found", f"No resource at {openapi.API_PREFIX}/{rest}."
        )

    router.add_api_route(
        "/{rest:path}", not_found, methods=list(ALL_METHODS), include_in_schema=False
    )
    return router
