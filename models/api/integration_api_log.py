# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo import models


class IntegrationApiLog(models.Model):
    """One write made through the REST API: who, which request, what changed.

    Written by the API in the same transaction as the change it describes, so a
    change that rolls back leaves no line and a committed one always has its line.
    """

    _name = "integration.api.log"
    _description = "REST API Write Log"
    _order = "id desc"
    _rec_name = "request_id"

    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True)
    request_id = fields.Char(required=True, readonly=True, index=True)
    method = fields.Char(required=True, readonly=True)
    path = fields.Char(required=True, readonly=True)
    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_id = fields.Integer(string="Record ID", readonly=True)
    changed_fields = fields.Char(readonly=True, help="API attribute names")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
        help="The company of the record written (the user's company when the "
        "record has none, or no longer exists).",
    )
    create_date = fields.Datetime(string="Time", readonly=True)
