# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The query string of a REST API read, parsed as the document declares it (no
ORM): which parameters an operation takes, pages, filters, sort keys, sparse
fieldsets and ``include``. Every fault is a 400 :class:`RequestRefused` with one
detail per faulty parameter."""

import math
import re
from datetime import date
from datetime import datetime
from datetime import timezone
from urllib.parse import urlencode

from . import mapping
from .api_envelope import RequestRefused
from .api_envelope import bad_request
from .api_envelope import detail
from .api_envelope import is_number
from .api_reference import DEFAULT_PER_PAGE
from .api_reference import MAX_INT
from .api_reference import MAX_PER_PAGE
from .api_reference import READ_ONLY_ATTRIBUTES

# RFC 3339 dates and date-times, the document's ``format``: Python's
# ``fromisoformat`` also takes other ISO 8601 forms (``20260601``, no time).
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
PAGE_PARAMETERS = ("page", "per_page", "page[number]", "page[size]")
# Digits of a record id (PostgreSQL's integers have 10 at most).
ID_DIGITS = 10


def related_specs(spec, collections):
    """``spec`` and the declarations its relationships point to."""
    return [spec] + [collections[t] for _f, t in spec.relationships.values()]


def read_parameters(spec, collections):
    """Names of the query parameters of a read of one record of ``spec``."""
    names = [f"fields[{item.type}]" for item in related_specs(spec, collections)]
    return names + (["include"] if spec.relationships else [])


def list_parameters(spec, collections):
    """Names of the query parameters of a list of ``spec``."""
    names = [*PAGE_PARAMETERS, "sort"]
    for name in spec.filters:
        names += [name, f"filter[{name}]"]
    return names + read_parameters(spec, collections)


def check_known(query, known):
    """400 for a query parameter the operation does not declare: a misspelt
    filter must not silently answer everything."""
    unknown = sorted(set(query) - set(known))
    if unknown:
        raise RequestRefused(
            400,
            "bad_request",
            f"Unknown query parameters: {', '.join(unknown)}.",
            [
                detail(name, "unknown", "not a parameter of this operation")
                for name in unknown
            ],
        )


def int_param(query, names, default, maximum):
    """The first of ``names`` given, as an integer from 1 to ``maximum``. Every
    alias given is checked, as the document declares each: an ignored one out
    of range is refused too."""
    value = default
    for name in reversed(names):
        raw = query.get(name)
        if raw is None:
            continue
        if not is_number(raw) or not 1 <= int(raw) <= maximum:
            raise bad_request(
                f"{name} must be an integer from 1 to {maximum}.",
                name,
                reason=f"must be an integer from 1 to {maximum}",
            )
        value = int(raw)
    return value


def page_of(query):
    """``(page, per_page)`` of a list."""
    page = int_param(query, ("page", "page[number]"), 1, MAX_INT)
    per_page = int_param(
        query, ("per_page", "page[size]"), DEFAULT_PER_PAGE, MAX_PER_PAGE
    )
    return page, per_page


def filter_domain(spec, query):
    """The domain of the filters given in ``query``."""
    domain = []
    details = []
    for name, (field, operator, kind, _description) in spec.filters.items():
        for param in (name, f"filter[{name}]"):
            raw = query.get(param)
            if raw is None:
                continue
            try:
                value = filter_value(kind, raw)
            except ValueError as error:
                details.append(detail(param, "invalid", str(error)))
                continue
            domain.append((field, operator, value))
    if details:
        raise RequestRefused(400, "bad_request", "Some filters are invalid.", details)
    return domain


def filter_value(kind, raw):
    """The value of a filter of ``kind`` (see the declarations); ValueError."""
    if kind == "statuses":
        statuses = raw.split(",")
        if set(statuses) - set(mapping.BOOKING_STATUSES):
            raise ValueError(
                "unknown status; use " + ", ".join(mapping.BOOKING_STATUSES)
            )
        return statuses
    if kind == "date":
        if not _DATE.match(raw):
            raise ValueError("must be a date as YYYY-MM-DD")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError("must be a date as YYYY-MM-DD") from None
    if kind == "datetime":
        return _moment(raw)
    if kind == "id":
        # At most 10 digits, as the document's pattern says.
        if not is_number(raw) or len(raw) > ID_DIGITS:
            raise ValueError("must be a record id")
        # No record has an id past PostgreSQL's integers: 0 matches none.
        return int(raw) if int(raw) <= MAX_INT else 0
    if not raw or "\x00" in raw:
        raise ValueError("must be a non-empty text")
    return raw


def _moment(raw):
    if not _DATE_TIME.match(raw):
        raise ValueError("must be an ISO 8601 date-time")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time") from None
    if moment.tzinfo:
        try:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        except OverflowError:
            # Year 1 or 9999 shifted past the calendar: before or after anything.
            moment = datetime.min if moment.year == 1 else datetime.max
    return moment


def sort_order(spec, raw):
    """An ORDER BY from ``sort``; the id always last, so paging is stable."""
    if raw is None:
        return "id"
    terms = []
    for key in raw.split(","):
        name = key.removeprefix("-")
        if name not in spec.sorts:
            raise bad_request(
                f"Cannot sort by {name!r}.",
                "sort",
                "unknown",
                "use " + ", ".join(spec.sorts),
            )
        terms.append(f"{spec.sorts[name]} {'desc' if key.startswith('-') else 'asc'}")
    return ", ".join([*terms, "id"])


def sparse_fields(spec, collections, query):
    """``fields[<type>]`` per type, as sets of attribute/relationship names."""
    sparse = {}
    for item in related_specs(spec, collections):
        param = f"fields[{item.type}]"
        raw = query.get(param)
        if raw is None:
            continue
        known = {*item.attributes, *READ_ONLY_ATTRIBUTES, *item.relationships}
        names = set(raw.split(","))
        if names - known:
            raise bad_request(
                f"Unknown names in {param}.",
                param,
                "unknown",
                "use " + ", ".join(sorted(known)),
            )
        sparse[item.type] = names
    return sparse


def include(spec, raw):
    """The relationships ``include`` names."""
    if raw is None:
        return []
    names = raw.split(",")
    unknown = [name for name in names if name not in spec.relationships]
    if unknown:
        raise bad_request(
            f"Cannot include {', '.join(unknown)}.",
            "include",
            "unknown",
            "use " + (", ".join(spec.relationships) or "nothing"),
        )
    return names


def page_links(path, query, page, per_page, total):
    """The ``links`` of a page: self, first, prev, next and last."""
    last = max(1, math.ceil(total / per_page))
    kept = {k: v for k, v in query.items() if k not in PAGE_PARAMETERS}

    def link(number):
        params = dict(kept, page=number, per_page=per_page)
        return f"{path}?{urlencode(params, safe='[],')}"

    return {
        "self": link(page),
        "first": link(1),
        "prev": link(page - 1) if 1 < page <= last + 1 else None,
        "next": link(page + 1) if page < last else None,
        "last": link(last),
    }
