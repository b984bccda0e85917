# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.queue_job.job import identity_exact
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

from ..common.access import USER
from ..common.access import requires_group

STATE_SYNCED = "synced"
STATE_CONFLICT = "conflict"
STATE_ERROR = "error"
STATES = [
    (STATE_SYNCED, "Synced"),
    (STATE_CONFLICT, "Conflict"),
    (STATE_ERROR, "Error"),
]
# Odoo models a backend synchronises, with the JSON:API type of each.
BOUND_MODELS = [
    ("integration.booking", "Booking"),
    ("res.partner", "Guest"),
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
    model = fields.Selection(BOUND_MODELS, required=True)
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
        origin = self.env.context.get("integration_sync_backend_id")
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
            backend._in_company().with_delay(
                channel="root.integration.sync", identity_key=identity_exact
            )._push_job(backend_bindings)

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
