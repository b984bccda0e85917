# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The REST API's writes: create, replace and patch (the ``Idempotency-Key``
claim, the ``If-Match`` precondition, the document checked field by field) and
delete, whose rule each declared model gives
(``_integration_api_delete()``). Every write is logged
(``integration.api.log``)."""

import hashlib
import json

from odoo import models

from ...controllers.common import REPLAY_HEADER
from ...tools import api_query
from ...tools import api_reference
from ...tools import mapping
from ...tools.api_envelope import JSON_MEDIA_TYPES
from ...tools.api_envelope import ApiResponse
from ...tools.api_envelope import RequestRefused
from ...tools.api_envelope import detail
from ...tools.api_envelope import dumps
from ...tools.api_envelope import etag
from ...tools.api_envelope import etags
from ...tools.api_envelope import is_number
from ..common.integration_idempotency_key import STATE_COMPLETED

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
# mapping.MappingError messages that have a more precise detail code than "invalid".
MAPPING_DETAIL_CODES = {
    "is required": "required",
    "must not be empty": "required",
    "unknown attribute": "unknown",
}


def _invalid(message, field, code):
    """422 for a member of the document that is not an object."""
    return RequestRefused(
        422, "validation_failed", message, [detail(field, code, "must be an object")]
    )


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class IntegrationApiWrite(models.AbstractModel):
    """Writes and deletes of the REST API."""

    _name = "integration.api.write"
    _description = "Integration REST API v1: writes and deletes"

    def _serve_write(self, spec, req, record_id):
        """POST, PUT or PATCH, replaying or refusing per ``Idempotency-Key``.

        With a key, the claim is committed on a cursor of its own before the work,
        so a concurrent duplicate on another worker sees it (409). The work and the
        stored answer then commit together on another fresh cursor: a replayed
        answer always describes a committed change. A failed request releases its
        claim, so the client may retry with the same key.
        """
        api_query.check_known(req.query, ())
        etags(req.headers.get("If-Match"), "If-Match")
        content_type = req.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in JSON_MEDIA_TYPES:
            raise RequestRefused(
                415, "unsupported_media_type", "Send the document as application/json."
            )
        try:
            document = json.loads(req.body or b"", parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise RequestRefused(
                400, "invalid_json", f"The body is not JSON: {error}"
            ) from error
        key = self._idempotency_key(req.headers)
        if key is None:
            return self._guarded(self._write_resource, spec, req, record_id, document)
        # Visible ASCII only, as the document's pattern says: no spaces.
        if not 1 <= len(key) <= 255 or not all("!" <= c <= "~" for c in key):
            raise RequestRefused(
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

    def _idempotency_key(self, headers):
        """The request's ``Idempotency-Key``, or its ``X-Idempotency-Key`` (the
        name many clients send, same meaning); both sent must agree."""
        key = headers.get("Idempotency-Key")
        alias = headers.get("X-Idempotency-Key")
        if key is not None and alias is not None and alias != key:
            # A request the document allows (each header is well formed), that
            # names two operations: refused like other inconsistent writes.
            message = "Idempotency-Key and X-Idempotency-Key differ; send one of them."
            raise RequestRefused(
                422,
                "validation_failed",
                message,
                [detail("X-Idempotency-Key", "invalid", message)],
            )
        return alias if key is None else key

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
                raise RequestRefused(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for another request.",
                )
            if claim.state != STATE_COMPLETED:
                raise RequestRefused(
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
            raise _invalid('The body must be {"data": {...}}.', "data", "required")
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
        return self._ok({"data": after}, status, headers)

    def _check_identity(self, spec, data, record_id):
        details = []
        if data.get("type") != spec.type:
            details.append(detail("type", "invalid", f"must be {spec.type!r}"))
        if "id" in data:
            if not isinstance(data["id"], str) or not is_number(data["id"]):
                details.append(detail("id", "invalid", "must be a record id string"))
            elif record_id and data["id"] != str(record_id):
                details.append(detail("id", "invalid", "must match the URL"))
        if details:
            raise RequestRefused(
                422, "validation_failed", "Wrong resource identity.", details
            )

    def _current(self, spec, req, record_id):
        """The record's current full representation, checked against If-Match."""
        current = self._resources(spec, self._rows(spec, [record_id]), {})[0]
        tags = etags(req.headers.get("If-Match"), "If-Match")
        if tags and "*" not in tags and etag(dumps({"data": current})) not in tags:
            raise RequestRefused(
                412,
                "precondition_failed",
                "The record changed since you read it (If-Match).",
            )
        return current

    def _values(self, spec, req, data, partial):
        """Odoo values from the document, or 422 with one detail per fault."""
        attributes = data.get("attributes", {})
        if not isinstance(attributes, dict):
            raise _invalid("attributes must be an object.", "attributes", "invalid")
        attributes = {
            k: v
            for k, v in attributes.items()
            if k not in api_reference.READ_ONLY_ATTRIBUTES
        }
        details = []
        if req.method == "PUT":
            details += [
                detail(
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
                detail(
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
                details.append(detail(key, "invalid", f"unknown code {code!r}"))
            values[field] = found.id
        details += self._relationship_values(spec, req, data, partial, values)
        if details:
            raise RequestRefused(
                422, "validation_failed", "Some fields are invalid.", details
            )
        return values

    def _relationship_values(self, spec, req, data, partial, values):
        relationships = data.get("relationships", {})
        if not isinstance(relationships, dict):
            return [detail("relationships", "invalid", "must be an object")]
        details = [
            detail(name, "unknown", "no such relationship")
            for name in relationships
            if name not in spec.relationships
        ]
        for name, (field, target) in spec.relationships.items():
            if name not in relationships:
                if not partial:
                    details.append(detail(name, "required", "is required"))
                continue
            related_id = mapping.relationship_id(data, name)
            target_spec = self._collections()[target]
            linkage = relationships[name]
            linkage = linkage.get("data") if isinstance(linkage, dict) else None
            if (
                not isinstance(linkage, dict)
                or linkage.get("type") != target_spec.type
                or not isinstance(related_id, str)
                or not related_id
                or not is_number(related_id)
                or int(related_id) > api_reference.MAX_INT
            ):
                details.append(
                    detail(name, "invalid", 'must be {"data": {"type", "id"}}')
                )
                continue
            found = self.env[target_spec.model].search(
                [*target_spec.domain, ("id", "=", int(related_id))]
            )
            if not found:
                details.append(
                    detail(name, "not_found", f"no {target_spec.type} {related_id}")
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
        """DELETE per the rule of the declared model
        (``_integration_api_delete()``, described by ``delete_rule``)."""
        api_query.check_known(req.query, ())
        self._current(spec, req, record_id)
        record = self.env[spec.model].browse(record_id)
        changed = record._integration_api_delete()
        self._log(req, spec, record_id, changed)
        return ApiResponse(204, None, {})
