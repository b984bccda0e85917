# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import gzip
import hashlib
import json
import logging
import math
from collections import namedtuple
from datetime import date
from datetime import datetime
from datetime import timezone
from urllib.parse import urlencode

import psycopg2
import psycopg2.errors

from odoo import api
from odoo import models
from odoo import tools
from odoo.addons.base.models.res_users import INDEX_SIZE
from odoo.exceptions import AccessError
from odoo.exceptions import MissingError
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from ...controllers.common import REPLAY_HEADER
from ...controllers.common import error_body
from ...tools import api_reference as openapi
from ...tools import mapping
from ...tools import transactions
from ..common.integration_idempotency_key import STATE_COMPLETED
from ..common.integration_rate_limit import address_scope
from ..resources.integration_booking import STATUS_CANCELLED
from ..resources.integration_booking import STATUS_CHECKED_IN
from ..resources.integration_booking import STATUS_CONFIRMED
from ..resources.integration_booking import STATUS_TENTATIVE

_logger = logging.getLogger(__name__)

RATE_LIMIT_PARAM = "integration_hub.api_rate_limit"
DEFAULT_RATE_LIMIT = 600
# Requests without a valid key allowed per client address and minute, before
# that address gets 429 (system parameter).
UNAUTHENTICATED_LIMIT_PARAM = "integration_hub.api_unauthenticated_rate_limit"
DEFAULT_UNAUTHENTICATED_LIMIT = 60
# Largest request body accepted, in bytes (system parameter): larger ones get
# 413 without being read.
MAX_BODY_SIZE_PARAM = "integration_hub.api_max_body_size"
DEFAULT_MAX_BODY_SIZE = 1024 * 1024
# Methods whose request body is read (after authentication); others' is not.
BODY_METHODS = ("POST", "PUT", "PATCH")
RATE_WINDOW_SECONDS = 60
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
JSON_MEDIA_TYPES = ("application/json", "application/vnd.api+json")
# Bodies smaller than this are sent as they are: gzip would cost more than it saves.
GZIP_MIN_BYTES = 1024
USER_GROUP = "integration_hub.group_integration_user"
COLLECTION_METHODS = ("GET", "HEAD", "POST")
RECORD_METHODS = ("GET", "HEAD", "PUT", "PATCH", "DELETE")
# Booking statuses DELETE removes, cancels, or leaves as they are (see openapi).
BOOKING_DELETABLE = (STATUS_TENTATIVE,)
BOOKING_CANCELLABLE = (STATUS_CONFIRMED, STATUS_CHECKED_IN)
# mapping.MappingError messages that have a more precise detail code than "invalid".
MAPPING_DETAIL_CODES = {
    "is required": "required",
    "must not be empty": "required",
    "unknown attribute": "unknown",
}

ApiRequest = namedtuple(
    "ApiRequest",
    "method path collection record_id query headers body request_id"
    " client_address read_body",
    defaults=(None, None),
)
ApiRequest.__doc__ = """One HTTP request, as the API needs it: ``query`` maps each
parameter to its first value, ``headers`` is case-insensitive, ``body`` is bytes,
or None while unread: then ``read_body(limit)`` reads it once the client is
authenticated (None when it is longer than ``limit`` bytes)."""
ApiResponse = namedtuple("ApiResponse", "status body headers")
ApiResponse.__doc__ = """An answer: ``body`` is JSON bytes or None, ``headers`` a
dict."""


class UnknownKeyError(Exception):
    """An API key that no active user holds (raised, so nothing is cached)."""


class ApiError(Exception):
    """An answer in the error envelope, raised from anywhere in a request."""

    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def _detail(field, code, message):
    return {"field": field, "code": code, "message": message}


def _etag(body):
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def dumps(document):
    """``document`` as compact JSON bytes."""
    return json.dumps(document, separators=(",", ":"), default=str).encode()


def error_envelope(error, request_id):
    """The error envelope of :class:`ApiError` ``error``, as JSON bytes."""
    return dumps(error_body(error.code, error.message, request_id, error.details))


