# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The inbound message model: a stored delivery, what operators see and do with it.

Fields and buttons (reprocess), the thin entry points of the controller (storing
a delivery, :mod:`.delivery`) and of queue_job (processing one message,
:mod:`.processor`), the per-database handler declaration addons extend
(:meth:`IntegrationInboundMessage._inbound_handlers`), and housekeeping.
"""

import json
import logging
from datetime import timedelta

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ...tools import handlers
from ...tools import transactions
from ..common import queue_jobs
from ..common.access import USER
from ..common.access import requires_group
from .delivery import store_delivery
from .processor import STATE_DONE
from .processor import STATE_FAILED
from .processor import STATE_IGNORED
from .processor import STATE_QUEUED
from .processor import Processor

_logger = logging.getLogger(__name__)

# A queued message without a live job this long after it was stored is queued
# again by the housekeeping cron.
STRANDED_AFTER = timedelta(minutes=10)
AUDIT_RETENTION_PARAM = "integration_hub.inbound_audit_retention_days"
DEFAULT_AUDIT_RETENTION_DAYS = 30


class IntegrationInboundMessage(models.Model):
    """A verified inbound webhook delivery, stored before it is processed.

    The controller stores it and queues its processing in the same transaction as
    the idempotency key claim, so each accepted delivery is stored once and
    processed by a queue_job job (its source's, which drains every queued message),
    outside the HTTP request.
    """

    _name = "integration.inbound.message"
    _description = "Integration Inbound Message"
    _order = "id desc"
    _rec_name = "idempotency_key"
    # Stored by a webhook request, not by a user; its changes are those of its
    # processing (state, result, attempts, processed_at).
    _log_access = False

    create_date = fields.Datetime(
        string="Received", readonly=True, default=fields.Datetime.now
    )
    source_id = fields.Many2one(
        "integration.inbound.source",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="source_id.company_id")
    # Not indexed: every delivery would write the indexes, and nothing reads
    # them (the search view looks these up with ``ilike``, which a btree index
    # does not serve).
    event_type = fields.Char(readonly=True)
    idempotency_key = fields.Char(readonly=True)
    request_id = fields.Char(readonly=True)
    remote_addr = fields.Char(string="IP Address", readonly=True)
    headers = fields.Text(
        readonly=True, help="JSON; only known-safe header values in clear."
    )
    body = fields.Text(readonly=True)
    state = fields.Selection(
        [
            (STATE_QUEUED, "Queued"),
            (STATE_DONE, "Processed"),
            (STATE_FAILED, "Failed"),
            (STATE_IGNORED, "Ignored"),
        ],
        required=True,
        readonly=True,
        default=STATE_QUEUED,
        index=True,
        group_expand=True,
    )
    result = fields.Text(readonly=True)
    error = fields.Text(readonly=True)
    attempt_count = fields.Integer(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    job_id = fields.Many2one(
        "queue.job",
        readonly=True,
        ondelete="set null",
        groups="queue_job.group_queue_job_manager",
    )
    job_state = fields.Selection(related="job_id.state", string="Job State")

    def _enqueue(self):
        """Queue the processing of these messages, on the inbound channel.

        Each source has at most one pending processing job, which processes every
        queued message of the source when it runs (see
        :meth:`~.integration_inbound_source.IntegrationInboundSource._processing_job`):
        a burst of deliveries costs one job, not one per delivery. Messages no
        longer queued (processed meanwhile by another job) are left as they are.
        """
        self.flush_recordset(["state"])
        for source, messages in self.grouped("source_id").items():
            job_id = source._processing_job()
            self.env.cr.execute(
                "UPDATE integration_inbound_message SET job_id = %s"
                " WHERE id IN %s AND state = %s",
                (job_id, tuple(messages.ids), STATE_QUEUED),
            )
        self.invalidate_recordset(["job_id"])

    @api.model
    def _store_delivery(self, source_id, claim, values):
        """Claim a delivery's idempotency key, store the delivery as a queued message
        of source ``source_id`` linked to the source's processing job, and keep the
        answer for duplicates; return the answer (JSON text), or None when the key
        is claimed already.

        ``claim``: ``scope``, ``key``, ``request_hash`` and ``ttl_seconds`` of the
        key. ``values``: ``event_type``, ``request_id``, ``remote_addr``,
        ``headers`` and ``body`` of the message. One statement, committed on its
        own, does the storing (:mod:`.delivery`).
        """
        stored = store_delivery(self.env, source_id, claim, values)
        if not stored:
            return None
        message_id, job_id, answer = stored
        if not job_id:
            # No pending job to join: queue one, in the caller's transaction.
            # READ COMMITTED: under REPEATABLE READ, a transaction begun before
            # the message was committed would not see it to link it to the job.
            transactions.switch_to_read_committed(self.env.cr, self.env.registry)
            self.browse(message_id)._enqueue()
        return answer

    def _process(self):
        """Process this one message (queue_job job retrying a failed message).

        The source's server action for the event type wins, then the Python
        handler declared for it (exact, ``prefix.*``, ``*``). A processed message
        is never processed again. A failing handler leaves the message failed with
        its error and raises ``RetryableJobError``, so queue_job retries it per
        the job function's retry pattern (see :class:`.processor.Processor`).
        """
        self.ensure_one()
        return Processor(self.sudo().source_id).process(self)

    @api.model
    def _inbound_handlers(self):
        """The Python handlers of inbound messages in this database:
        ``{pattern: handler}``, a pattern being an exact event type,
        ``prefix.*`` or ``*`` (see :mod:`..tools.handlers`).

        A handler is the name of a method of this model, called on the message
        (``message._handle_room_event()``), or a function called as
        ``handler(env, message)``. What it returns is stored as the message's
        result. An addon adds handlers by extending this method with
        ``super()``, so they apply only in the databases where it is installed,
        and its own overrides win over those of the addons it depends on.
        """
        return {}

    @api.model
    def _find_handler(self, event_type):
        """The handler of :meth:`_inbound_handlers` for ``event_type`` (exact,
        then the longest ``prefix.*``, then ``*``), or None."""
        by_pattern = self._inbound_handlers()
        handlers.check_patterns(by_pattern)
        pattern = handlers.best_pattern(by_pattern, event_type)
        return by_pattern[pattern] if pattern else None

    @api.private
    def payload(self):
        """The body parsed as JSON."""
        self.ensure_one()
        return json.loads(self.body or "null")

    @requires_group(USER)
    def action_reprocess(self):
        """Queue the selected messages for processing again (also in bulk)."""
        queued = self.filtered(lambda message: message.state == STATE_QUEUED)
        if queued and queued == self:
            raise UserError(_("These messages are already queued for processing."))
        todo = (self - queued).sudo()
        todo.write({"state": STATE_QUEUED, "error": False, "result": False})
        todo._enqueue()
        return True

    @api.model
    def _requeue_stranded(self, older_than):
        """Queue the processing of messages stored before ``older_than`` that are
        still queued but that no job will process (their job was cancelled or
        failed, or the worker stopped between storing a delivery and queueing its
        job); return how many."""
        stranded = self.sudo().search(
            [
                ("state", "=", STATE_QUEUED),
                ("create_date", "<", older_than),
                "|",
                ("job_id", "=", False),
                ("job_id.state", "not in", queue_jobs.LIVE_JOB_STATES),
            ]
        )
        stranded._enqueue()
        return len(stranded)

    @api.model
    def _cron_housekeeping(self):
        """Delete expired idempotency keys, messages past their source's retention
        and audit lines past the configured retention; queue the messages left
        without a job."""
        now = fields.Datetime.now()
        requeued = self._requeue_stranded(now - STRANDED_AFTER)
        keys = self.env["integration.idempotency.key"]._gc_expired()
        messages = 0
        sources = self.env["integration.inbound.source"].with_context(active_test=False)
        for source in sources.search([("retention_days", ">", 0)]):
            old = self.search(
                [
                    ("source_id", "=", source.id),
                    ("state", "!=", STATE_QUEUED),
                    ("create_date", "<", now - timedelta(days=source.retention_days)),
                ]
            )
            messages += len(old)
            old.unlink()
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(AUDIT_RETENTION_PARAM, DEFAULT_AUDIT_RETENTION_DAYS)
        )
        audits = self.env["integration.inbound.audit"]._gc_older_than(
            now - timedelta(days=days)
        )
        _logger.info(
            "Inbound housekeeping: %s keys, %s messages, %s audit lines deleted; "
            "%s stranded messages queued",
            keys,
            messages,
            audits,
            requeued,
        )
        return keys, messages, audits
