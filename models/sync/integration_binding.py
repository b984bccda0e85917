# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The binder: an Odoo record ↔ its copy in an external system.

A binding keeps the external id, the remote ``updated_at`` and the hash of the
values last synced; from them it tells which side changed, applies the
backend's conflict strategy when both did, and decides when Odoo's version goes
to a two-way backend. Importing pages is the importer's (importer.py), writing
to the remote the exporter's (exporter.py), planning runs the run's
(integration_sync_run.py).

The conflict strategy stays here rather than in a class of its own: it is the
binder's state (``sync_hash``, ``remote_updated_at``, ``state``) read and moved
on, the merge itself being pure functions (``tools/merge.py``); taken apart,
each half would reach into the other's fields.
"""

import json
from datetime import timezone

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.queue_job.job import identity_exact
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

from ...tools import mapping
from ...tools import merge
from ...tools import remote_client
from ..common.access import USER
from ..common.access import requires_group
from .exporter import Exporter
from .importer import SYNC_CONTEXT_KEY
from .importer import Importer
from .importer import declared_resources
from .postponement import postpone_job

STATE_SYNCED = "synced"
STATE_CONFLICT = "conflict"
STATE_ERROR = "error"
STATES = [
    (STATE_SYNCED, "Synced"),
    (STATE_CONFLICT, "Conflict"),
    (STATE_ERROR, "Error"),
]


class IntegrationBinding(models.Model):
    """Links an Odoo record to its copy in an external system: the external id,
    the remote ``updated_at`` and the hash of the values last synced, from which
    a conflict (both sides changed since) is detected."""

    _name = "integration.binding"
    _description = "Sync Binding"
    _order = "last_sync_at desc, id desc"
    _rec_name = "external_id"

    backend_id = fields.Many2one(
        "integration.backend", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    # Every model that declares itself (integration.resource.mixin) may be bound.
    model = fields.Selection(selection="_selection_models", required=True)
    # Zero until the record is created: a remote record that could not be
    # imported still gets a binding, which carries its error and its retry.
    res_id = fields.Integer(string="Record ID", index=True)
    external_id = fields.Char(required=True)
    remote_updated_at = fields.Char(
        help="The remote updated_at (ISO 8601) of the version last synced."
    )
    sync_hash = fields.Char(help="Hash of the mapped values last synced.")
    last_sync_at = fields.Datetime()
    state = fields.Selection(STATES, default=STATE_SYNCED, required=True, index=True)
    last_error = fields.Text()
    run_id = fields.Many2one(
        "integration.sync.run", string="Last Run", index=True, ondelete="set null"
    )
    record_name = fields.Char(compute="_compute_record_name")

    _sql_constraints = [
        (
            "external_id_unique",
            "unique(backend_id, model, external_id)",
            "An external record is bound only once per backend and model.",
        ),
    ]

    @api.model
    def _selection_models(self):
        return [
            (resource.model, resource.type.capitalize())
            for resource in declared_resources(self.env).values()
        ]

    @api.constrains("backend_id", "model", "res_id")
    def _check_record_company(self):
        """A backend binds records of its own company (or of none, like shared
        contacts): the sync, which runs with superuser rights, must never write
        another company's record."""
        for model, bindings in self.sudo().grouped("model").items():
            records = bindings.env[model].browse(bindings.mapped("res_id")).exists()
            for binding in bindings:
                record = records.browse(binding.res_id) & records
                if record and not binding.backend_id._owns(record):
                    raise ValidationError(
                        _(
                            "%(record)s belongs to %(company)s: backend "
                            "%(backend)s of %(backend_company)s cannot bind it.",
                            record=record.display_name,
                            company=record.company_id.name,
                            backend=binding.backend_id.name,
                            backend_company=binding.backend_id.company_id.name,
                        )
                    )

    @api.depends("model", "res_id")
    def _compute_record_name(self):
        for binding in self:
            record = binding._record()
            binding.record_name = record.display_name if record else False

    def _record(self):
        """Return the bound Odoo record, empty when not created or deleted."""
        self.ensure_one()
        if not self.res_id:
            return self.env[self.model or "res.partner"].browse()
        return self.env[self.model].browse(self.res_id).exists()

    @requires_group(USER)
    def action_open_record(self):
        """Open the bound Odoo record."""
        self.ensure_one()
        record = self._record()
        if not record:
            raise UserError(_("No Odoo record is bound yet."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.model,
            "res_id": record.id,
            "view_mode": "form",
        }

    @api.model
    def _push_records(self, records):
        """Queue pushing records Odoo changed to their two-way backends, except
        the backend the change came from (echo suppression)."""
        origin = self.env.context.get(SYNC_CONTEXT_KEY)
        bindings = self.sudo().search(
            [
                ("model", "=", records._name),
                ("res_id", "in", records.ids),
                ("state", "=", STATE_SYNCED),
                ("backend_id.direction", "=", "two_way"),
                ("backend_id", "!=", origin or False),
            ]
        )
        for backend, backend_bindings in bindings.grouped("backend_id").items():
            backend_bindings.with_company(backend.company_id).with_delay(
                channel="root.integration.sync", identity_key=identity_exact
            )._push_job()

    def _push_job(self):
        """Send Odoo's changes of these bound records to their two-way backend.

        The remote version is read first and goes through the same upsert as a
        sync, so a record changed on both sides follows the conflict strategy.
        """
        for backend, bindings in self.exists().grouped("backend_id").items():
            importer = Importer(backend)
            try:
                for binding in bindings.filtered(lambda b: b.state == STATE_SYNCED):
                    importer.refresh(binding)
            except remote_client.CircuitOpenError as error:
                postpone_job(self.env, error)
                raise
        return True

    @api.model
    def _resync_records(self, records):
        """Resync the bindings of Odoo records; refuse records bound nowhere."""
        bindings = self.search(
            [("model", "=", records._name), ("res_id", "in", records.ids)]
        )
        if not bindings:
            raise UserError(_("These records are not bound to any backend."))
        bindings.action_resync()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": _("Resync started"),
                "message": _("%s records will be fetched again.", len(bindings)),
            },
        }

    @requires_group(USER)
    def action_resync(self):
        """Fetch these records again from their backends and upsert them."""
        # Users may not create sync runs: the resync does, once checked.
        for backend, bindings in self.sudo().grouped("backend_id").items():
            backend._resync_bindings(bindings)
        return True

    # -- the binder's bookkeeping (called by the importer) ----------------------

    @api.model
    def _bound_records(self, backend, model_name, external_ids):
        """Return {external id: (binding, existing record or None)} for the
        remote ids of one model, read in two queries for a whole page."""
        bindings = self.search(
            [
                ("backend_id", "=", backend.id),
                ("model", "=", model_name),
                ("external_id", "in", list(external_ids)),
            ]
        )
        # A record that left the backend's company is not its to write.
        records = {
            record.id: record
            for record in self.env[model_name]
            .browse(bindings.filtered("res_id").mapped("res_id"))
            .exists()
            if backend._owns(record)
        }
        return {b.external_id: (b, records.get(b.res_id)) for b in bindings}

    @api.model
    def _bind_created(self, backend, records, items, run):
        """Bind records just created from remote ``items`` ((external id,
        values, stamp, binding or None) each, in the order of ``records``)."""
        now = fields.Datetime.now()
        new_bindings = []
        for record, (external_id, values, stamp, binding) in zip(
            records, items, strict=True
        ):
            binding_values = {
                "res_id": record.id,
                "remote_updated_at": stamp,
                "sync_hash": merge.values_hash(values),
                "last_sync_at": now,
                "state": STATE_SYNCED,
                "last_error": False,
                "run_id": run.id if run else False,
            }
            if binding:
                binding.write(binding_values)
            else:
                new_bindings.append(
                    dict(
                        binding_values,
                        backend_id=backend.id,
                        model=records._name,
                        external_id=external_id,
                    )
                )
        self.create(new_bindings)

    @api.model
    def _record_error(self, backend, model_name, external_id, message, run):
        """Mark one remote record as failed on its binding (created if none)."""
        values = {
            "state": STATE_ERROR,
            "last_error": message,
            "last_sync_at": fields.Datetime.now(),
            "run_id": run.id if run else False,
        }
        binding = self._bound_records(backend, model_name, [external_id]).get(
            external_id, (self.browse(), None)
        )[0]
        if binding:
            binding.write(values)
        else:
            self.create(
                dict(
                    values,
                    backend_id=backend.id,
                    model=model_name,
                    external_id=external_id,
                )
            )

    # -- conflicts and push --------------------------------------------------------

    def _sync_update(self, record, remote, stamp, run, counts):
        """Bring a bound record and its remote version together.

        Only the remote changed: write it. Only Odoo changed: push it (two-way).
        Both changed: the backend's conflict strategy decides; manual leaves an
        integration.conflict and the binding waits. Nothing changed: no write.
        """
        self.ensure_one()
        backend = self.backend_id
        local = record._sync_values()
        if self.state == STATE_CONFLICT:
            conflict = self.env["integration.conflict"].search(
                [("binding_id", "=", self.id), ("state", "=", "open")], limit=1
            )
            if mapping.is_newer(stamp, conflict.remote_updated_at):
                conflict.write(
                    {
                        "remote_values": json.dumps(remote, default=str),
                        "remote_updated_at": stamp,
                        "differing_fields": ", ".join(
                            merge.changed_fields(local, remote)
                        ),
                    }
                )
            counts["conflict_count"] += 1
            return
        remote_changed = mapping.is_newer(stamp, self.remote_updated_at)
        local_changed = merge.values_hash(local) != self.sync_hash
        if not merge.changed_fields(local, remote):
            # Same data on both sides: only remember the remote version.
            if remote_changed or self.state != STATE_SYNCED:
                self._mark_synced(stamp, local, run)
            counts["unchanged_count"] += 1
            return
        if remote_changed and local_changed:
            counts["conflict_count"] += 1
            result = merge.resolve(
                backend.conflict_strategy,
                local,
                remote,
                record.write_date and record.write_date.replace(tzinfo=timezone.utc),
                mapping.remote_stamp(stamp),
            )
            if result is None:
                self._open_conflict(local, remote, stamp, run)
                return
        elif remote_changed:
            result = remote
        elif backend._pushes():
            result = local
        else:
            # Pull-only: Odoo's own edits stay until the remote changes.
            counts["unchanged_count"] += 1
            return
        self._apply_values(record, local, remote, result, stamp, run)
        counts["updated_count"] += 1

    def _mark_synced(self, stamp, values, run):
        """Record ``values`` at remote version ``stamp`` as the synced ones."""
        self.write(
            {
                "remote_updated_at": stamp,
                "sync_hash": merge.values_hash(values),
                "state": STATE_SYNCED,
                "last_error": False,
                "last_sync_at": fields.Datetime.now(),
                "run_id": run.id if run else self.run_id.id,
            }
        )

    def _apply_values(self, record, local, remote, result, stamp, run):
        """Make Odoo hold ``result`` and, on a two-way backend, the remote too;
        then record ``result`` as the synced version."""
        backend = self.backend_id
        changed = merge.changed_fields(local, result)
        if changed:
            vals = record._sync_prepare_vals([{k: result[k] for k in changed}], backend)
            record.with_context(**{SYNC_CONTEXT_KEY: backend.id}).write(vals[0])
        if backend._pushes() and merge.changed_fields(remote, result):
            stamp = Exporter(backend).push(self, record, result)
        self._mark_synced(stamp, result, run)

    def _open_conflict(self, local, remote, stamp, run):
        self.env["integration.conflict"].create(
            {
                "binding_id": self.id,
                "local_values": json.dumps(local, default=str),
                "remote_values": json.dumps(remote, default=str),
                "remote_updated_at": stamp,
                "differing_fields": ", ".join(merge.changed_fields(local, remote)),
            }
        )
        self.write({"state": STATE_CONFLICT, "run_id": run.id if run else False})

    def _apply_resolution(self, conflict, values):
        """Settle ``conflict`` with ``values``: write them to Odoo, push them to a
        two-way backend, and let the binding sync again."""
        self.ensure_one()
        record = self._record()
        if not record:
            raise UserError(_("The Odoo record of %s no longer exists.", conflict.name))
        # JSON turned dates into strings; compare and write real values.
        values = record._sync_values_from_json(values)
        remote = record._sync_values_from_json(json.loads(conflict.remote_values))
        self.state = STATE_SYNCED
        self._apply_values(
            record,
            record._sync_values(),
            remote,
            values,
            conflict.remote_updated_at,
            None,
        )
