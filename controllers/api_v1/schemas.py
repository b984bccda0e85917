# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pydantic documents of the JSON:API-style envelope, and those of each declared
collection (built from its declaration, so the document cannot drift from it)."""

from typing import Annotated
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import WithJsonSchema
from pydantic import create_model

from ...tools import api_reference as openapi

ID_PATTERN = "^[0-9]{1,10}$"
NO_NUL_PATTERN = "^[^\\x00]*$"


class ErrorDetail(BaseModel):
    """One faulty field of a request."""

    field: str
    code: Literal[tuple(openapi.DETAIL_CODES)]
    message: str


class ErrorObject(BaseModel):
    """What went wrong, and where to read about it."""

    code: Literal[tuple(openapi.ERROR_CODES)]
    message: str
    details: list[ErrorDetail]
    request_id: str
    documentation_url: str


def _inline(model):
    """``model``'s JSON schema with its nested models written in place."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(schema)


class Error(BaseModel):
    """The error envelope of every failed request."""

    error: Annotated[ErrorObject, WithJsonSchema(_inline(ErrorObject))]


class ListMeta(BaseModel):
    """Counts of a page."""

    total: int = Field(ge=0)
    page: int = Field(ge=1)
    per_page: int = Field(ge=1, le=openapi.MAX_PER_PAGE)


class ListLinks(BaseModel):
    """Links to the pages of a list."""

    self: str | None
    first: str | None
    prev: str | None
    next: str | None
    last: str | None


def _object(properties, required=()):
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _closed(schema):
    """``schema`` refusing properties it does not name."""
    return dict(schema, additionalProperties=False)


def _linkage(spec):
    return _object(
        {"type": {"const": spec.type}, "id": {"type": "string", "pattern": ID_PATTERN}},
        ("type", "id"),
    )


def _relationships(spec, collections):
    return {
        name: _object({"data": _linkage(collections[target])}, ("data",))
        for name, (_field, target) in spec.relationships.items()
    }


def resource_model(spec, collections):
    """The pydantic document of one served resource of ``spec``."""
    attributes = dict(spec.schemas, **openapi.READ_ONLY_ATTRIBUTES)
    return create_model(
        spec.type.capitalize(),
        __config__=ConfigDict(title=spec.type.capitalize()),
        id=(str, Field(pattern=ID_PATTERN)),
        type=(Literal[spec.type], ...),
        attributes=(Annotated[dict, WithJsonSchema(_object(attributes))], ...),
        relationships=(
            Annotated[dict, WithJsonSchema(_object(_relationships(spec, collections)))],
            None,
        ),
        links=(
            Annotated[dict, WithJsonSchema(_object({"self": {"type": "string"}}))],
            None,
        ),
    )


def document_models(spec, resource, included):
    """The documents answering one record and a page of records."""
    title = spec.type.capitalize()
    included_type = list[included] if included else None
    one = create_model(
        f"{title}Document",
        data=(resource, ...),
        included=(included_type, None),
    )
    many = create_model(
        f"{title}Page",
        data=(list[resource], ...),
        included=(included_type, None),
        meta=(ListMeta, ...),
        links=(ListLinks, ...),
    )
    return one, many


def _without_nul(schema):
    """``schema``, a free text refusing NUL characters: PostgreSQL cannot
    store them, so the API refuses them (400) and the document says so."""
    types = schema.get("type")
    texts = types == "string" or (isinstance(types, list) and "string" in types)
    if not texts or {"pattern", "format", "enum"} & set(schema):
        return schema
    return dict(schema, pattern=NO_NUL_PATTERN)


def write_schema(spec, kind, collections):
    """JSON schema of a create (``Create``), replace (``Replace``) or patch
    (``Patch``) document of ``spec``."""
    # Read-only attributes may be sent back as read; they are ignored. Any other
    # name is refused (422 ``unknown``), so the document closes both objects.
    attributes = dict(
        {name: _without_nul(schema) for name, schema in spec.schemas.items()},
        **{
            name: {"description": "Read-only: ignored."}
            for name in openapi.READ_ONLY_ATTRIBUTES
        },
    )
    required = {
        "Create": spec.required,
        "Replace": tuple(spec.schemas),
        "Patch": (),
    }[kind]
    relationships = _relationships(spec, collections)
    whole = kind != "Patch"
    data = _object(
        {
            "type": {"const": spec.type},
            "id": {"type": "string", "pattern": ID_PATTERN},
            "attributes": _closed(_object(attributes, required)),
            "relationships": _closed(
                _object(relationships, relationships if whole else ())
            ),
        },
        ("type", "attributes", *(("relationships",) if relationships else ()))
        if whole
        else ("type",),
    )
    return _object({"data": data}, ("data",))
