# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models

STATE_PROCESSING = "processing"
STATE_COMPLETED = "completed"
# Scope prefix of the keys of inbound webhooks, followed by the source id.
INBOUND_SCOPE = "inbound:"

# Claims a key: the unique (scope, key) constraint is the arbiter, whoever inserts
# first wins; the others see no row returned and read the winner's. An expired
# claim is taken over by the same statement (so it blocks nobody), and only by one
# of several racing requests: the others wait for its row lock, then find it no
# longer expired. ``{values}`` is a VALUES list or a SELECT giving the columns in
# order; the winner gets its row's id and stored answer.
CLAIM_QUERY = """
    INSERT INTO integration_idempotency_key AS claim
        (scope, key, request_hash, state, expires_at,
         response_status, response_body, response_headers, create_date)
    {values}
    ON CONFLICT (scope, key) DO UPDATE SET
        request_hash = EXCLUDED.request_hash,
        state = EXCLUDED.state,
        expires_at = EXCLUDED.expires_at,
        response_status = EXCLUDED.response_status,
        response_body = EXCLUDED.response_body,
        response_headers = EXCLUDED.response_headers,
        create_date = EXCLUDED.create_date
    WHERE claim.expires_at <= EXCLUDED.create_date
    RETURNING id, response_body
"""


class IntegrationIdempotencyKey(models.Model):
    """A claimed idempotency key and the answer given to the request that claimed it.

    Claims are made with a single ``INSERT ... ON CONFLICT`` on the unique
    (scope, key) pair, so of several identical requests racing on different workers
    exactly one wins, and the others get the stored answer back. The scope separates
    key spaces: ``inbound:<source id>`` for inbound webhooks, ``api:<user id>`` for
    the REST API.
    """

    _name = "integration.idempotency.key"
    _description = "Integration Idempotency Key"
    _order = "id desc"
    # Claimed by requests, not by users: when is all that matters.
    _log_access = False

    create_date = fields.Datetime(
        string="Claimed on", readonly=True, default=fields.Datetime.now
    )
    scope = fields.Char(required=True, readonly=True)
    key = fields.Char(required=True, readonly=True)
    request_hash = fields.Char(readonly=True, help="SHA-256 of the request body")
    state = fields.Selection(
        [(STATE_PROCESSING, "Processing"), (STATE_COMPLETED, "Completed")],
        required=True,
        readonly=True,
        default=STATE_PROCESSING,
    )
    response_status = fields.Integer(readonly=True)
    response_body = fields.Text(readonly=True)
    response_headers = fields.Text(readonly=True, help="JSON object")
    expires_at = fields.Datetime(required=True, readonly=True, index=True)
    # Not stored: keys are claimed by one plain INSERT on every delivery, and
    # the scope already says whose a key is (record rules search through it).
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        search="_search_company_id",
        help="The company of the inbound source of the key; empty for REST API "
        "keys, which belong to their user.",
    )

    _sql_constraints = [
        (
            "scope_key_unique",
            "unique(scope, key)",
            "An idempotency key is claimed once.",
        ),
    ]

    @api.depends("scope")
    def _compute_company_id(self):
        sources = self._scope_sources()
        for claim in self:
            claim.company_id = sources.get(claim.scope, self.env["res.company"])

    def _search_company_id(self, operator, value):
        """Keys of the inbound sources of the given companies (``in`` / ``=``);
        ``False`` among them: the keys of no source (REST API keys)."""
        found = self.env["integration.inbound.source"]._sources_of_companies(
            operator, value
        )
        if found is None:
            return NotImplemented
        sources, without_company = found
        domain = [("scope", "in", [f"{INBOUND_SCOPE}{s.id}" for s in sources])]
        if without_company:
            domain = ["|", ("scope", "not like", f"{INBOUND_SCOPE}%"), *domain]
        return domain

    def _scope_sources(self):
        """``{scope: company}`` of the inbound scopes of these keys."""
        ids = {
            int(scope[len(INBOUND_SCOPE) :])
            for scope in self.mapped("scope")
            if scope.startswith(INBOUND_SCOPE) and scope[len(INBOUND_SCOPE) :].isdigit()
        }
        sources = self.env["integration.inbound.source"].sudo().browse(ids).exists()
        return {f"{INBOUND_SCOPE}{s.id}": s.company_id for s in sources}

    @api.model
    def _claim(self, scope, key, request_hash, ttl_seconds):
        """Claim ``key`` in ``scope``; return ``(record, claimed)``.

        ``claimed`` is True for the one caller that inserted the key. Others get the
        existing record: completed (replay its stored answer), or still processing
        (another request holds it right now). An expired key is released and
        claimed afresh, so a key's lifetime is measured in total elapsed time.
        """
        now = fields.Datetime.now()
        expires_at = now + timedelta(seconds=ttl_seconds)
        cr = self.env.cr
        cr.execute(
            CLAIM_QUERY.format(
                values="VALUES (%s, %s, %s, %s, %s, NULL, NULL, NULL, %s)"
            ),
            (
                scope,
                key,
                request_hash,
                STATE_PROCESSING,
                expires_at,
                now,
            ),
        )
        row = cr.fetchone()
        if row:
            claim = self.browse(row[0])
            # A taken-over row may be in the cache with its old values.
            claim.invalidate_recordset()
            return claim, True
        return self._find(scope, key), False

    @api.model
    def _find(self, scope, key):
        """The claim of ``key`` in ``scope`` (empty when there is none)."""
        self.env.cr.execute(
            "SELECT id FROM integration_idempotency_key WHERE scope = %s AND key = %s",
            (scope, key),
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0] if row else [])

    def _complete(self, status, body, headers=None):
        """Store the answer given for this key, to be replayed to duplicates."""
        self.ensure_one()
        # One statement, where the ORM would read the record first and write
        # through a flush: this runs in every request that claims a key.
        self.env.cr.execute(
            """
            UPDATE integration_idempotency_key
               SET state = %s, response_status = %s, response_body = %s,
                   response_headers = %s
             WHERE id = %s
            """,
            (
                STATE_COMPLETED,
                status,
                body if isinstance(body, str) else json.dumps(body),
                json.dumps(headers or {}),
                self.id,
            ),
        )
        self.invalidate_recordset()

    def _stored_response(self):
        """``(status, body, headers)`` of the completed request, body as text."""
        self.ensure_one()
        return (
            self.response_status,
            self.response_body,
            json.loads(self.response_headers or "{}"),
        )

    @api.model
    def _gc_expired(self):
        """Delete expired keys; called by the housekeeping cron."""
        self.env.cr.execute(
            "DELETE FROM integration_idempotency_key WHERE expires_at <= %s",
            (fields.Datetime.now(),),
        )
        return self.env.cr.rowcount
