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

_logger = logging.getLogger(__name__)

STATE_QUEUED = "queued"
STATE_DONE = "done"
STATE_FAILED = "failed"

INBOUND_CHANNEL = "root.integration.inbound"
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

    The controller stores it and enqueues :meth:`_process` in the same transaction
    as the idempotency key claim, so each accepted delivery is stored once and
    processed by a queue_job job, outside the HTTP request.
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
        """Queue one processing job per message, on the inbound channel.

        A job runs as the user who queued it (an operator's reprocess shows who
        did it), in the message's company; :meth:`_process` raises its rights.
        """
        for message in self:
            job = (
                message.with_company(message.company_id)
                .with_delay(
                    channel=INBOUND_CHANNEL,
                    description=f"Process inbound {message.event_type or 'message'}",
                )
                ._process()
            )
            # One statement links the job, where the ORM would search it by uuid
            # and then write: this runs in every webhook request.
            self.env.cr.execute(
                "UPDATE integration_inbound_message SET job_id ="
                " (SELECT id FROM queue_job WHERE uuid = %s) WHERE id = %s",
                (job.uuid, message.id),
            )
        self.invalidate_recordset(["job_id"])

    def _process(self):
        """Run the handler of this message's event type (queue_job job).

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
        if message.state == STATE_DONE:
            return _("Already processed")
        try:
            # The savepoint undoes a failed handler's writes without losing the
            # job's own transaction.
            with message.env.cr.savepoint():
                result = message._dispatch()
        except Exception as error:
            message._record_failure(error)
            raise RetryableJobError(f"{type(error).__name__}: {error}") from error
        message.write(
            {
                "state": STATE_DONE,
                "result": result,
                "error": False,
                "attempt_count": message.attempt_count + 1,
                "processed_at": fields.Datetime.now(),
            }
        )
        return result

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
