# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The parameters of each operation, as the document declares them, and the
handler FastAPI reads them from.

The query parameters and headers are declared for the document only: the API
model checks each exactly as documented, after authentication, and answers 400
with one detail per fault. The handler of every operation is the same call of
the API model; its signature (the dependencies, the record id, the documented
parameters) is what tells FastAPI which parameters to document.
"""

import inspect
from typing import Annotated

from fastapi import Depends
from fastapi import Header
from fastapi import Path
from fastapi import Query
from fastapi import Request

from ...tools import api_reference as openapi
from ...tools.api_envelope import ETAG_LIST_PATTERN
from . import schemas
from .dependencies import api_request_with_body
from .dependencies import authenticated_api
from .error_handlers import finish

_PAGE = {"type": "integer", "minimum": 1, "maximum": openapi.MAX_INT}
_SIZE = {"type": "integer", "minimum": 1, "maximum": openapi.MAX_PER_PAGE}
_STATUS = "(" + "|".join(openapi.mapping.BOOKING_STATUSES) + ")"
FILTER_SCHEMAS = {
    "statuses": {"type": "string", "pattern": f"^{_STATUS}(,{_STATUS})*$"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "id": {"type": "string", "pattern": "^[0-9]{1,10}$"},
    "text": {"type": "string", "minLength": 1, "pattern": "^[^\\x00]+$"},
}
IF_MATCH = "ETag read before; 412 if the record changed since."
IF_NONE_MATCH = "ETag read before; 304 if nothing changed."
ETAG_LIST = {"type": "string", "pattern": ETAG_LIST_PATTERN}
IDEMPOTENCY = (
    "Same key and body: the first answer is replayed (`Idempotent-Replayed: "
    "true`). Same key, other body: 422. While the first request runs: 409. Only "
    "successful answers are kept (24 h)."
)
X_IDEMPOTENCY = (
    "Same meaning as `Idempotency-Key`, for clients that send this name; when "
    "both are sent they must be equal (else 400)."
)


# Idempotency keys: printable ASCII without spaces, as stored.
_KEY_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": "^[!-~]+$",
}


def _names_pattern(names):
    name = "(" + "|".join(names) + ")"
    return f"^{name}(,{name})*$"


def _query(alias, schema, description=None):
    return (
        alias,
        Annotated[
            str,
            Query(alias=alias, description=description, json_schema_extra=schema),
        ],
    )


def _header(alias, schema, description):
    return (
        alias,
        Annotated[
            str,
            Header(alias=alias, description=description, json_schema_extra=schema),
        ],
    )


def read_parameters(spec, collections):
    """The parameters of a read: sparse fieldsets, ``include``, If-None-Match."""
    params = []
    for item in [spec] + [collections[t] for _f, t in spec.relationships.values()]:
        names = [
            *item.schemas,
            *openapi.READ_ONLY_ATTRIBUTES,
            *item.relationships,
        ]
        params.append(
            _query(
                f"fields[{item.type}]",
                {"type": "string", "pattern": _names_pattern(names)},
                "Sparse fieldset: only these attributes and relationships.",
            )
        )
    if spec.relationships:
        params.append(
            _query(
                "include",
                {"type": "string", "pattern": _names_pattern(spec.relationships)},
                "Related resources to add under `included`.",
            )
        )
    return [*params, _header("If-None-Match", ETAG_LIST, IF_NONE_MATCH)]


def list_parameters(spec, collections):
    """The parameters of a list: paging, sort, the declared filters, then those
    of a read."""
    sorts = [f"-?{key}" for key in spec.sorts]
    params = [
        _query("page", _PAGE),
        _query("per_page", _SIZE, f"Default {openapi.DEFAULT_PER_PAGE}."),
        _query("page[number]", _PAGE),
        _query("page[size]", _SIZE),
        _query(
            "sort",
            {"type": "string", "pattern": _names_pattern(sorts)},
            "Comma-separated sort keys, `-` for descending; the id breaks ties.",
        ),
    ]
    for name, (_field, _op, kind, description) in spec.filters.items():
        for alias in (name, f"filter[{name}]"):
            params.append(_query(alias, FILTER_SCHEMAS[kind], description))
    return params + read_parameters(spec, collections)


def _signature(parameters, with_id):
    """A handler signature FastAPI reads: the dependencies, then ``parameters``
    ((alias, annotation) pairs), documented but checked by the API model."""
    signature = [
        inspect.Parameter(
            "api",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[object, Depends(authenticated_api)],
        ),
        inspect.Parameter(
            "req",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[object, Depends(api_request_with_body)],
        ),
    ]
    if with_id:
        signature.append(
            inspect.Parameter(
                "id",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    str, Path(json_schema_extra={"pattern": schemas.ID_PATTERN})
                ],
            )
        )
    for index, (_alias, annotation) in enumerate(parameters):
        signature.append(
            inspect.Parameter(
                f"p{index}",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation,
                default=None,
            )
        )
    return inspect.Signature(signature)


def operation_handler(spec, parameters, with_id):
    """The handler of one operation of ``spec``: the API model serves it; its
    signature documents ``parameters`` (and the record id when ``with_id``)."""

    async def handler(request, api, req, **_documented):
        return finish(request, api._serve(spec, req))

    signature = _signature(parameters, with_id)
    handler.__signature__ = signature.replace(
        parameters=[
            inspect.Parameter(
                "request", inspect.Parameter.KEYWORD_ONLY, annotation=Request
            ),
            *signature.parameters.values(),
        ]
    )
    return handler


def idempotency_headers():
    """``Idempotency-Key`` and its other name, as a create or a write takes them."""
    return [
        _header("Idempotency-Key", _KEY_SCHEMA, IDEMPOTENCY),
        _header("X-Idempotency-Key", _KEY_SCHEMA, X_IDEMPOTENCY),
    ]


def if_match_header():
    """``If-Match``, as a write or a delete takes it."""
    return _header("If-Match", ETAG_LIST, IF_MATCH)
