# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models

STATE_PROCESSING = "processing"
STATE_COMPLETED = "completed"


class IntegrationIdempotencyKey(models.Model):
    """A claimed idempotency key and the answer given to the request that claimed it.

    Claims are made with a single ``INSERT ... ON CONFLICT DO NOTHING`` on the unique
    (scope, key) pair, so of several identical requests racing on different workers
    exactly one wins, and the others get the stored answer back. The scope separates
    key spaces: ``inbound:<source id>`` for inbound webhooks, ``api:<user id>`` for
    the REST API.
    """

    _name = "integration.idempotency.key"
    _description = "Integration Idempotency Key"
    _order = "id desc"

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

    _sql_constraints = [
        (
            "scope_key_unique",
            "unique(scope, key)",
            "An idempotency key is claimed once.",
        ),
    ]

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
        # Expired claims must not block a new request: delete them first, in the
        # same statement sequence, before racing on the unique constraint.
        cr.execute(
            "DELETE FROM integration_idempotency_key"
            " WHERE scope = %s AND key = %s AND expires_at <= %s",
            (scope, key, now),
        )
        # The unique (scope, key) constraint is the arbiter: whoever inserts first
        # wins; the others see no row returned and read the winner's.
        cr.execute(
            """
            INSERT INTO integration_idempotency_key
                (scope, key, request_hash, state, expires_at,
                 create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (scope, key) DO NOTHING
            RETURNING id
            """,
            (
                scope,
                key,
                request_hash,
                STATE_PROCESSING,
                expires_at,
                self.env.uid,
                now,
                self.env.uid,
                now,
            ),
        )
        row = cr.fetchone()
        if row:
            return self.browse(row[0]), True
        cr.execute(
            "SELECT id FROM integration_idempotency_key WHERE scope = %s AND key = %s",
            (scope, key),
        )
        row = cr.fetchone()
        return self.browse(row[0] if row else []), False

    def _complete(self, status, body, headers=None):
        """Store the answer given for this key, to be replayed to duplicates."""
        self.ensure_one()
        self.sudo().write(
            {
                "state": STATE_COMPLETED,
                "response_status": status,
                "response_body": body if isinstance(body, str) else json.dumps(body),
                "response_headers": json.dumps(headers or {}),
            }
        )

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
