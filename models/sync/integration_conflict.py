# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A conflict the manual strategy leaves for an operator, and the buttons that
settle it (applied by the binder, integration.binding)."""

import json

from odoo import _
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ...tools import merge
from ..common.access import USER
from ..common.access import requires_group

STATE_OPEN = "open"
STATE_RESOLVED = "resolved"
STATES = [(STATE_OPEN, "Open"), (STATE_RESOLVED, "Resolved")]
RESOLUTION_REMOTE = "remote"
RESOLUTION_LOCAL = "local"
RESOLUTION_MERGE = "merge"
RESOLUTIONS = [
    (RESOLUTION_REMOTE, "Used remote"),
    (RESOLUTION_LOCAL, "Kept local"),
    (RESOLUTION_MERGE, "Merged"),
]


class IntegrationConflict(models.Model):
    """A record changed both in Odoo and in the external system since their last
    sync, under the manual strategy: both versions wait here for an operator, and
    the binding is not synced again until the conflict is resolved."""

    _name = "integration.conflict"
    _description = "Sync Conflict"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    binding_id = fields.Many2one(
        "integration.binding", required=True, index=True, ondelete="cascade"
    )
    backend_id = fields.Many2one(related="binding_id.backend_id", store=True)
    company_id = fields.Many2one(related="binding_id.company_id", store=True)
    model = fields.Selection(related="binding_id.model", store=True)
    res_id = fields.Integer(related="binding_id.res_id", store=True)
    external_id = fields.Char(related="binding_id.external_id", store=True)
    # Values as JSON text: the mapped form both sides are compared in.
    local_values = fields.Text(required=True)
    remote_values = fields.Text(required=True)
    remote_updated_at = fields.Char()
    differing_fields = fields.Char()
    state = fields.Selection(STATES, default=STATE_OPEN, required=True, tracking=True)
    resolution = fields.Selection(RESOLUTIONS, tracking=True)

    def _compute_name(self):
        # A related selection's values come from its target field, through a
        # function: _description_selection resolves them.
        labels = dict(self._fields["model"]._description_selection(self.env))
        for conflict in self:
            conflict.name = _(
                "%(model)s %(external_id)s",
                model=labels.get(conflict.model),
                external_id=conflict.external_id,
            )

    def _resolve(self, resolution):
        # Run with superuser rights by the buttons, once the caller is checked:
        # users do not write conflicts, bindings or sync runs themselves.
        for conflict in self:
            if conflict.state != STATE_OPEN:
                raise UserError(_("Conflict %s is already resolved.", conflict.name))
            local = json.loads(conflict.local_values)
            remote = json.loads(conflict.remote_values)
            if resolution == RESOLUTION_REMOTE:
                values = remote
            elif resolution == RESOLUTION_LOCAL:
                values = local
            else:
                values = merge.merge_values(remote, local)
            conflict.binding_id._apply_resolution(conflict, values)
            conflict.write({"state": STATE_RESOLVED, "resolution": resolution})
        return True

    @requires_group(USER)
    def action_use_remote(self):
        """Write the external system's version into Odoo."""
        return self.sudo()._resolve(RESOLUTION_REMOTE)

    @requires_group(USER)
    def action_keep_local(self):
        """Keep Odoo's version (and push it to a two-way backend)."""
        return self.sudo()._resolve(RESOLUTION_LOCAL)

    @requires_group(USER)
    def action_merge(self):
        """Keep Odoo's values where the remote has none, take the remote's
        elsewhere."""
        return self.sudo()._resolve(RESOLUTION_MERGE)
