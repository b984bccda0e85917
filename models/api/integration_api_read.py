# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The REST API's reads: a page of a collection or one record, as JSON:API
resources with sparse fieldsets and ``include``d related records, each answer
with its ETag (304 when ``If-None-Match`` has it). A page costs the same few
queries whatever its size."""

from odoo import models

from ...tools import api_query
from ...tools import api_reference
from ...tools.api_envelope import ApiResponse
from ...tools.api_envelope import RequestRefused
from ...tools.api_envelope import dumps
from ...tools.api_envelope import etag
from ...tools.api_envelope import etags
from ...tools.api_envelope import iso_utc


class IntegrationApiRead(models.AbstractModel):
    """Reads of the REST API."""

    _name = "integration.api.read"
    _description = "Integration REST API v1: reads"

    def _list(self, spec, req):
        query = req.query
        collections = self._collections()
        api_query.check_known(query, api_query.list_parameters(spec, collections))
        tags = etags(req.headers.get("If-None-Match"), "If-None-Match")
        page, per_page = api_query.page_of(query)
        domain = [*spec.domain, *api_query.filter_domain(spec, query)]
        order = api_query.sort_order(spec, query.get("sort"))
        sparse = api_query.sparse_fields(spec, collections, query)
        include = api_query.include(spec, query.get("include"))
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
            "links": api_query.page_links(req.path, query, page, per_page, total),
        }
        if include:
            document["included"] = self._included(spec, rows, sparse)
        return self._ok(document, if_none_match=tags)

    def _read_one(self, spec, req, record_id):
        collections = self._collections()
        api_query.check_known(req.query, api_query.read_parameters(spec, collections))
        tags = etags(req.headers.get("If-None-Match"), "If-None-Match")
        sparse = api_query.sparse_fields(spec, collections, req.query)
        include = api_query.include(spec, req.query.get("include"))
        rows = self._rows(spec, [record_id])
        document = {"data": self._resources(spec, rows, sparse)[0]}
        if include:
            document["included"] = self._included(spec, rows, sparse)
        return self._ok(document, if_none_match=tags)

    def _ok(self, document, status=200, headers=None, if_none_match=()):
        """A JSON answer with its ETag; 304 when ``if_none_match`` (the tags of
        a read's ``If-None-Match``) has it, or is ``*``."""
        body = dumps(document)
        tag = etag(body)
        headers = dict(headers or {}, ETag=tag)
        if tag in if_none_match or "*" in if_none_match:
            return ApiResponse(304, None, headers)
        return ApiResponse(status, body, headers)

    def _rows(self, spec, ids):
        """The rows of ``ids`` visible to the user in this collection, or 404."""
        rows = self.env[spec.model].search_read(
            [*spec.domain, ("id", "in", ids)], self._read_fields(spec), load=None
        )
        if len(rows) != len(ids):
            raise RequestRefused(
                404, "not_found", f"No {spec.type} {', '.join(map(str, ids))}."
            )
        return rows

    def _read_fields(self, spec):
        return [*spec.fields, "write_date"]

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
            attributes["updated_at"] = iso_utc(row["write_date"])
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
                    "self": f"{api_reference.API_PREFIX}/{spec.collection}/{row['id']}"
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
