# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ...tools import error_reasons
from ..common.access import MANAGER
from ..common.access import USER
from ..common.access import check_group
from ..common.access import requires_group

DELIVERY_PENDING = "pending"
DELIVERY_DELIVERED = "delivered"
DELIVERY_FAILED = "failed"
DELIVERY_DEAD = "dead"
DELIVERY_CANCELLED = "cancelled"
DELIVERY_STATES = [
    (DELIVERY_PENDING, "Pending"),
    (DELIVERY_DELIVERED, "Delivered"),
    (DELIVERY_FAILED, "Failed"),
    (DELIVERY_DEAD, "Dead"),
    (DELIVERY_CANCELLED, "Cancelled"),
]

PRECOMMIT_KEY = "integration_hub.deliveries_to_enqueue"
# What a delivery is: changing these re-targets it (managers only).
TARGET_FIELDS = frozenset(("event_id", "endpoint_id"))


class IntegrationDelivery(models.Model):
    """One event to send to one endpoint, and where that stands.

    Created in the emitting transaction (the outbox); sent by a queue_job job of
    the endpoint; retried on the endpoint's schedule until delivered, failed (the
    receiver refused it for good) or dead (the schedule ran out).
    """

    _name = "integration.delivery"
    _description = "Integration Webhook Delivery"
    _order = "id desc"
    # An event goes to the endpoints of its company (or of every company) only.
    _check_company_auto = True

    event_id = fields.Many2one(
        "integration.event", required=True, ondelete="cascade", readonly=True
    )
    endpoint_id = fields.Many2one(
        "integration.endpoint",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
        check_company=True,
    )
    # Precomputed: part of the INSERT, not an UPDATE after it (emit is hot).
    event_type_id = fields.Many2one(
        related="event_id.event_type_id",
        store=True,
        precompute=True,
        string="Event type",
    )
    company_id = fields.Many2one(
        related="event_id.company_id", store=True, precompute=True
    )
    state = fields.Selection(
        DELIVERY_STATES,
        required=True,
        default=DELIVERY_PENDING,
        index=True,
        readonly=True,
    )
    attempt_count = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    last_status_code = fields.Integer(readonly=True)
    last_error = fields.Char(readonly=True)
    # Computed on read: sending writes last_error in SQL, past the ORM.
    last_error_reason = fields.Char(
        "Reason",
        compute="_compute_last_error_reason",
        help="The last error in a few words; the full text is on the form.",
    )
    delivered_at = fields.Datetime(readonly=True)
    job_uuid = fields.Char(
        readonly=True, index=True, help="The queue job expected to send it next."
    )
    attempt_ids = fields.One2many(
        "integration.delivery.attempt", "delivery_id", readonly=True
    )
    payload = fields.Text(related="event_id.payload")
    request_headers = fields.Text(
        compute="_compute_request_headers",
        help="Headers of the last attempt; only known-safe values in clear.",
    )

    def init(self):
        # The job's "due deliveries of this endpoint" query.
        create_index(
            self.env.cr,
            "integration_delivery_due_idx",
            self._table,
            ["endpoint_id", "state", "next_attempt_at"],
        )

    @api.depends("event_id.code", "endpoint_id.name")
    def _compute_display_name(self):
        for delivery in self:
            delivery.display_name = (
                f"{delivery.event_id.code} → {delivery.endpoint_id.name}"
            )

    @api.depends("last_error")
    def _compute_last_error_reason(self):
        for delivery in self:
            delivery.last_error_reason = error_reasons.short_reason(delivery.last_error)

    @api.depends("attempt_ids.request_headers")
    def _compute_request_headers(self):
        for delivery in self:
            delivery.request_headers = delivery.attempt_ids[:1].request_headers

    # Enqueuing ---------------------------------------------------------------

    def _enqueue_at_commit(self):
        """Enqueue the jobs for these new deliveries when the transaction commits.

        Still in the same transaction (a pre-commit hook), so a rollback leaves
        neither deliveries nor jobs; gathered so that an emitting transaction
        creates one job per endpoint, not one per event.
        """
        data = self.env.cr.precommit.data
        if PRECOMMIT_KEY not in data:
            data[PRECOMMIT_KEY] = set()
            self.env.cr.precommit.add(self._flush_enqueue_at_commit)
        data[PRECOMMIT_KEY].update(self.ids)

    def _flush_enqueue_at_commit(self):
        ids = self.env.cr.precommit.data.pop(PRECOMMIT_KEY, ())
        # Deliveries rolled back by a savepoint are gone; skip them.
        deliveries = self.browse(sorted(ids)).exists()
        if len(deliveries.endpoint_id) > 1:
            # One job fans out to the endpoints, keeping the emitting
            # transaction short however many endpoints listen. Should it be
            # lost, the deliveries (without a job yet) are swept up later.
            deliveries.with_delay()._enqueue()
        else:
            deliveries._enqueue()
        self.env.flush_all()

    def _enqueue(self):
        """Enqueue a job per endpoint (and per retry time) for these deliveries.

        Also a job itself (fanning out an emit to several endpoints), run as the
        emitting user: it reads and writes with superuser rights.
        """
        now = fields.Datetime.now()
        groups = defaultdict(list)
        deliveries = self.sudo().exists()
        for delivery in deliveries:
            if delivery.state != DELIVERY_PENDING:
                continue
            eta = delivery.next_attempt_at
            groups[delivery.endpoint_id, eta if eta and eta > now else None].append(
                delivery.id
            )
        for (endpoint, eta), ids in groups.items():
            job = endpoint.with_delay(eta=eta)._deliver_due()
            deliveries.browse(ids).write({"job_uuid": job.uuid})
        return True

    @api.model
    def _lock_due(self, endpoint, limit, exclude_ids=()):
        """Lock and return up to ``limit`` due pending deliveries of ``endpoint``,
        leaving out ``exclude_ids`` (already attempted by this job: a retry is
        left to the job of its next attempt)."""
        self.flush_model(["state", "next_attempt_at"])
        # SKIP LOCKED: a delivery another transaction is sending is left to it, so
        # no delivery is ever sent twice at the same time.
        self.env.cr.execute(
            """
            SELECT id
              FROM integration_delivery
             WHERE endpoint_id = %s AND state = %s AND next_attempt_at <= %s
               AND NOT id = ANY(%s)
             ORDER BY next_attempt_at, id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            (
                endpoint.id,
                DELIVERY_PENDING,
                fields.Datetime.now(),
                list(exclude_ids),
                limit,
            ),
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _pull_forward_postponed(self, endpoint, until, now):
        """After the circuit closed, deliveries it postponed (up to ``until``) are
        due at once instead of waiting out the old open period."""
        if not until:
            return
        postponed = self.search(
            [
                ("endpoint_id", "=", endpoint.id),
                ("state", "=", DELIVERY_PENDING),
                ("next_attempt_at", ">", now),
                ("next_attempt_at", "<=", until),
            ]
        )
        postponed.write({"next_attempt_at": now})
        postponed._enqueue()

    # Operator actions --------------------------------------------------------

    def write(self, vals):
        """Write; only managers re-target a delivery (its event or endpoint):
        users retry or replay the deliveries they have."""
        if TARGET_FIELDS & vals.keys():
            check_group(self, MANAGER)
        return super().write(vals)

    # Users may not write deliveries: the buttons write with superuser rights
    # once requires_group has checked the caller.
    @requires_group(USER)
    def action_retry(self):
        """Send again now (failed, dead, cancelled or still pending deliveries)."""
        retryable = self.filtered(lambda d: d.state != DELIVERY_DELIVERED).sudo()
        retryable.write(
            {"state": DELIVERY_PENDING, "next_attempt_at": fields.Datetime.now()}
        )
        retryable._enqueue()
        return True

    @requires_group(USER)
    def action_cancel(self):
        """Give up these deliveries; nothing more is sent."""
        if any(d.state == DELIVERY_DELIVERED for d in self):
            raise UserError(_("A delivered delivery cannot be cancelled."))
        self.sudo().write({"state": DELIVERY_CANCELLED, "next_attempt_at": False})
        return True

    @requires_group(USER)
    def action_replay(self):
        """Send the same events again as new deliveries (same message id)."""
        replays = self.sudo().create(
            [
                {
                    "event_id": delivery.event_id.id,
                    "endpoint_id": delivery.endpoint_id.id,
                    "next_attempt_at": fields.Datetime.now(),
                }
                for delivery in self
            ]
        )
        replays._enqueue()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_hub.integration_delivery_action"
        )
        action["domain"] = [("id", "in", replays.ids)]
        # Every one of them, not only those that need attention.
        action["context"] = {}
        return action

    # Crons -------------------------------------------------------------------

    @api.model
    def _cron_requeue_left_behind(self):
        """Cron: the recovery sweep (``integration.recovery``), and its job
        chain restarted if lost: nothing committed is ever lost."""
        recovery = self.env["integration.recovery"]
        recovery._recover_stranded()
        recovery._schedule_recovery()

    @api.model
    def _cron_purge(self):
        """Delete delivered deliveries after the delivery retention, failed, dead
        and cancelled ones after the dead-letter retention, and events left
        without deliveries; attempts go with their delivery."""
        params = self.env["ir.config_parameter"].sudo()
        now = fields.Datetime.now()
        delivered_before = now - timedelta(
            days=int(params.get_param("integration_hub.delivery_retention_days", 30))
        )
        ended_before = now - timedelta(
            days=int(params.get_param("integration_hub.dead_retention_days", 90))
        )
        self.env.flush_all()
        # Plain DELETEs: a purge may remove many thousands of rows, and the
        # attempts follow through ON DELETE CASCADE, rolled into the metrics
        # totals by the same statement so the Prometheus counters never go down.
        self.env["integration.metrics.total"]._purge_deliveries(
            SQL(
                """
                (state = %s AND delivered_at < %s)
                OR (state IN %s AND write_date < %s)
                """,
                DELIVERY_DELIVERED,
                delivered_before,
                (DELIVERY_FAILED, DELIVERY_DEAD, DELIVERY_CANCELLED),
                ended_before,
            )
        )
        self.env.cr.execute(
            """
            DELETE FROM integration_event e
             WHERE e.create_date < %s
               AND NOT EXISTS (
                   SELECT 1 FROM integration_delivery d WHERE d.event_id = e.id)
            """,
            (delivered_before,),
        )
        self.env.invalidate_all()
