# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import fields
from odoo import models


class IntegrationInboundAudit(models.Model):
    """One line per refused inbound webhook request.

    Only when, where from, to which slug, and how it was answered are kept: a
    refused request's headers and body are not trusted input and are not stored.
    """

    _name = "integration.inbound.audit"
    _description = "Integration Inbound Audit Line"
    _order = "logged_at desc, id desc"
    _rec_name = "request_id"
    _log_access = False

    logged_at = fields.Datetime(
        string="Time", required=True, readonly=True, default=fields.Datetime.now
    )
    slug = fields.Char(string="Source Slug", readonly=True, index=True)
    remote_addr = fields.Char(string="IP Address", readonly=True)
    http_status = fields.Integer(string="HTTP Status", readonly=True)
    code = fields.Char(readonly=True, index=True)
    request_id = fields.Char(readonly=True, index=True)

    @api.model
    def _gc_older_than(self, moment):
        """Delete the lines logged before ``moment``; return how many."""
        # One statement: the table can hold many lines from a flood of bad requests.
        self.env.cr.execute(
            "DELETE FROM integration_inbound_audit WHERE logged_at < %s", (moment,)
        )
        return self.env.cr.rowcount
