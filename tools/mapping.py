# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Remote JSON:API attributes ↔ Odoo values, one place per model.

The *values* side is what Odoo compares, hashes and writes: plain field values of
``integration.booking`` or ``res.partner`` (dates as ``date``, empty text as
False), with the currency and the country kept as ISO codes (``currency``,
``country_code``) because resolving them needs the ORM. The *attributes* side is
what the JSON:API documents carry. Empty text is None on the values side, so a
merge treats it as "no value" and both sides hash the same. Both the sync and the
REST API parse through here, so one bad field gives the same message everywhere.
"""

from datetime import date
from datetime import datetime
from datetime import timezone

# PostgreSQL integers: larger counts and ids cannot exist.
MAX_INT = 2**31 - 1
BOOKING_TYPE = "booking"
GUEST_TYPE = "guest"
BOOKING_STATUSES = (
    "tentative",
    "confirmed",
    "checked_in",
    "checked_out",
    "cancelled",
    "no_show",
)
# Attribute name -> values key, in document order.
BOOKING_FIELDS = {
    "reference": "name",
    "status": "status",
    "check_in": "check_in",
    "check_out": "check_out",
    "room": "room",
    "adults": "adults",
    "children": "children",
    "amount": "amount",
    "currency": "currency",
    "notes": "notes",
}
GUEST_FIELDS = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "street": "street",
    "city": "city",
    "zip": "zip",
    "country_code": "country_code",
}
BOOKING_REQUIRED = ("reference", "check_in", "check_out")
GUEST_REQUIRED = ("name",)

# JSON Schema of each attribute, for the served API document.
_NULLABLE_TEXT = {"type": ["string", "null"]}
_DATE = {"type": "string", "format": "date"}
_COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_INT}
# "" is taken as null (see _text), so the document sets no minimum length.
_ISO_CODE = {"type": ["string", "null"], "maxLength": 3}

BOOKING_SCHEMAS = {
    "reference": {"type": "string", "minLength": 1},
    "status": {"type": "string", "enum": list(BOOKING_STATUSES)},
    "check_in": _DATE,
    "check_out": dict(_DATE, description="Strictly after check_in."),
    "room": _NULLABLE_TEXT,
    "adults": _COUNT,
    "children": _COUNT,
    "amount": {"type": "number", "minimum": 0},
    "currency": dict(_ISO_CODE, description="ISO 4217 code, e.g. EUR."),
    "notes": _NULLABLE_TEXT,
}
GUEST_SCHEMAS = {
    "name": {"type": "string", "minLength": 1},
    "email": _NULLABLE_TEXT,
    "phone": _NULLABLE_TEXT,
    "street": _NULLABLE_TEXT,
    "city": _NULLABLE_TEXT,
    "zip": _NULLABLE_TEXT,
    "country_code": dict(_ISO_CODE, description="ISO 3166-1 alpha-2 code."),
}


class MappingError(ValueError):
    """Attributes that cannot become Odoo values; ``details`` holds one
    ``{"field", "message"}`` entry per faulty attribute."""

    def __init__(self, resource_type, details):
        self.details = details
        fields_text = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        super().__init__(f"Invalid {resource_type}: {fields_text}")


def _text(value):
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError("must be a string or null")
    return value


def _date(value):
    if not isinstance(value, str):
        raise TypeError("must be a date as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise TypeError("must be a date as YYYY-MM-DD") from None
    # fromisoformat also takes 20250601 and week dates; the contract is YYYY-MM-DD.
    if parsed.isoformat() != value:
        raise TypeError("must be a date as YYYY-MM-DD")
    return parsed


def _count(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError("must be an integer >= 0")
    return value


def _amount(value):
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise TypeError("must be a number >= 0")
    return round(float(value), 2)


def _status(value):
    if value not in BOOKING_STATUSES:
        raise TypeError("must be one of " + ", ".join(BOOKING_STATUSES))
    return value


def _code(value):
    value = _text(value)
    return value.upper() if value else None


_BOOKING_PARSERS = {
    "reference": _text,
    "status": _status,
    "check_in": _date,
    "check_out": _date,
    "room": _text,
    "adults": _count,
    "children": _count,
    "amount": _amount,
    "currency": _code,
    "notes": _text,
}
_GUEST_PARSERS = {
    "name": _text,
    "email": _text,
    "phone": _text,
    "street": _text,
    "city": _text,
    "zip": _text,
    "country_code": _code,
}


def _parse(resource_type, attrs, fields_map, parsers, required, partial):
    if not isinstance(attrs, dict):
        raise MappingError(
            resource_type, [{"field": "attributes", "message": "must be an object"}]
        )
    details = [
        {"field": name, "message": "unknown attribute"}
        for name in attrs
        if name not in fields_map and name != "updated_at"
    ]
    values = {}
    for name, key in fields_map.items():
        if name not in attrs:
            if not partial and name in required:
                details.append({"field": name, "message": "is required"})
            continue
        try:
            values[key] = parsers[name](attrs[name])
        except TypeError as error:
            details.append({"field": name, "message": str(error)})
            continue
        if name in required and values[key] is None:
            details.append({"field": name, "message": "must not be empty"})
    if details:
        raise MappingError(resource_type, details)
    return values


def booking_values_from_attributes(attrs, partial=False):
    """Return booking values from JSON:API ``attributes``, or raise MappingError.

    ``partial`` (a PATCH) lets required attributes be absent; given ones are
    always checked. Check-out must follow check-in when both are known.
    """
    values = _parse(
        BOOKING_TYPE, attrs, BOOKING_FIELDS, _BOOKING_PARSERS, BOOKING_REQUIRED, partial
    )
    if (
        values.get("check_in")
        and values.get("check_out")
        and values["check_out"] <= values["check_in"]
    ):
        raise MappingError(
            BOOKING_TYPE, [{"field": "check_out", "message": "must be after check_in"}]
        )
    return values


def guest_values_from_attributes(attrs, partial=False):
    """Return guest (partner) values from JSON:API ``attributes``, or raise
    MappingError."""
    return _parse(
        GUEST_TYPE, attrs, GUEST_FIELDS, _GUEST_PARSERS, GUEST_REQUIRED, partial
    )


def _attributes(values, fields_map):
    attrs = {}
    for name, key in fields_map.items():
        value = values.get(key)
        if isinstance(value, date):
            value = value.isoformat()
        # Odoo's False for an empty field is null in JSON.
        attrs[name] = None if value is False else value
    return attrs


def booking_attributes(values):
    """Return the JSON:API attributes of booking ``values``."""
    return _attributes(values, BOOKING_FIELDS)


def guest_attributes(values):
    """Return the JSON:API attributes of guest ``values``."""
    return _attributes(values, GUEST_FIELDS)


def relationship_id(resource, name):
    """Return the id a resource's relationship ``name`` points to, or None."""
    try:
        linkage = resource["relationships"][name]["data"]
        return str(linkage["id"]) if linkage else None
    except (KeyError, TypeError):
        return None


def remote_stamp(value):
    """Parse a remote ISO 8601 ``updated_at`` into an aware datetime, or None."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def is_newer(stamp, than):
    """Whether remote stamp ``stamp`` is later than ``than`` (None = never)."""
    new, old = remote_stamp(stamp), remote_stamp(than)
    return new is not None and (old is None or new > old)


# -- building blocks of another addon's declaration ------------------------------

#: Attribute parsers: each takes the JSON value and returns the values-side
#: value, or raises TypeError with the message a client reads.
parse_text = _text
parse_date = _date
parse_count = _count
parse_amount = _amount
parse_code = _code


def values_parser(resource_type, fields_map, parsers, required=()):
    """A declaration's ``parse(attributes, partial=False)``: the attributes of
    ``fields_map`` each through its parser of ``parsers``, ``required`` ones
    present and not empty unless ``partial``; MappingError lists every fault."""

    def parse(attrs, partial=False):
        return _parse(resource_type, attrs, fields_map, parsers, required, partial)

    return parse


def attributes_serializer(fields_map):
    """A declaration's ``serialize(values)``: the JSON:API attributes of
    ``fields_map`` (dates as ISO text, empty values as null)."""

    def serialize(values):
        return _attributes(values, fields_map)

    return serialize
