# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

from ..models.common.access import MANAGER
from ..models.common.access import requires_group

DEFAULT_OVERLAP_HOURS = 24


class IntegrationEndpointRotateSecret(models.TransientModel):
    """Replace an endpoint's secret while the old one keeps signing for a while,
    so receivers can switch without rejecting a delivery."""

    _name = "integration.endpoint.rotate.secret"
    _description = "Rotate Endpoint Secret"

    endpoint_id = fields.Many2one("integration.endpoint", required=True)
    previous_expires_at = fields.Datetime(
        string="Old secret signs until",
        required=True,
        default=lambda self: (
            fields.Datetime.now() + timedelta(hours=DEFAULT_OVERLAP_HOURS)
        ),
    )

    @api.constrains("previous_expires_at")
    def _check_expiry(self):
        for wizard in self:
            if wizard.previous_expires_at < fields.Datetime.now():
                raise ValidationError(_("The expiry must be in the future."))

    @requires_group(MANAGER)
    def action_rotate(self):
        """Rotate the secret and reopen the endpoint, showing the new secret."""
        self.ensure_one()
        self.endpoint_id._rotate_secret(self.previous_expires_at)
        return {
            "type": "ir.actions.act_window",
            "res_model": "integration.endpoint",
            "res_id": self.endpoint_id.id,
            "view_mode": "form",
            "target": "current",
        }
