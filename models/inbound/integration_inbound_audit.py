# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime
from datetime import timezone

from odoo import api
from odoo import fields
from odoo import models

from ...tools import prepared

# One line per source, refusal and minute, counted. A flood of refused requests
# updates a few lines instead of adding one line each: what it costs in storage
# is bounded by sources x refusal codes x minutes of retention, whatever the
# number of requests. Requests to no known source share one line per minute
# (slug ''): the slugs they make up are not kept.
RECORD_QUERY = """
    INSERT INTO integration_inbound_audit
        (logged_at, slug, code, http_status, remote_addr, request_id, count)
    VALUES (%(logged_at)s, %(slug)s, %(code)s, %(http_status)s,
            %(remote_addr)s, %(request_id)s, 1)
    ON CONFLICT (slug, code, logged_at) DO UPDATE
       SET count = integration_inbound_audit.count + 1,
           remote_addr = EXCLUDED.remote_addr,
           request_id = EXCLUDED.request_id
    RETURNING count
"""
# Committed at once on the module's own connection: concurrent refusals update
# the same line, which under the request's REPEATABLE READ transaction would
# fail with serialisation errors (and be retried by Odoo) instead of waiting.
RECORD = prepared.Statement("integration_hub_inbound_audit_record", RECORD_QUERY)


class IntegrationInboundAudit(models.Model):
    """Refused inbound webhook requests, counted per source, refusal and minute.

    Only when, to which source, how it was answered, how often, and the address
    and request id of the last such request are kept: a refused request's headers
    and body are not trusted input and are not stored.
    """

    _name = "integration.inbound.audit"
    _description = "Integration Inbound Audit Line"
    _order = "logged_at desc, id desc"
    _rec_name = "code"
    _log_access = False

    logged_at = fields.Datetime(
        string="Minute",
        required=True,
        readonly=True,
        default=fields.Datetime.now,
        help="The minute in which the requests counted here were refused.",
    )
    slug = fields.Char(
        string="Source Slug",
        readonly=True,
        index=True,
        help="Empty for requests to no active source.",
    )
    code = fields.Char(readonly=True, index=True)
    http_status = fields.Integer(string="HTTP Status", readonly=True)
    count = fields.Integer(string="Requests", required=True, readonly=True, default=1)
    remote_addr = fields.Char(string="Last IP Address", readonly=True)
    request_id = fields.Char(string="Last Request Id", readonly=True, index=True)

    # Not stored: a flood of refused requests writes these lines, and the slug
    # names the source, whose company the line belongs to (record rules search
    # through it).
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        search="_search_company_id",
        help="The company of the source at this slug; empty when no source has it.",
    )

    _sql_constraints = [
        (
            "minute_unique",
            "unique(slug, code, logged_at)",
            "One audit line per source, refusal and minute.",
        ),
    ]

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
        Source = self.env["integration.inbound.source"]
        found = Source._sources_of_companies(operator, value)
        if found is None:
            return NotImplemented
        sources, without_company = found
        domain = [("slug", "in", sources.mapped("slug"))]
        if without_company:
            known = Source.sudo().with_context(active_test=False).search([])
            unknown = [
                "|",
                ("slug", "=", False),
                ("slug", "not in", known.mapped("slug")),
            ]
            domain = ["|", *unknown, *domain]
        return domain

    @api.model
    def _record(self, slug, code, http_status, remote_addr, request_id):
        """Count one refused request to source ``slug`` ('' for none) in the line
        of the current minute (committed at once, on its own)."""
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        RECORD.run(
            self.env,
            {
                "logged_at": now.replace(second=0, microsecond=0),
                "slug": slug,
                "code": code,
                "http_status": http_status,
                "remote_addr": remote_addr,
                "request_id": request_id,
            },
        )

    @api.model
    def _gc_older_than(self, moment):
        """Delete the lines logged before ``moment``; return how many."""
        self.env.cr.execute(
            "DELETE FROM integration_inbound_audit WHERE logged_at < %s", (moment,)
        )
        return self.env.cr.rowcount