def encode(response, accept_encoding):
    """``response`` (an :class:`ApiResponse`), its large body gzipped when the
    client accepts it."""
    if (
        response.body
        and len(response.body) >= GZIP_MIN_BYTES
        and "gzip" in (accept_encoding or "").lower()
    ):
        headers = dict(
            response.headers,
            **{"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
        return ApiResponse(response.status, gzip.compress(response.body, 5), headers)
    return response


def _iso_utc(value):
    return value.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def _attribute_of(column, collections):
    """The API name of database column ``column`` (a field), for error details."""
    for spec in collections.values():
        for key, (field, _comodel, _code_field) in spec.codes.items():
            if field == column:
                return key
        for name, (field, _target) in spec.relationships.items():
            if field == column:
                return name
        for name, key in spec.attributes.items():
            if key == column:
                return name
    return column or "data"


def _unauthenticated_scope(address):
    """The rate-limit key counting the failed authentications of ``address``."""
    return f"api-unauthenticated:{address_scope(address)}"


def _is_number(raw):
    """Whether ``raw`` is ASCII digits only: ``str.isdigit()`` also takes other
    scripts' digits and superscripts, which ``int()`` then refuses or reads."""
    return raw.isascii() and raw.isdigit()


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class IntegrationApi(models.AbstractModel):
    """The REST API v1: authenticates, limits, answers reads and writes of bookings
    and guests in the JSON:API-style envelope, and logs every write.

    It stores nothing itself; what each collection serves is described in
    the declarations of the models (``integration.resource.mixin``), and attribute
    parsing and rendering go through ``tools/mapping.py`` like the sync's.
    """

    _name = "integration.api"
    _description = "Integration REST API v1"

    # ------------------------------------------------------------------ entry

    @api.model
    def _dispatch(self, req):
        """Answer ``req`` (an :class:`ApiRequest`); always an :class:`ApiResponse`.

        Bad input of any kind gives the error envelope, never an exception; only
        PostgreSQL concurrency errors propagate, for Odoo to retry the request.
        """
        rate_headers = {}
        try:
            spec = self._route(req)
            self._check_acceptable(req)
            user_api, key_digest = self._authenticate(req)
            rate_headers = user_api._rate_limit(key_digest)
            req = self._with_body(req)
            response = user_api._serve(spec, req)
        except ApiError as error:
            response = self._error_response(error, req.request_id)
        except psycopg2.OperationalError as error:
            if error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            response = self._internal_error(req)
        except Exception:  # the client gets the envelope, never Odoo's HTML page
            response = self._internal_error(req)
        response.headers.update(rate_headers)
        return response

    def _internal_error(self, req):
        _logger.exception("REST API request %s failed", req.request_id)
        return self._error_response(
            ApiError(500, "internal_error", "Unexpected error; nothing was changed."),
            req.request_id,
        )

    @api.model
    def _error_response(self, error, request_id):
        body = error_body(error.code, error.message, request_id, error.details)
        return ApiResponse(error.status, dumps(body), dict(error.headers))

    def _collections(self):
        """The declared collections by name (``integration.resource.mixin``)."""
        return self.env["integration.resource.mixin"]._integration_declarations()

    def _route(self, req):
        spec = self._collections().get(req.collection)
        if not spec:
            raise ApiError(404, "not_found", f"No collection {req.collection!r}.")
        allowed = RECORD_METHODS if req.record_id is not None else COLLECTION_METHODS
        if req.method not in allowed:
            raise ApiError(
                405,
                "method_not_allowed",
                f"{req.method} is not allowed here.",
                headers={"Allow": ", ".join(allowed)},
            )
        return spec

    def _check_acceptable(self, req):
        accept = req.headers.get("Accept")
        if not accept:
            return
        ranges = [part.split(";")[0].strip().lower() for part in accept.split(",")]
        if not any(r in ("*/*", "application/*", *JSON_MEDIA_TYPES) for r in ranges):
            raise ApiError(406, "not_acceptable", "This API answers in JSON only.")

    # ------------------------------------------------------------ auth, limits

    def _authenticate(self, req):
        """Return ``(api as the key's user, key digest)`` or raise 401/403 (429
        for an address past its limit of failed authentications)."""
        scheme, _sep, key = req.headers.get("Authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            self._refuse_unauthenticated(
                req, "Send an API key: Authorization: Bearer <key>."
            )
        digest = hashlib.sha256(key.encode()).hexdigest()
        try:
            uid = self._key_uid(digest, key, req.client_address)
        except UnknownKeyError:
            uid = None
        if not uid or not self._key_still_valid(uid, key[:INDEX_SIZE]):
            self._refuse_unauthenticated(req, "Unknown, expired or revoked API key.")
        user_api = self.with_user(uid)
        if not user_api.env.user.has_group(USER_GROUP):
            raise ApiError(
                403, "forbidden", "The key's user is not an Integration User."
            )
        return user_api, digest

    def _refuse_unauthenticated(self, req, message):
        """Raise 401 with ``message``; 429 instead once the client's address has
        failed to authenticate too often in the current minute.

        Only failures are counted, per address: a flood of wrong keys neither
        limits the clients that hold a valid one nor grows anything but one
        counter per address and minute.
        """
        key = _unauthenticated_scope(req.client_address)
        reset_in = (
            self.env["integration.rate.limit"]
            .sudo()
            ._refusal_over_limit(
                key, UNAUTHENTICATED_LIMIT_PARAM, DEFAULT_UNAUTHENTICATED_LIMIT
            )
        )
        if not reset_in:
            raise ApiError(
                401,
                "unauthorized",
                message,
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        raise ApiError(
            429,
            "rate_limited",
            "Too many requests without a valid API key from this address.",
            headers={"Retry-After": str(reset_in)},
        )

    @tools.ormcache("digest")
    def _key_uid(self, digest, key, client_address=None):
        """The user id of API ``key`` (hashed as ``digest``); raise
        :class:`UnknownKeyError` when no active user holds it.

        Checking a key costs a query and a PBKDF2 verification; it is done once
        per key and process. Revocation and expiry are checked on every request
        by :meth:`_key_still_valid`, so this cache never grants a dead key. An
        unknown key raises rather than returning None: nothing is cached for it,
        so made-up keys can neither fill the cache nor push the real ones out.
        And an address this process already refuses (see
        :meth:`_refuse_unauthenticated`) gets no verification at all.
        """
        scope = _unauthenticated_scope(client_address)
        if self.env["integration.rate.limit"]._refusing(scope):
            raise UnknownKeyError(digest)
        uid = (
            self.env["res.users.apikeys"]
            .sudo()
            ._check_credentials(scope="rpc", key=key)
        )
        if not uid:
            raise UnknownKeyError(digest)
        return uid

    def _key_still_valid(self, uid, index):
        # The key once verified still exists, has not expired and its user is active.
        self.env.cr.execute(
            """
            SELECT 1 FROM res_users_apikeys k JOIN res_users u ON u.id = k.user_id
             WHERE k.user_id = %s AND k.index = %s AND u.active
               AND (k.scope IS NULL OR k.scope = 'rpc')
               AND (k.expiration_date IS NULL
                    OR k.expiration_date >= now() at time zone 'utc')
             LIMIT 1
            """,
            (uid, index),
        )
        return bool(self.env.cr.fetchone())

    @contextlib.contextmanager
    def _bookkeeping_env(self):
        """This environment on a short transaction of its own, committed on exit.

        Rate-limit counters and idempotency claims are shared by every worker and
        must be visible to them at once, whatever becomes of the request. READ
        COMMITTED lets a request that waited on another's counter row or claim
        read what that one committed, instead of failing with a serialisation
        error under Odoo's REPEATABLE READ. (Tests get a savepoint of their
        shared transaction, whose level cannot change.)
        """
        with transactions.read_committed_cursor(self.env.registry) as cr:
            yield self.env(cr=cr)

    def _rate_limit(self, key_digest):
        """Count the request against the key's window; 429 past the limit."""
        param = self.env["ir.config_parameter"].sudo().get_param(RATE_LIMIT_PARAM)
        try:
            limit = int(param) if param else DEFAULT_RATE_LIMIT
        except ValueError:
            limit = DEFAULT_RATE_LIMIT
        # The count commits on a short transaction of its own: in the request's,
        # the key's counter row would stay locked for the whole request and
        # serialise every concurrent request of the key (and fail them under
        # REPEATABLE READ); refused or failed requests must count too.
        with self._bookkeeping_env() as env:
            allowed, remaining, reset_in = (
                env["integration.rate.limit"]
                .sudo()
                ._hit(f"api:{key_digest[:32]}", limit, RATE_WINDOW_SECONDS)
            )
        headers = {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(reset_in),
        }
        if not allowed:
            raise ApiError(
                429,
                "rate_limited",
                f"More than {limit} requests in {RATE_WINDOW_SECONDS} s for this key.",
                headers=dict(headers, **{"Retry-After": str(max(reset_in, 1))}),
            )
        return headers

    def _with_body(self, req):
        """``req`` with its body read, for the methods that send one; 413 past
        the configured size (see :func:`..controllers.common.read_body`)."""
        if req.body is not None or not req.read_body or req.method not in BODY_METHODS:
            return req
        limit = self.env["integration.rate.limit"]._configured_limit(
            MAX_BODY_SIZE_PARAM, DEFAULT_MAX_BODY_SIZE
        )
        body = req.read_body(limit)
        if body is None:
            raise ApiError(413, "payload_too_large", f"The body exceeds {limit} bytes.")
        return req._replace(body=body)

    # ----------------------------------------------------------------- serving

    def _serve(self, spec, req):
        record_id = None if req.record_id is None else self._parse_id(req.record_id)
        if req.method in ("GET", "HEAD"):
            if record_id is None:
                return self._guarded(self._list, spec, req)
            return self._guarded(self._read_one, spec, req, record_id)
        if req.method == "DELETE":
            return self._guarded(self._delete, spec, req, record_id)
        return self._serve_write(spec, req, record_id)

    def _parse_id(self, raw):
        if not _is_number(raw) or not 0 < int(raw) <= openapi.MAX_INT:
            raise ApiError(404, "not_found", f"No record {raw!r}.")
        return int(raw)

    def _guarded(self, func, *args):
        """Run ``func`` in a savepoint; turn ORM and database refusals into errors.

        The savepoint undoes a failed write and keeps the transaction usable, so the
        rate-limit count of the request is still committed.
        """
        try:
            with self.env.cr.savepoint():
                return func(*args)
        except ValidationError as error:
            raise ApiError(
                422,
                "validation_failed",
                str(error),
                [_detail("data", "constraint", str(error))],
            ) from error
        except AccessError as error:
            raise ApiError(403, "forbidden", str(error)) from error
        except MissingError as error:
            raise ApiError(404, "not_found", str(error)) from error
        except UserError as error:
            raise ApiError(409, "conflict", str(error)) from error
        except psycopg2.errors.NotNullViolation as error:
            name = _attribute_of(error.diag.column_name, self._collections())
            raise ApiError(
                422,
                "validation_failed",
                f"{name} is required.",
                [_detail(name, "required", "must not be null")],
            ) from error
        except psycopg2.IntegrityError as error:
            raise ApiError(
                409, "conflict", "Other records depend on this one."
            ) from error
        except psycopg2.DataError as error:
            raise ApiError(
                422,
                "validation_failed",
                "A value is out of range.",
                [_detail("data", "invalid", error.pgerror or str(error))],
            ) from error
        except ValueError as error:
            raise ApiError(400, "bad_request", str(error)) from error

    # -------------------------------------------------------------------- reads

    def _list(self, spec, req):
        query = req.query
        page = self._int_param(query, ("page", "page[number]"), 1, openapi.MAX_INT)
        per_page = self._int_param(
            query,
            ("per_page", "page[size]"),
            openapi.DEFAULT_PER_PAGE,
            openapi.MAX_PER_PAGE,
        )
        domain = [*spec.domain, *self._filter_domain(spec, query)]
        order = self._sort_order(spec, query.get("sort"))
        sparse = self._sparse_fields(spec, query)
        include = self._include(spec, query.get("include"))
        Model = self.env[spec.model]
        total = Model.search_count(domain)
        rows = Model.search_read(
            domain,
            self._read_fields(spec),
            offset=(page - 1) * per_page,
            limit=per_page,
            order=order,
            load=None,
        )
        document = {
            "data": self._resources(spec, rows, sparse),
            "meta": {"total": total, "page": page, "per_page": per_page},
            "links": self._page_links(req, page, per_page, total),
        }
        if include:
            document["included"] = self._included(spec, rows, sparse)
        return self._ok(req, document)

    def _read_one(self, spec, req, record_id):
        sparse = self._sparse_fields(spec, req.query)
        include = self._include(spec, req.query.get("include"))
        rows = self._rows(spec, [record_id])
        document = {"data": self._resources(spec, rows, sparse)[0]}
        if include:
            document["included"] = self._included(spec, rows, sparse)
        return self._ok(req, document)

    def _ok(self, req, document, status=200, headers=None):
        """A JSON answer with its ETag; 304 when ``If-None-Match`` has it."""
        body = dumps(document)
        etag = _etag(body)
        headers = dict(headers or {}, ETag=etag)
        if req.method in ("GET", "HEAD") and etag in self._etags(
            req.headers.get("If-None-Match")
        ):
            return ApiResponse(304, None, headers)
        return ApiResponse(status, body, headers)

    @staticmethod
    def _etags(header):
        return {tag.strip().removeprefix("W/") for tag in (header or "").split(",")}

    def _rows(self, spec, ids):
        """The rows of ``ids`` visible to the user in this collection, or 404."""
        rows = self.env[spec.model].search_read(
            [*spec.domain, ("id", "in", ids)], self._read_fields(spec), load=None
        )
        if len(rows) != len(ids):
            raise ApiError(
                404, "not_found", f"No {spec.type} {', '.join(map(str, ids))}."
            )
        return rows

    def _read_fields(self, spec):
        fields = [spec.codes.get(key, (key,))[0] for key in spec.attributes.values()]
        fields += [field for field, _target in spec.relationships.values()]
        return [*fields, "write_date"]

    def _resources(self, spec, rows, sparse):
        """Render rows read with :meth:`_read_fields` as JSON:API resources.

        Codes (currency, country) are resolved with one read per comodel for the
        whole page, so a page costs the same few queries whatever its size.
        """
        code_maps = {}
        for key, (field, comodel, code_field) in spec.codes.items():
            ids = {row[field] for row in rows if row[field]}
            code_maps[key] = {
                rec["id"]: rec[code_field]
                for rec in self.env[comodel].browse(ids).read([code_field])
            }
        wanted = sparse.get(spec.type)
        resources = []
        for row in rows:
            values = dict(row)
            for key, (field, _comodel, _code_field) in spec.codes.items():
                values[key] = code_maps[key].get(row[field], False)
            attributes = spec.serialize(values)
            attributes["updated_at"] = _iso_utc(row["write_date"])
            relationships = {
                name: {
                    "data": {
                        "type": self._collections()[target].type,
                        "id": str(row[field]),
                    }
                    if row[field]
                    else None
                }
                for name, (field, target) in spec.relationships.items()
            }
            if wanted is not None:
                attributes = {k: v for k, v in attributes.items() if k in wanted}
                relationships = {k: v for k, v in relationships.items() if k in wanted}
            resource = {
                "id": str(row["id"]),
                "type": spec.type,
                "attributes": attributes,
                "links": {
                    "self": f"{openapi.API_PREFIX}/{spec.collection}/{row['id']}"
                },
            }
            if spec.relationships:
                resource["relationships"] = relationships
            resources.append(resource)
        return resources

    def _included(self, spec, rows, sparse):
        included = []
        for field, target in spec.relationships.values():
            target_spec = self._collections()[target]
            ids = sorted({row[field] for row in rows if row[field]})
            # Related records outside the target collection (a partner that is
            # not a guest) are simply not included.
            related = self.env[target_spec.model].search_read(
                [*target_spec.domain, ("id", "in", ids)],
                self._read_fields(target_spec),
                load=None,
                order="id",
            )
            included += self._resources(target_spec, related, sparse)
        return included

    # ------------------------------------------------------ query parameters

    @staticmethod
    def _int_param(query, names, default, maximum):
        for name in names:
            raw = query.get(name)
            if raw is None:
                continue
            if not _is_number(raw) or not 1 <= int(raw) <= maximum:
                raise ApiError(
                    400,
                    "bad_request",
                    f"{name} must be an integer from 1 to {maximum}.",
                    [
                        _detail(
                            name, "invalid", f"must be an integer from 1 to {maximum}"
                        )
                    ],
                )
            return int(raw)
        return default

    def _filter_domain(self, spec, query):
        domain = []
        details = []
        for name, (field, operator, kind, _description) in spec.filters.items():
            for param in (name, f"filter[{name}]"):
                raw = query.get(param)
                if raw is None:
                    continue
                try:
                    value = self._filter_value(kind, raw)
                except ValueError as error:
                    details.append(_detail(param, "invalid", str(error)))
                    continue
                domain.append((field, operator, value))
        if details:
            raise ApiError(400, "bad_request", "Some filters are invalid.", details)
        return domain

    @staticmethod
    def _filter_value(kind, raw):
        if kind == "statuses":
            statuses = raw.split(",")
            unknown = set(statuses) - set(mapping.BOOKING_STATUSES)
            if unknown:
                raise ValueError(
                    "unknown status; use " + ", ".join(mapping.BOOKING_STATUSES)
                )
            return statuses
        if kind == "date":
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise ValueError("must be a date as YYYY-MM-DD") from None
        if kind == "datetime":
            try:
                moment = datetime.fromisoformat(raw)
            except ValueError:
                raise ValueError("must be an ISO 8601 date-time") from None
            if moment.tzinfo:
                moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
            return moment
        if kind == "id":
            if not _is_number(raw) or int(raw) > openapi.MAX_INT:
                raise ValueError("must be a record id")
            return int(raw)
        if not raw or "\x00" in raw:
            raise ValueError("must be a non-empty text")
        return raw

    def _sort_order(self, spec, raw):
        """An ORDER BY from ``sort``; the id always last, so paging is stable."""
        if raw is None:
            return "id"
        terms = []
        for key in raw.split(","):
            name = key.removeprefix("-")
            if name not in spec.sorts:
                raise ApiError(
                    400,
                    "bad_request",
                    f"Cannot sort by {name!r}.",
                    [_detail("sort", "unknown", "use " + ", ".join(spec.sorts))],
                )
            terms.append(
                f"{spec.sorts[name]} {'desc' if key.startswith('-') else 'asc'}"
            )
        return ", ".join([*terms, "id"])

    def _sparse_fields(self, spec, query):
        """``fields[<type>]`` per type, as sets of attribute/relationship names."""
        sparse = {}
        specs = [spec] + [
            self._collections()[t] for _f, t in spec.relationships.values()
        ]
        for item in specs:
            param = f"fields[{item.type}]"
            raw = query.get(param)
            if raw is None:
                continue
            known = {
                *item.attributes,
                *openapi.READ_ONLY_ATTRIBUTES,
                *item.relationships,
            }
            names = set(raw.split(","))
            if names - known:
                raise ApiError(
                    400,
                    "bad_request",
                    f"Unknown names in {param}.",
                    [_detail(param, "unknown", "use " + ", ".join(sorted(known)))],
                )
            sparse[item.type] = names
        return sparse

    def _include(self, spec, raw):
        if raw is None:
            return []
        names = raw.split(",")
        unknown = [name for name in names if name not in spec.relationships]
        if unknown:
            raise ApiError(
                400,
                "bad_request",
                f"Cannot include {', '.join(unknown)}.",
                [
                    _detail(
                        "include",
                        "unknown",
                        "use " + ", ".join(spec.relationships) or "nothing",
                    )
                ],
            )
        return names

    def _page_links(self, req, page, per_page, total):
        last = max(1, math.ceil(total / per_page))
        kept = {
            k: v
            for k, v in req.query.items()
            if k not in ("page", "per_page", "page[number]", "page[size]")
        }

        def link(number):
            params = dict(kept, page=number, per_page=per_page)
            return f"{req.path}?{urlencode(params, safe='[],')}"

        return {
            "self": link(page),
            "first": link(1),
            "prev": link(page - 1) if 1 < page <= last + 1 else None,
            "next": link(page + 1) if page < last else None,
            "last": link(last),
        }

    # ------------------------------------------------------------------- writes

    def _serve_write(self, spec, req, record_id):
        """POST, PUT or PATCH, replaying or refusing per ``Idempotency-Key``.

        With a key, the claim is committed on a cursor of its own before the work,
        so a concurrent duplicate on another worker sees it (409). The work and the
        stored answer then commit together on another fresh cursor: a replayed
        answer always describes a committed change. A failed request releases its
        claim, so the client may retry with the same key.
        """
        content_type = req.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in JSON_MEDIA_TYPES:
            raise ApiError(
                415, "unsupported_media_type", "Send the document as application/json."
            )
        try:
            document = json.loads(req.body or b"", parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise ApiError(
                400, "invalid_json", f"The body is not JSON: {error}"
            ) from error
        key = req.headers.get("Idempotency-Key")
        if key is None:
            return self._guarded(self._write_resource, spec, req, record_id, document)
        if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
            raise ApiError(
                400,
                "bad_request",
                "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            )
        claim_id, replay = self._claim(req, key)
        if replay:
            return replay
        try:
            with self.env.registry.cursor() as cr:
                work_api = self.with_env(self.env(cr=cr))
                response = work_api._guarded(
                    work_api._write_resource, spec, req, record_id, document
                )
                work_api.env["integration.idempotency.key"].browse(claim_id)._complete(
                    response.status, response.body.decode(), response.headers
                )
        except BaseException:
            self._release_claim(claim_id)
            raise
        return response

    def _request_hash(self, req):
        digest = hashlib.sha256(f"{req.method} {req.path}\n".encode())
        digest.update(req.body or b"")
        return digest.hexdigest()

    def _claim(self, req, key):
        """Claim ``key``; return ``(claim id, None)`` or ``(None, replayed answer)``."""
        request_hash = self._request_hash(req)
        with self._bookkeeping_env() as env:
            Key = env["integration.idempotency.key"]
            claim, claimed = Key._claim(
                f"api:{self.env.uid}", key, request_hash, IDEMPOTENCY_TTL_SECONDS
            )
            if claimed:
                return claim.id, None
            claim = claim.sudo()
            if claim.request_hash != request_hash:
                raise ApiError(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for another request.",
                )
            if claim.state != STATE_COMPLETED:
                raise ApiError(
                    409,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still running.",
                    headers={"Retry-After": "1"},
                )
            status, body, headers = claim._stored_response()
        headers[REPLAY_HEADER] = "true"
        return None, ApiResponse(status, body.encode(), headers)

    def _release_claim(self, claim_id):
        with self._bookkeeping_env() as env:
            # Plain DELETE: the claim is the API's own bookkeeping, not a record the
            # user manages, and it must go even if the user has no unlink right.
            env.cr.execute(
                "DELETE FROM integration_idempotency_key WHERE id = %s", (claim_id,)
            )

    def _write_resource(self, spec, req, record_id, document):
        """Create (``record_id`` None), replace or patch; log it; answer it."""
        Model = self.env[spec.model]
        data = document.get("data") if isinstance(document, dict) else None
        if not isinstance(data, dict):
            raise ApiError(
                422,
                "validation_failed",
                'The body must be {"data": {...}}.',
                [_detail("data", "required", "must be an object")],
            )
        self._check_identity(spec, data, record_id)
        before = None
        if record_id:
            before = self._current(spec, req, record_id)
        values = self._values(spec, req, data, partial=req.method == "PATCH")
        if record_id:
            record = Model.browse(record_id)
            record.write(values)
        else:
            record = Model.create(dict(spec.create_values, **values))
        after = self._resources(spec, self._rows(spec, [record.id]), {})[0]
        self._log(req, spec, record.id, self._changes(before, after))
        headers = {}
        status = 200
        if not record_id:
            status = 201
            headers["Location"] = after["links"]["self"]
        return self._ok(req, {"data": after}, status, headers)

    def _check_identity(self, spec, data, record_id):
        details = []
        if data.get("type") != spec.type:
            details.append(_detail("type", "invalid", f"must be {spec.type!r}"))
        if record_id and "id" in data and str(data["id"]) != str(record_id):
            details.append(_detail("id", "invalid", "must match the URL"))
        if details:
            raise ApiError(
                422, "validation_failed", "Wrong resource identity.", details
            )

    def _current(self, spec, req, record_id):
        """The record's current full representation, checked against If-Match."""
        current = self._resources(spec, self._rows(spec, [record_id]), {})[0]
        if_match = req.headers.get("If-Match")
        if if_match and if_match.strip() != "*":
            if _etag(dumps({"data": current})) not in self._etags(if_match):
                raise ApiError(
                    412,
                    "precondition_failed",
                    "The record changed since you read it (If-Match).",
                )
        return current

    def _values(self, spec, req, data, partial):
        """Odoo values from the document, or 422 with one detail per fault."""
        attributes = data.get("attributes", {})
        if not isinstance(attributes, dict):
            raise ApiError(
                422,
                "validation_failed",
                "attributes must be an object.",
                [_detail("attributes", "invalid", "must be an object")],
            )
        attributes = {
            k: v for k, v in attributes.items() if k not in openapi.READ_ONLY_ATTRIBUTES
        }
        details = []
        if req.method == "PUT":
            details += [
                _detail(
                    name, "required", "PUT replaces the record: give every attribute"
                )
                for name in spec.attributes
                if name not in attributes
            ]
        try:
            values = spec.parse(attributes, partial=partial)
        except mapping.MappingError as error:
            values = {}
            details += [
                _detail(
                    d["field"],
                    MAPPING_DETAIL_CODES.get(d["message"], "invalid"),
                    d["message"],
                )
                for d in error.details
                if not any(x["field"] == d["field"] for x in details)
            ]
        for key, (field, comodel, code_field) in spec.codes.items():
            if key not in values:
                continue
            code = values.pop(key)
            if not code:
                values[field] = False
                continue
            found = self.env[comodel].search([(code_field, "=", code)], limit=1)
            if not found:
                details.append(_detail(key, "invalid", f"unknown code {code!r}"))
            values[field] = found.id
        details += self._relationship_values(spec, req, data, partial, values)
        if details:
            raise ApiError(
                422, "validation_failed", "Some fields are invalid.", details
            )
        return values

    def _relationship_values(self, spec, req, data, partial, values):
        relationships = data.get("relationships", {})
        if not isinstance(relationships, dict):
            return [_detail("relationships", "invalid", "must be an object")]
        details = [
            _detail(name, "unknown", "no such relationship")
            for name in relationships
            if name not in spec.relationships
        ]
        for name, (field, target) in spec.relationships.items():
            if name not in relationships:
                if not partial:
                    details.append(_detail(name, "required", "is required"))
                continue
            related_id = mapping.relationship_id(data, name)
            target_spec = self._collections()[target]
            if (
                not related_id
                or not _is_number(related_id)
                or int(related_id) > openapi.MAX_INT
            ):
                details.append(
                    _detail(name, "invalid", 'must be {"data": {"type", "id"}}')
                )
                continue
            found = self.env[target_spec.model].search(
                [*target_spec.domain, ("id", "=", int(related_id))]
            )
            if not found:
                details.append(
                    _detail(name, "not_found", f"no {target_spec.type} {related_id}")
                )
            values[field] = found.id
        return details

    @staticmethod
    def _changes(before, after):
        """Names of the attributes and relationships a write changed."""
        names = []
        for part in ("attributes", "relationships"):
            old = (before or {}).get(part, {})
            for name, value in after.get(part, {}).items():
                if name != "updated_at" and (before is None or old.get(name) != value):
                    names.append(name)
        return names

    def _log(self, req, spec, record_id, changed):
        record = self.env[spec.model].sudo().browse(record_id).exists()
        company = record.company_id if "company_id" in record._fields else None
        self.env["integration.api.log"].sudo().create(
            {
                "company_id": (company or self.env.company).id,
                "user_id": self.env.uid,
                "request_id": req.request_id,
                "method": req.method,
                "path": req.path,
                "res_model": spec.model,
                "res_id": record_id,
                "changed_fields": ", ".join(changed),
            }
        )

    def _delete(self, spec, req, record_id):
        """DELETE per the collection's rule (see its declaration's ``delete_rule``)."""
        current = self._current(spec, req, record_id)
        record = self.env[spec.model].browse(record_id)
        changed = []
        if spec.model == "integration.booking":
            status = current["attributes"]["status"]
            if status in BOOKING_CANCELLABLE:
                record.write({"status": STATUS_CANCELLED})
                changed = ["status"]
            elif status in BOOKING_DELETABLE:
                record.unlink()
            elif status != STATUS_CANCELLED:
                raise ApiError(
                    409,
                    "conflict",
                    f"A {status} booking happened: it is kept as it is.",
                )
        else:
            # Bookings of other companies count too: the guest must outlive them.
            if (
                self.env["integration.booking"]
                .sudo()
                .search_count([("guest_id", "=", record_id)], limit=1)
            ):
                raise ApiError(409, "conflict", "This guest has bookings.")
            record.unlink()
        self._log(req, spec, record_id, changed)
        return ApiResponse(204, None, {})
