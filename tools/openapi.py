# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The OpenAPI 3.1 document and the human page of the REST API v1.

Both are built from the declared collections (``{name: Resource}``, see
:mod:`.resources`) the API model answers from, so the document cannot drift from
the behaviour. :func:`docs_html` renders the human page with one anchor per error
code (the ``documentation_url`` target).
"""

import html

from . import mapping
from . import signatures

API_PREFIX = "/api/v1"
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
# PostgreSQL integers: larger ids and page numbers cannot exist, refuse them early.
MAX_INT = mapping.MAX_INT

# Served, never written: clients may send them back, they are ignored.
READ_ONLY_ATTRIBUTES = {
    "updated_at": {
        "type": "string",
        "format": "date-time",
        "readOnly": True,
        "description": "Last change, UTC.",
    }
}


# Error code -> (HTTP status, what it means, what to do). One anchor each in the docs.
ERROR_CODES = {
    "bad_request": (400, "A query parameter or header is malformed.", "Fix it."),
    "invalid_json": (400, "The body is not a JSON document.", "Send valid JSON."),
    "unauthorized": (
        401,
        "No valid API key: `Authorization: Bearer <key>` is missing, wrong, "
        "expired or revoked.",
        "Create a key in Odoo (Preferences, Account Security, New API Key).",
    ),
    "forbidden": (
        403,
        "The key's user may not do this: not an Integration User, or the access "
        "rights of the user forbid the operation.",
        "Ask an administrator for the right group.",
    ),
    "not_found": (
        404,
        "No such collection or record, or the record belongs to a company the "
        "key's user cannot see.",
        "Check the id.",
    ),
    "method_not_allowed": (
        405,
        "This path does not support this method; `Allow` lists those it does.",
        "Use one of the allowed methods.",
    ),
    "not_acceptable": (
        406,
        "The `Accept` header excludes JSON.",
        "Accept `application/json`.",
    ),
    "conflict": (
        409,
        "The operation contradicts the record's state (see the delete rules).",
        "Read the record and decide.",
    ),
    "idempotency_in_progress": (
        409,
        "A request with the same `Idempotency-Key` is still being processed.",
        "Retry later with the same key.",
    ),
    "precondition_failed": (
        412,
        "`If-Match` does not match the record's current `ETag`: it changed since "
        "you read it.",
        "Read it again, re-apply your change, send the new ETag.",
    ),
    "payload_too_large": (
        413,
        "The body is larger than the API accepts (system parameter "
        "`integration_hub.api_max_body_size`, 1 MiB by default) or, for a "
        "webhook, than the source's maximum body size; it was not read.",
        "Send a smaller body.",
    ),
    "unsupported_media_type": (
        415,
        "A write's `Content-Type` is not JSON.",
        "Send `Content-Type: application/json`.",
    ),
    "validation_failed": (
        422,
        "The document is well-formed but its content is invalid; `details` lists "
        "each faulty field.",
        "Fix the listed fields.",
    ),
    "idempotency_key_reused": (
        422,
        "This `Idempotency-Key` was used for a different request.",
        "Use a fresh key for a new request.",
    ),
    "rate_limited": (
        429,
        "Too many requests for this key in the current window, or too many "
        "requests without a valid key from this address.",
        "Wait `Retry-After` seconds.",
    ),
    "internal_error": (
        500,
        "An unexpected failure; nothing was changed.",
        "Report the `request_id`.",
    ),
}
# Codes of the inbound webhook receiver (POST /integration/webhook/<slug>) that the
# API does not use; its error envelope links here too. Signature codes come from
# tools/signatures.py.
INBOUND_ERROR_CODES = {
    "source_not_found": (404, "No active inbound source has this slug."),
    "ip_not_allowed": (403, "The sender's address is not allow-listed."),
    "malformed_json": (400, "The body is not a JSON document."),
    "request_in_progress": (409, "The same delivery is being stored; retry."),
    "temporarily_unavailable": (503, "The delivery could not be stored; retry."),
    "unverified_rate_limited": (
        429,
        "Too many requests from this address failed verification (signature, "
        "allowed address, size) for this source in the current minute.",
    ),
    **{
        error.code: (error.http_status, " ".join((error.__doc__ or "").split()))
        for error in (
            signatures.SignatureError,
            *signatures.SignatureError.__subclasses__(),
        )
    },
}
# Field-level ``details[].code`` values.
DETAIL_CODES = {
    "required": "The attribute or relationship must be given.",
    "unknown": "No such attribute, relationship, filter or sort key.",
    "invalid": "The value has the wrong type, format or range.",
    "not_found": "The related record does not exist or is not visible.",
    "constraint": "The record would break a business rule.",
}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _response(description, schema=None, headers=None):
    response = {"description": description}
    if schema:
        response["content"] = {"application/json": {"schema": schema}}
    if headers:
        response["headers"] = {
            name: {"$ref": f"#/components/headers/{name}"} for name in headers
        }
    return response


def _errors(*statuses):
    by_status = {}
    for code, (status, *_rest) in ERROR_CODES.items():
        if status in statuses:
            by_status.setdefault(status, []).append(code)
    return {
        str(status): _response(
            "Error: " + ", ".join(f"`{code}`" for code in codes),
            _ref("Error"),
            ["X-Request-Id"],
        )
        for status, codes in sorted(by_status.items())
    }


def _resource_schemas(spec, collections):
    """Schemas of one resource: as served, and as sent for create/replace/patch."""
    rtype = spec.type
    title = rtype.capitalize()
    attributes = dict(spec.schemas, **READ_ONLY_ATTRIBUTES)
    relationships = {
        name: {
            "type": "object",
            "properties": {
                "data": _ref(f"{collections[target].type.capitalize()}Linkage")
            },
            "required": ["data"],
        }
        for name, (_field, target) in spec.relationships.items()
    }
    served = {
        "type": "object",
        "required": ["id", "type", "attributes"],
        "properties": {
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "type": {"const": rtype},
            "attributes": {"type": "object", "properties": attributes},
            "relationships": {"type": "object", "properties": relationships},
            "links": {"type": "object", "properties": {"self": {"type": "string"}}},
        },
    }
    schemas = {
        title: served,
        f"{title}Linkage": {
            "type": "object",
            "required": ["type", "id"],
            "properties": {"type": {"const": rtype}, "id": {"type": "string"}},
        },
    }
    for kind, required in (
        ("Create", list(spec.required)),
        ("Replace", list(spec.schemas)),
        ("Patch", []),
    ):
        attrs = {"type": "object", "properties": attributes}
        if required:
            attrs["required"] = required
        data = {
            "type": "object",
            "required": ["type", "attributes"] if kind != "Patch" else ["type"],
            "properties": {
                "type": {"const": rtype},
                "id": {"type": "string"},
                "attributes": attrs,
                "relationships": {
                    "type": "object",
                    "properties": relationships,
                    **({"required": list(relationships)} if kind != "Patch" else {}),
                },
            },
        }
        if kind != "Patch" and relationships:
            data["required"] = ["type", "attributes", "relationships"]
        schemas[f"{title}{kind}"] = {
            "type": "object",
            "required": ["data"],
            "properties": {"data": data},
        }
    return schemas


def _list_parameters(name, spec):
    params = [
        {"$ref": "#/components/parameters/page"},
        {"$ref": "#/components/parameters/per_page"},
        {"$ref": "#/components/parameters/page_number"},
        {"$ref": "#/components/parameters/page_size"},
        {
            "name": "sort",
            "in": "query",
            "description": "Comma-separated sort keys, `-` for descending: "
            + ", ".join(f"`{key}`" for key in spec.sorts)
            + ". The id always breaks ties, so pages never skip or repeat records.",
            "schema": {"type": "string", "pattern": _sort_pattern(spec)},
        },
    ]
    for filter_name, (_f, _op, kind, description) in spec.filters.items():
        schema = _FILTER_SCHEMAS[kind]
        for param in (filter_name, f"filter[{filter_name}]"):
            params.append(
                {
                    "name": param,
                    "in": "query",
                    "description": description,
                    "schema": schema,
                }
            )
    params.extend(_read_parameters(name, spec))
    return params


def _sort_pattern(spec):
    key = "-?(" + "|".join(spec.sorts) + ")"
    return f"^{key}(,{key})*$"


def _read_parameters(name, spec):
    params = [{"$ref": f"#/components/parameters/fields_{spec.type}"}]
    if spec.relationships:
        params.append({"$ref": "#/components/parameters/fields_guest"})
        params.append(
            {
                "name": "include",
                "in": "query",
                "description": "Related resources to add under `included`.",
                "schema": {"type": "string", "enum": list(spec.relationships)},
            }
        )
    return params


_STATUS_LIST = "(" + "|".join(mapping.BOOKING_STATUSES) + ")"
_FILTER_SCHEMAS = {
    "statuses": {"type": "string", "pattern": f"^{_STATUS_LIST}(,{_STATUS_LIST})*$"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "id": {"type": "string", "pattern": "^[0-9]{1,9}$"},
    "text": {"type": "string", "minLength": 1},
}


def _paths(collections):
    paths = {}
    write_headers = [
        {"$ref": "#/components/parameters/Idempotency-Key"},
        {"$ref": "#/components/parameters/If-Match"},
    ]
    read_ok_headers = ["X-Request-Id", "ETag", *_RATE_HEADERS]
    for name, spec in collections.items():
        title = spec.type.capitalize()
        one = {
            "type": "object",
            "required": ["data"],
            "properties": {
                "data": _ref(title),
                "included": _INCLUDED,
                "links": {"type": "object"},
            },
        }
        many = {
            "type": "object",
            "required": ["data", "meta", "links"],
            "properties": {
                "data": {"type": "array", "items": _ref(title)},
                "included": _INCLUDED,
                "meta": _ref("ListMeta"),
                "links": _ref("ListLinks"),
            },
        }
        id_param = {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"},
        }
        paths[f"{API_PREFIX}/{name}"] = {
            "get": {
                "operationId": f"list_{name}",
                "summary": f"List {name}",
                "tags": [name],
                "parameters": [
                    *_list_parameters(name, spec),
                    {"$ref": "#/components/parameters/If-None-Match"},
                ],
                "responses": {
                    "200": _response(f"A page of {name}", many, read_ok_headers),
                    "304": _response(
                        "Not modified (If-None-Match)", None, ["X-Request-Id", "ETag"]
                    ),
                    **_errors(400, 401, 403, 406, 429),
                },
            },
            "post": {
                "operationId": f"create_{spec.type}",
                "summary": f"Create a {spec.type}",
                "tags": [name],
                "parameters": [write_headers[0]],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(f"{title}Create")}},
                },
                "responses": {
                    "201": _response(
                        "Created",
                        one,
                        ["X-Request-Id", "ETag", "Location", *_RATE_HEADERS],
                    ),
                    **_errors(400, 401, 403, 406, 409, 413, 415, 422, 429),
                },
            },
        }
        paths[f"{API_PREFIX}/{name}/{{id}}"] = {
            "parameters": [id_param],
            "get": {
                "operationId": f"get_{spec.type}",
                "summary": f"Read a {spec.type}",
                "tags": [name],
                "parameters": [
                    *_read_parameters(name, spec),
                    {"$ref": "#/components/parameters/If-None-Match"},
                ],
                "responses": {
                    "200": _response(f"The {spec.type}", one, read_ok_headers),
                    "304": _response(
                        "Not modified (If-None-Match)", None, ["X-Request-Id", "ETag"]
                    ),
                    **_errors(400, 401, 403, 404, 406, 429),
                },
            },
            "put": _write_operation(
                name, spec, "Replace", "replace", write_headers, one
            ),
            "patch": _write_operation(
                name, spec, "Patch", "update", write_headers, one
            ),
            "delete": {
                "operationId": f"delete_{spec.type}",
                "summary": f"Delete a {spec.type}",
                "description": spec.delete_rule,
                "tags": [name],
                "parameters": [write_headers[1]],
                "responses": {
                    "204": _response(
                        "Deleted, or cancelled (see the rule above)",
                        None,
                        ["X-Request-Id"],
                    ),
                    **_errors(400, 401, 403, 404, 406, 409, 412, 429),
                },
            },
        }
    return paths


def _write_operation(name, spec, kind, verb, headers, one):
    title = spec.type.capitalize()
    description = (
        "Replaces the record: every attribute and relationship must be given "
        "(null clears a nullable one)."
        if kind == "Replace"
        else "Changes only the attributes and relationships given."
    )
    return {
        "operationId": f"{verb}_{spec.type}",
        "summary": f"{kind} a {spec.type}",
        "description": description,
        "tags": [name],
        "parameters": headers,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref(f"{title}{kind}")}},
        },
        "responses": {
            "200": _response(
                f"The {spec.type} as saved",
                one,
                ["X-Request-Id", "ETag", *_RATE_HEADERS],
            ),
            **_errors(400, 401, 403, 404, 406, 409, 412, 413, 415, 422, 429),
        },
    }


_RATE_HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]
_INCLUDED = {"type": "array", "items": {"$ref": "#/components/schemas/Guest"}}


def _components(collections):
    schemas = {}
    for spec in collections.values():
        schemas.update(_resource_schemas(spec, collections))
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": [
                    "code",
                    "message",
                    "details",
                    "request_id",
                    "documentation_url",
                ],
                "properties": {
                    "code": {"type": "string", "enum": list(ERROR_CODES)},
                    "message": {"type": "string"},
                    "details": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["field", "code", "message"],
                            "properties": {
                                "field": {"type": "string"},
                                "code": {"type": "string", "enum": list(DETAIL_CODES)},
                                "message": {"type": "string"},
                            },
                        },
                    },
                    "request_id": {"type": "string"},
                    "documentation_url": {"type": "string"},
                },
            }
        },
    }
    schemas["ListMeta"] = {
        "type": "object",
        "required": ["total", "page", "per_page"],
        "properties": {
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        },
    }
    link = {"type": ["string", "null"]}
    schemas["ListLinks"] = {
        "type": "object",
        "required": ["self", "first", "prev", "next", "last"],
        "properties": dict.fromkeys(("self", "first", "prev", "next", "last"), link),
    }
    page = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
    size = {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}
    parameters = {
        "page": {"name": "page", "in": "query", "schema": page},
        "per_page": {
            "name": "per_page",
            "in": "query",
            "description": f"Default {DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE}.",
            "schema": size,
        },
        "page_number": {"name": "page[number]", "in": "query", "schema": page},
        "page_size": {"name": "page[size]", "in": "query", "schema": size},
        "Idempotency-Key": {
            "name": "Idempotency-Key",
            "in": "header",
            "description": "Same key and body: the first answer is replayed "
            "(`Idempotent-Replayed: true`). Same key, other body: 422. While the "
            "first request runs: 409. Only successful answers are kept (24 h).",
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[!-~]+$",
            },
        },
        "If-Match": {
            "name": "If-Match",
            "in": "header",
            "description": "ETag read before; 412 if the record changed since.",
            "schema": {"type": "string"},
        },
        "If-None-Match": {
            "name": "If-None-Match",
            "in": "header",
            "description": "ETag read before; 304 if nothing changed.",
            "schema": {"type": "string"},
        },
    }
    for spec in collections.values():
        names = [*spec.schemas, *READ_ONLY_ATTRIBUTES, *spec.relationships]
        key = f"fields[{spec.type}]"
        parameters[f"fields_{spec.type}"] = {
            "name": key,
            "in": "query",
            "description": "Sparse fieldset: only these attributes and relationships.",
            "schema": {
                "type": "string",
                "pattern": "^(" + "|".join(names) + ")(,(" + "|".join(names) + "))*$",
            },
        }
    headers = {
        "X-Request-Id": "Id of this request, also in error bodies and the audit log.",
        "ETag": "Version of the representation, for If-None-Match and If-Match.",
        "Location": "URL of the created record.",
        "RateLimit-Limit": "Requests allowed per window for this key.",
        "RateLimit-Remaining": "Requests left in the current window.",
        "RateLimit-Reset": "Seconds until the window resets.",
    }
    return {
        "schemas": schemas,
        "parameters": parameters,
        "headers": {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        },
        "securitySchemes": {
            "apiKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "An Odoo user API key; the user's access rights and "
                "record rules apply.",
            }
        },
    }


def build_document(collections, server_url=None):
    """The OpenAPI 3.1 document of the REST API v1 serving ``collections``
    ({name: Resource}), as a dictionary."""
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Integration Hub REST API",
            "version": "1.0.0",
            "description": "Bookings and guests in a JSON:API-style envelope. "
            f"Human documentation: {API_PREFIX}/docs. Rate limited per key "
            "(`RateLimit-*` headers, 429 with `Retry-After`). gzip when "
            "`Accept-Encoding: gzip` and the body is large.",
        },
        "paths": _paths(collections),
        "components": _components(collections),
        "security": [{"apiKey": []}],
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


def docs_html(collections):
    """The human documentation page of ``collections``, one anchor per error
    code."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Integration Hub REST API v1</title></head><body>",
        "<h1>Integration Hub REST API v1</h1>",
        f"<p>Machine-readable description: <a href='{API_PREFIX}/openapi.json'>"
        f"{API_PREFIX}/openapi.json</a> (OpenAPI 3.1).</p>",
        "<h2 id='auth'>Authentication</h2><p>Send <code>Authorization: Bearer "
        "&lt;key&gt;</code> with an Odoo user API key (Preferences, Account Security). "
        "The key's user needs the Integration User group; its access rights and "
        "company rules apply.</p>",
        "<h2 id='collections'>Collections</h2>",
    ]
    for name, spec in collections.items():
        parts.append(f"<h3 id='{esc(name)}'>{API_PREFIX}/{esc(name)}</h3><ul>")
        parts.append(
            "<li>Attributes: "
            + ", ".join(f"<code>{esc(a)}</code>" for a in spec.schemas)
            + " (required on create: "
            + ", ".join(f"<code>{esc(a)}</code>" for a in spec.required)
            + "), read-only <code>updated_at</code>.</li>"
        )
        if spec.relationships:
            parts.append(
                "<li>Relationships: "
                + ", ".join(f"<code>{esc(r)}</code>" for r in spec.relationships)
                + " (<code>?include=</code> adds them under "
                "<code>included</code>).</li>"
            )
        parts.append(
            "<li>Filters (plain or <code>filter[name]</code>): "
            + ", ".join(
                f"<code>{esc(f)}</code> ({esc(desc)})"
                for f, (_fld, _op, _kind, desc) in spec.filters.items()
            )
            + "</li>"
        )
        parts.append(
            "<li>Sort keys: "
            + ", ".join(f"<code>{esc(s)}</code>" for s in spec.sorts)
            + "</li>"
        )
        parts.append(f"<li>DELETE: {esc(spec.delete_rule)}</li></ul>")
    parts.append(
        "<h2 id='pagination'>Pagination</h2><p><code>page</code>/<code>per_page</code> "
        f"or <code>page[number]</code>/<code>page[size]</code>; at most {MAX_PER_PAGE} "
        "per page; <code>links</code> has self, first, prev, next and last.</p>"
        "<h2 id='caching'>Caching and concurrency</h2><p>Reads carry an "
        "<code>ETag</code>; send it back in <code>If-None-Match</code> for 304, or in "
        "<code>If-Match</code> on a write to get 412 when someone changed the record "
        "meanwhile.</p>"
        "<h2 id='idempotency'>Idempotency</h2><p>POST, PUT and PATCH honour "
        "<code>Idempotency-Key</code>: the same key with the same request replays the "
        "first successful answer; with another request it is refused (422); while the "
        "first is still running the second gets 409.</p>"
        "<h2 id='errors'>Errors</h2><p>Every error has the body "
        '<code>{"error": {"code", "message", "details", "request_id", '
        '"documentation_url"}}</code>; <code>details</code> lists '
        '<code>{"field", "code", "message"}</code> per faulty field.</p><dl>'
    )
    for code, (status, meaning, remedy) in ERROR_CODES.items():
        parts.append(
            f"<dt id='{esc(code)}'><code>{esc(code)}</code> (HTTP {status})</dt>"
            f"<dd>{esc(meaning)} {esc(remedy)}</dd>"
        )
    parts.append(
        "</dl><h3 id='inbound'>Inbound webhook errors</h3><p>Answers of "
        "<code>POST /integration/webhook/&lt;slug&gt;</code> use the same envelope; "
        "besides the codes above they may carry:</p><dl>"
    )
    for code, (status, meaning) in INBOUND_ERROR_CODES.items():
        parts.append(
            f"<dt id='{esc(code)}'><code>{esc(code)}</code> (HTTP {status})</dt>"
            f"<dd>{esc(meaning)}</dd>"
        )
    parts.append("</dl><h3 id='details'>Field detail codes</h3><dl>")
    for code, meaning in DETAIL_CODES.items():
        parts.append(
            f"<dt id='detail-{esc(code)}'><code>{esc(code)}</code></dt>"
            f"<dd>{esc(meaning)}</dd>"
        )
    parts.append("</dl></body></html>")
    return "".join(parts)
