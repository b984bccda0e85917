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
    # Not stored: a flood of refused requests writes these lines, and the slug
    # names the source, whose company the line belongs to (record rules search
    # through it).
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        search="_search_company_id",
        help="The company of the source at this slug; empty when no source has it.",
    )

    @api.depends("slug")
    def _compute_company_id(self):
        Source = self.env["integration.inbound.source"].sudo()
        companies = {
            source.slug: source.company_id
            for source in Source.with_context(active_test=False).search(
                [("slug", "in", list(set(self.mapped("slug"))))]
            )
        }
        for line in self:
            line.company_id = companies.get(line.slug, self.env["res.company"])

    def _search_company_id(self, operator, value):
        """Lines of the slugs of the sources of the given companies (``in`` /
        ``=``); ``False`` among them: lines whose slug names no source."""
        if operator not in ("in", "="):
            return NotImplemented
        values = value if isinstance(value, list | tuple) else [value]
        company_ids = [company_id for company_id in values if company_id]
        Source = (
            self.env["integration.inbound.source"]
            .sudo()
            .with_context(active_test=False)
        )
        slugs = Source.search([("company_id", "in", company_ids)]).mapped("slug")
        domain = [("slug", "in", slugs)]
        if len(company_ids) < len(values):
            unknown = [
                "|",
                ("slug", "=", False),
                ("slug", "not in", Source.search([]).mapped("slug")),
            ]
            domain = ["|", *unknown, *domain]
        return domain

    @api.model
    def _gc_older_than(self, moment):
        """Delete the lines logged before ``moment``; return how many."""
        # One statement: the table can hold many lines from a flood of bad requests.
        self.env.cr.execute(
            "DELETE FROM integration_inbound_audit WHERE logged_at < %s", (moment,)
        )
        return self.env.cr.rowcount
