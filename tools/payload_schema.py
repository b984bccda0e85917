# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inbound payloads checked against a JSON Schema, with the ``jsonschema``
library (no ORM).

An event type may carry the JSON Schema its inbound payloads must match
(``integration.event.type.payload_schema``). :func:`compile_schema` turns the
stored text into a validator once (the event types keep them per worker), and
:func:`problems` lists what is wrong with a payload as the error envelope's
``details``: one entry per problem, ``field`` a JSON path (``$.data.id``),
``code`` one of the API's detail codes, ``message`` jsonschema's.
"""

import json
import re

from jsonschema import validators
from jsonschema.exceptions import SchemaError

# A payload wrong everywhere is answered with the first problems only.
MAX_DETAILS = 50
# JSON Schema keywords -> the detail codes of the error envelope
# (tools/api_reference.py DETAIL_CODES); any other keyword is "invalid".
DETAIL_CODE_OF_KEYWORD = {
    "required": "required",
    "additionalProperties": "unknown",
    "unevaluatedProperties": "unknown",
}


def compile_schema(text):
    """The validator of the JSON Schema ``text`` (its ``$schema`` dialect, the
    latest by default, formats checked); ``ValueError`` saying what is wrong
    when the text is not JSON or not a valid schema."""
    try:
        schema = json.loads(text)
    except ValueError as error:
        raise ValueError(f"the schema is not JSON: {error}") from None
    if not isinstance(schema, dict | bool):
        raise ValueError("a JSON Schema is an object (or true/false)")
    cls = validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except SchemaError as error:
        raise ValueError(f"the schema is invalid: {error.message}") from None
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def problems(validator, payload):
    """The problems of ``payload`` under ``validator``, as error details
    ``{"field", "code", "message"}`` in document order (empty: it is valid).

    A missing required property, or one the schema does not allow, is reported
    at its own path (``$.data.name``), not at the object holding it.
    """
    details = []
    for error in sorted(validator.iter_errors(payload), key=_document_order):
        code = DETAIL_CODE_OF_KEYWORD.get(error.validator, "invalid")
        for field in _fields(error, {detail["field"] for detail in details}):
            details.append({"field": field, "code": code, "message": error.message})
        if len(details) >= MAX_DETAILS:
            return details[:MAX_DETAILS]
    return details


def _fields(error, reported):
    """The JSON paths ``error`` is about, given the paths ``reported`` already."""
    path = error.json_path
    instance = error.instance
    if not isinstance(instance, dict):
        return [path]
    if error.validator == "required":
        # One error per missing property, naming it only in its message: the
        # first missing one not reported yet is this error's.
        names = [name for name in error.validator_value if name not in instance]
    elif error.validator == "additionalProperties":
        # One error for every property the schema does not allow.
        allowed = error.schema.get("properties") or {}
        patterns = error.schema.get("patternProperties") or {}
        names = [
            name
            for name in instance
            if name not in allowed
            and not any(re.search(pattern, name) for pattern in patterns)
        ]
    else:
        return [path]
    fields = [f"{path}.{name}" for name in names if f"{path}.{name}" not in reported]
    if error.validator == "required":
        fields = fields[:1]
    return fields or [path]


def _document_order(error):
    # Paths mix keys and indexes: compare them as text, position by position.
    return [str(part) for part in error.absolute_path], error.validator
