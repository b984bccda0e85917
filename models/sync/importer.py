# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The importer: remote resources of a declared collection become Odoo records.

One :class:`Importer` works for one backend (and the run it counts for, if any).
It maps each remote resource through the collection's declaration, resolves its
relationships to bound records (importing a related record it does not know yet,
from the page's ``included`` or one ``GET``), creates the new records of a page in
one batch, and hands records already bound to the binder
(``integration.binding._sync_update``), which applies the conflict strategy.

A bad record fails alone: when the batch fails, each record is created again in
its own savepoint, and what one record raises is recorded on its binding while the
rest of its page goes on. An open circuit is no record's fault: it stops the page
(``remote_client.CircuitOpenError`` goes up to the job, which waits). Not a
model: a plain class the run's page jobs, the resync and the real-time handler
instantiate.
"""

import logging
from collections import Counter

import psycopg2

from odoo import _
from odoo.exceptions import UserError

from ...tools import mapping
from ...tools import remote_client

_logger = logging.getLogger(__name__)

# Context key set on every write the sync makes: the id of the backend the data
# came from, which is therefore not pushed the same data back.
SYNC_CONTEXT_KEY = "integration_sync_backend_id"


class SyncRecordError(Exception):
    """One remote record cannot be imported; the rest of its page continues."""


# What one record's upsert may raise without stopping its page.
SYNC_RECORD_ERRORS = (
    SyncRecordError,
    remote_client.RemoteError,
    UserError,
    ValueError,
    psycopg2.Error,
)


def declared_resources(env):
    """{collection: Resource} of every model of the database that declares
    itself, in dependency order (related collections first)."""
    return env["integration.resource.mixin"]._integration_declarations()


def resource_of_model(env, model_name):
    """The declaration of ``model_name``; UserError when it declares none."""
    for resource in declared_resources(env).values():
        if resource.model == model_name:
            return resource
    raise UserError(_("Model %s takes no part in sync.", model_name))


def include_params(resource):
    """Query parameters asking the remote to embed what ``resource`` includes."""
    return {"include": ",".join(resource.include)} if resource.include else {}


class Importer:
    """Imports remote resources for ``backend``, counting on ``run`` (or None).

    ``counts`` adds up what every call did (created, updated, unchanged,
    conflict, error), related records imported on the way included.
    """

    def __init__(self, backend, run=None):
        backend.ensure_one()
        self.backend = backend
        self.run = run
        self.env = backend.env
        self.resources = declared_resources(self.env)
        self.counts = Counter()

    def import_resources(self, resource, documents, included=()):
        """Upsert remote ``documents`` of the collection declared by
        ``resource``; return the newest remote ``updated_at`` among them."""
        Binding = self.env["integration.binding"]
        documents = [d if isinstance(d, dict) else {} for d in documents]
        bound = Binding._bound_records(
            self.backend,
            resource.model,
            {str(d["id"]) for d in documents if d.get("id")},
        )
        related = self._bound_related(resource, documents)
        included = {
            (r.get("type"), str(r.get("id"))): r
            for r in included
            if isinstance(r, dict)
        }
        max_stamp = None
        to_create = []
        seen = set()
        for document in documents:
            external_id = str(document.get("id") or "")
            attrs = document.get("attributes")
            stamp = attrs.get("updated_at") if isinstance(attrs, dict) else None
            if mapping.is_newer(stamp, max_stamp):
                max_stamp = stamp
            try:
                if not external_id:
                    raise SyncRecordError(_("A resource without an id was skipped."))
                if external_id in seen:
                    raise SyncRecordError(
                        _("Id %s is served twice on one page.", external_id)
                    )
                seen.add(external_id)
                values = resource.parse(attrs)
                values.update(
                    self._related_values(resource, document, related, included)
                )
            except (SyncRecordError, mapping.MappingError) as error:
                self._record_error(resource.model, external_id, str(error))
                continue
            binding, record = bound.get(external_id, (None, None))
            if record:
                try:
                    with self.env.cr.savepoint():
                        binding._sync_update(
                            record, values, stamp, self.run, self.counts
                        )
                except remote_client.CircuitOpenError:
                    raise
                except SYNC_RECORD_ERRORS as error:
                    self._record_error(resource.model, external_id, str(error))
            else:
                to_create.append((external_id, values, stamp, binding))
        if to_create:
            self._create_records(resource.model, to_create)
        return max_stamp

    def refresh(self, binding):
        """Read one bound record from the remote again and upsert it."""
        resource = resource_of_model(self.env, binding.model)
        path = f"{resource.collection}/{binding.external_id}"
        try:
            document = self.backend._remote("GET", path, include_params(resource))
            data = document["data"]
        except remote_client.CircuitOpenError:
            raise
        except (remote_client.RemoteError, KeyError, TypeError) as error:
            self._record_error(binding.model, binding.external_id, str(error))
            return
        self.import_resources(resource, [data], document.get("included") or [])

    # -- relationships -----------------------------------------------------------

    def _bound_related(self, resource, documents):
        """{relationship: {external id: record}} of the related records of a
        page that are bound already, read in one query per relationship."""
        Binding = self.env["integration.binding"]
        related = {}
        for name, (_field, target) in resource.relationships.items():
            refs = {mapping.relationship_id(d, name) for d in documents} - {None}
            bound = Binding._bound_records(
                self.backend, self.resources[target].model, refs
            )
            related[name] = {ref: rec for ref, (_b, rec) in bound.items() if rec}
        return related

    def _related_values(self, resource, document, related, included):
        """The many2one values of a remote resource's relationships; a related
        record not bound yet is imported first (enrichment)."""
        values = {}
        Model = self.env[resource.model]
        for name, (field, target) in resource.relationships.items():
            ref = mapping.relationship_id(document, name)
            if not ref:
                if Model._fields[field].required:
                    raise SyncRecordError(
                        _(
                            "The %(type)s has no %(relationship)s.",
                            type=resource.type,
                            relationship=name,
                        )
                    )
                values[field] = False
                continue
            known = related[name]
            if ref not in known:
                known[ref] = self._import_related(self.resources[target], ref, included)
            values[field] = known[ref].id
        return values

    def _import_related(self, target, external_id, included):
        """Import the remote ``target`` record a resource refers to: from the
        page's ``included`` resources, else ``GET <collection>/<id>``."""
        label = target.type.capitalize()
        document = included.get((target.type, external_id))
        if document is None:
            try:
                path = f"{target.collection}/{external_id}"
                document = self.backend._remote("GET", path)["data"]
            except remote_client.CircuitOpenError:
                raise
            except remote_client.RemoteError as error:
                raise SyncRecordError(
                    _(
                        "%(type)s %(id)s could not be read: %(error)s",
                        type=label,
                        id=external_id,
                        error=error,
                    )
                ) from None
            except (KeyError, TypeError):
                raise SyncRecordError(
                    _(
                        "%(type)s %(id)s: the answer has no data member.",
                        type=label,
                        id=external_id,
                    )
                ) from None
        self.import_resources(target, [document])
        bound = self.env["integration.binding"]._bound_records(
            self.backend, target.model, [external_id]
        )
        _binding, record = bound.get(external_id, (None, None))
        if not record:
            raise SyncRecordError(
                _("%(type)s %(id)s could not be imported.", type=label, id=external_id)
            )
        return record

    # -- creating ----------------------------------------------------------------

    def _sync_model(self, model_name):
        # Records written by the sync carry the backend in the context (echo
        # suppression) and skip the "created" chatter line: the sync run is the
        # log of what it did.
        return self.env[model_name].with_context(
            **{SYNC_CONTEXT_KEY: self.backend.id},
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
        )

    def _create_records(self, model_name, to_create):
        """Create new records and their bindings, in one batch if possible."""
        Model = self._sync_model(model_name)
        try:
            with self.env.cr.savepoint():
                self._create_batch(Model, to_create)
            self.counts["created_count"] += len(to_create)
            return
        except remote_client.CircuitOpenError:
            raise
        except SYNC_RECORD_ERRORS:
            _logger.debug("batch create failed, retrying one by one", exc_info=True)
        for item in to_create:
            try:
                with self.env.cr.savepoint():
                    self._create_batch(Model, [item])
                self.counts["created_count"] += 1
            except remote_client.CircuitOpenError:
                raise
            except SYNC_RECORD_ERRORS as error:
                self._record_error(model_name, item[0], str(error))

    def _create_batch(self, Model, to_create):
        vals_list = Model._sync_prepare_vals(
            [values for _ext, values, _stamp, _binding in to_create],
            self.backend,
            create=True,
        )
        records = Model.create(vals_list)
        self.env["integration.binding"]._bind_created(
            self.backend, records, to_create, self.run
        )

    def _record_error(self, model_name, external_id, message):
        """Count one remote record as failed, on its binding and on the run."""
        self.counts["error_count"] += 1
        if self.run and external_id:
            message = f"{external_id}: {message}"
        if not external_id:
            if self.run:
                self.run._add_counts({}, page_error=message)
            return
        self.env["integration.binding"]._record_error(
            self.backend, model_name, external_id, message, self.run
        )
