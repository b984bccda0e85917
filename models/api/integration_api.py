# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The REST API v1, one abstract model per role: this one serves a request
(route, check, hand over to a role, turn refusals into answers) and inherits
the roles: ``integration.api.auth`` authenticates and limits,
``integration.api.read`` answers reads, ``integration.api.write`` writes and
deletes (each in the file of its name). The HTTP layer is
the fastapi app in ``controllers/api_v1``; the query string is parsed by
``tools/api_query.py``, the request and its answer are ``tools/api_envelope.py``.
"""

import logging

import psycopg2
import psycopg2.errors

from odoo import api
from odoo import models
from odoo.exceptions import AccessError
from odoo.exceptions import MissingError
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from ...controllers.common import error_body
from ...tools import api_reference
from ...tools.api_envelope import JSON_MEDIA_TYPES
from ...tools.api_envelope import ApiResponse
from ...tools.api_envelope import RequestRefused
from ...tools.api_envelope import detail
from ...tools.api_envelope import dumps
from ...tools.api_envelope import is_number

_logger = logging.getLogger(__name__)

COLLECTION_METHODS = ("GET", "HEAD", "POST")
RECORD_METHODS = ("GET", "HEAD", "PUT", "PATCH", "DELETE")


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


class IntegrationApi(models.AbstractModel):
    """The REST API v1: authenticates, limits, answers reads and writes of the
    declared collections in the JSON:API-style envelope, and logs every write.

    It stores nothing itself; what each collection serves is described in
    the declarations of the models (``integration.resource.mixin``), and attribute
    parsing and rendering go through ``tools/mapping.py`` like the sync's.
    """

    _name = "integration.api"
    _inherit = ["integration.api.auth", "integration.api.read", "integration.api.write"]
    _description = "Integration REST API v1"

    @api.model
    def _dispatch(self, req):
        """Answer ``req`` (an :class:`ApiRequest`) outside the fastapi app, as
        the app does; always an :class:`ApiResponse`.

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
        except RequestRefused as error:
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
            RequestRefused(
                500, "internal_error", "Unexpected error; nothing was changed."
            ),
            req.request_id,
        )

    @api.model
    def _error_response(self, error, request_id):
        body = error_body(
            error.code, error.message, request_id, error.details, env=self.env
        )
        return ApiResponse(error.status, dumps(body), dict(error.headers))

    def _collections(self):
        """The declared collections by name (``integration.resource.mixin``)."""
        return self.env["integration.resource.mixin"]._integration_declarations()

    def _route(self, req):
        spec = self._collections().get(req.collection)
        if not spec:
            raise RequestRefused(404, "not_found", f"No collection {req.collection!r}.")
        allowed = RECORD_METHODS if req.record_id is not None else COLLECTION_METHODS
        if req.method not in allowed:
            raise RequestRefused(
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
            raise RequestRefused(
                406, "not_acceptable", "This API answers in JSON only."
            )

    def _serve(self, spec, req):
        """Answer ``req`` for the user of this environment (authenticated)."""
        record_id = None if req.record_id is None else self._parse_id(req.record_id)
        if req.method in ("GET", "HEAD"):
            if record_id is None:
                return self._guarded(self._list, spec, req)
            return self._guarded(self._read_one, spec, req, record_id)
        if req.method == "DELETE":
            return self._guarded(self._delete, spec, req, record_id)
        return self._serve_write(spec, req, record_id)

    def _parse_id(self, raw):
        """The record id of URL segment ``raw``: ASCII digits of an integer
        PostgreSQL can hold, or 404."""
        if not is_number(raw) or not 0 < int(raw) <= api_reference.MAX_INT:
            raise RequestRefused(404, "not_found", f"No record {raw!r}.")
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
            raise RequestRefused(
                422,
                "validation_failed",
                str(error),
                [detail("data", "constraint", str(error))],
            ) from error
        except AccessError as error:
            raise RequestRefused(403, "forbidden", str(error)) from error
        except MissingError as error:
            raise RequestRefused(404, "not_found", str(error)) from error
        except UserError as error:
            raise RequestRefused(409, "conflict", str(error)) from error
        except psycopg2.errors.NotNullViolation as error:
            name = _attribute_of(error.diag.column_name, self._collections())
            raise RequestRefused(
                422,
                "validation_failed",
                f"{name} is required.",
                [detail(name, "required", "must not be null")],
            ) from error
        except psycopg2.IntegrityError as error:
            raise RequestRefused(
                409, "conflict", "Other records depend on this one."
            ) from error
        except (psycopg2.DataError, OverflowError) as error:
            # A number past what the column holds (or Odoo can round) fails
            # in PostgreSQL or before it: the client's value, not our fault.
            raise RequestRefused(
                422,
                "validation_failed",
                "A value is out of range.",
                [
                    detail(
                        "data", "invalid", getattr(error, "pgerror", None) or str(error)
                    )
                ],
            ) from error
        except ValueError as error:
            raise RequestRefused(400, "bad_request", str(error)) from error
