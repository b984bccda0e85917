# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from datetime import timedelta

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError

from ..tools import handlers
from .integration_inbound_source import PENDING_JOB_QUERY

_logger = logging.getLogger(__name__)

STATE_QUEUED = "queued"
STATE_DONE = "done"
STATE_FAILED = "failed"

INBOUND_CHANNEL = "root.integration.inbound"
# A failed message is retried after the first step of its job function's retry
# pattern (data/inbound_queue_job_data.xml), in seconds.
FIRST_RETRY_DELAY = 10
AUDIT_RETENTION_PARAM = "integration_hub.inbound_audit_retention_days"
DEFAULT_AUDIT_RETENTION_DAYS = 30
# Header names whose values are credentials or signatures: stored masked.
SECRET_HEADER_MARKERS = (
    "signature",
    "hmac",
    "authorization",
    "cookie",
    "token",
    "secret",
    "api-key",
    "apikey",
)
MASK = "***"


def mask_headers(headers):
    """``headers`` as a dictionary, with credential and signature values masked."""
    return {
        name: MASK
        if any(marker in name.lower() for marker in SECRET_HEADER_MARKERS)
        else value
        for name, value in headers.items()
    }


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

    source_id = fields.Many2one(
        "integration.inbound.source",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    event_type = fields.Char(readonly=True, index=True)
    idempotency_key = fields.Char(readonly=True, index=True)
    request_id = fields.Char(readonly=True, index=True)
    remote_addr = fields.Char(string="IP Address", readonly=True)
    headers = fields.Text(readonly=True, help="JSON, signatures and tokens masked")
    body = fields.Text(readonly=True)
    state = fields.Selection(
        [
            (STATE_QUEUED, "Queued"),
            (STATE_DONE, "Processed"),
            (STATE_FAILED, "Failed"),
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
        a burst of deliveries costs one job, not one per delivery.
        """
        for source, messages in self.grouped("source_id").items():
            job_id = source._processing_job()
            # One statement links the messages, where the ORM would read them
            # first: this runs in every webhook request.
            self.env.cr.execute(
                "UPDATE integration_inbound_message SET job_id = %s WHERE id IN %s",
                (job_id, tuple(messages.ids)),
            )
        self.invalidate_recordset(["job_id"])

    @api.model
    def _create_queued(self, source, values):
        """Store a delivery of ``source`` as a queued message linked to the
        source's processing job; return the message (webhook requests).

        ``values``: ``event_type``, ``idempotency_key``, ``request_id``,
        ``remote_addr``, ``headers`` and ``body``. One statement finds the pending
        job and inserts the message: this runs in every accepted request, where
        the ORM would take several round trips to the database.
        """
        columns = (
            "event_type",
            "idempotency_key",
            "request_id",
            "remote_addr",
            "headers",
            "body",
        )
        cr = self.env.cr
        cr.execute(
            f"""
            WITH job AS ({PENDING_JOB_QUERY})
            INSERT INTO integration_inbound_message
                (source_id, company_id, state, attempt_count, job_id,
                 {", ".join(columns)},
                 create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, 0, (SELECT id FROM job),
                    {", ".join(["%s"] * len(columns))},
                    %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC')
            RETURNING id, job_id
            """,
            (
                source._processing_identity(),
                source.id,
                source.company_id.id,
                STATE_QUEUED,
                *(values[column] for column in columns),
                self.env.uid,
                self.env.uid,
            ),
        )
        message_id, job_id = cr.fetchone()
        message = self.browse(message_id)
        if not job_id:
            # No pending job to join: queue one.
            message._enqueue()
        return message

    def _lock_for_processing(self):
        """Lock this message for processing; False when it is already processed or
        another job holds it (it is then processed by that job)."""
        # SKIP LOCKED: a message is processed by whichever job locks it first,
        # the other moves on; the state re-checked under the lock makes a
        # processed message never processed again.
        self.env.cr.execute(
            "SELECT id FROM integration_inbound_message"
            " WHERE id = %s AND state != %s FOR UPDATE SKIP LOCKED",
            (self.id, STATE_DONE),
        )
        return bool(self.env.cr.fetchone())

    def _process(self):
        """Process this one message (queue_job job retrying a failed message).

        The source's server action for the event type wins, then the Python
        handler registered for it (exact, ``prefix.*``, ``*``). A processed message
        is never processed again. A failing handler leaves the message failed with
        its error and raises :class:`RetryableJobError`, so queue_job retries it
        per the job function's retry pattern.
        """
        self.ensure_one()
        # The sender is not an Odoo user and a reprocess must behave like the
        # first run, whoever queued it: handlers run with full rights.
        message = self.sudo()
        try:
            # The savepoint undoes a failed handler's writes, and releases the
            # message's lock, without losing the job's own transaction.
            with message.env.cr.savepoint():
                if not message._lock_for_processing():
                    return _("Already processed")
                message.invalidate_recordset()
                result = message._dispatch()
        except Exception as error:
            message._record_failure(error)
            raise RetryableJobError(f"{type(error).__name__}: {error}") from error
        message._record_success(result)
        return result

    def _process_batch(self, job_id=None):
        """Process these messages, locked by the caller (a source's processing job
        ``job_id``), in order; return how many succeeded and how many failed.

        A failing handler's writes are undone, the message is marked failed with
        the error in the caller's transaction, and a job of its own retries it
        (:meth:`_process`), so that one failure neither stops nor undoes the
        other messages of the batch.
        """
        succeeded = []
        for message in self:
            try:
                with self.env.cr.savepoint():
                    succeeded.append((message.id, message._dispatch()))
            except Exception as error:
                message._retry_later(error)
        if succeeded:
            ids, results = zip(*succeeded, strict=True)
            # One statement marks the batch processed, where the ORM would
            # update each message on its own.
            self.env.cr.execute(
                """
                UPDATE integration_inbound_message AS message
                   SET state = %s, result = done.result, error = NULL,
                       attempt_count = message.attempt_count + 1,
                       processed_at = %s, job_id = COALESCE(%s, message.job_id),
                       write_uid = %s, write_date = now() AT TIME ZONE 'UTC'
                  FROM unnest(%s::int[], %s::text[]) AS done(id, result)
                 WHERE message.id = done.id
                """,
                (
                    STATE_DONE,
                    fields.Datetime.now(),
                    job_id or None,
                    self.env.uid,
                    list(ids),
                    list(results),
                ),
            )
            self.browse(ids).invalidate_recordset()
        return len(succeeded), len(self) - len(succeeded)

    def _retry_later(self, error):
        """Mark this message failed with ``error`` and queue a job retrying it."""
        self.ensure_one()
        _logger.warning(
            "Inbound message %s (%s) failed: %s", self.id, self.event_type, error
        )
        retry = (
            self.with_company(self.company_id)
            .with_delay(
                channel=INBOUND_CHANNEL,
                eta=FIRST_RETRY_DELAY,
                description=f"Retry inbound {self.event_type or 'message'}",
            )
            ._process()
        )
        self.write(
            {
                "state": STATE_FAILED,
                "error": f"{type(error).__name__}: {error}",
                "attempt_count": self.attempt_count + 1,
                "job_id": retry.db_record().id,
            }
        )

    def _record_success(self, result):
        """Mark the message processed with ``result``."""
        self.write(
            {
                "state": STATE_DONE,
                "result": result,
                "error": False,
                "attempt_count": self.attempt_count + 1,
                "processed_at": fields.Datetime.now(),
            }
        )

    def _dispatch(self):
        """Run the mapped server action or the registered handler; return the
        result as text."""
        action = self.source_id._action_for(self.event_type or "")
        if action:
            returned = action.with_context(
                active_model=self._name, active_id=self.id, active_ids=self.ids
            ).run()
            return _(
                "Server action %(name)s ran%(returned)s.",
                name=action.name,
                returned=f": {returned}" if returned else "",
            )
        handler = handlers.find_handler(self.event_type or "")
        if not handler:
            return _(
                "No handler for event type %(type)s; nothing to do.",
                type=self.event_type or "?",
            )
        returned = handler(self.env, self)
        if returned is None or isinstance(returned, str):
            return returned or _("Handled by %(name)s.", name=handler.__name__)
        return json.dumps(returned, default=str)

    def _record_failure(self, error):
        """Mark the message failed with ``error``, in a transaction of its own.

        The job's transaction is rolled back when the error propagates to queue_job
        (that is how it retries), so the failure is committed separately for the
        operators to see meanwhile. The handler's writes were undone by the
        savepoint, so this row is not locked by the job's transaction.
        """
        _logger.warning(
            "Inbound message %s (%s) failed: %s", self.id, self.event_type, error
        )
        with self.env.registry.cursor() as cr:
            failed = self.with_env(self.env(cr=cr)).sudo()
            failed.write(
                {
                    "state": STATE_FAILED,
                    "error": f"{type(error).__name__}: {error}",
                    "attempt_count": self.attempt_count + 1,
                }
            )
            # Flushed here: the commit flushes only environments still alive.
            failed.flush_recordset()
        self.invalidate_recordset()

    def payload(self):
        """The body parsed as JSON."""
        self.ensure_one()
        return json.loads(self.body or "null")

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
    def _cron_housekeeping(self):
        """Delete expired idempotency keys, messages past their source's retention
        and audit lines past the configured retention."""
        keys = self.env["integration.idempotency.key"]._gc_expired()
        now = fields.Datetime.now()
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
            "Inbound housekeeping: %s keys, %s messages, %s audit lines deleted",
            keys,
            messages,
            audits,
        )
        return keys, messages, audits
