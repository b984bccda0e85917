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

from ...tools import handlers
from ...tools import prepared
from ...tools import transactions
from ...tools.prepared import sql_literal
from ..common import queue_jobs
from ..common.access import USER
from ..common.access import requires_group
from ..common.integration_idempotency_key import CLAIM_QUERY
from ..common.integration_idempotency_key import STATE_COMPLETED

_logger = logging.getLogger(__name__)

STATE_QUEUED = "queued"
STATE_DONE = "done"
STATE_FAILED = "failed"

INBOUND_CHANNEL = "root.integration.inbound"


def processing_identity(source_id):
    """The ``identity_key`` of the processing jobs of source ``source_id``."""
    return f"integration.inbound.source:{source_id}:process_queued_messages"


# A failed message is retried after the first step of its job function's retry
# pattern (data/inbound_queue_job_data.xml), in seconds.
FIRST_RETRY_DELAY = 10
# A queued message without a live job this long after it was stored is queued
# again by the housekeeping cron.
STRANDED_AFTER = timedelta(minutes=10)
AUDIT_RETENTION_PARAM = "integration_hub.inbound_audit_retention_days"
DEFAULT_AUDIT_RETENTION_DAYS = 30
# Stands for the message's id in the answer to a delivery, until the id is drawn.
ANSWER_ID_MARK = "@message_id@"
ANSWER_TEMPLATE = json.dumps(
    {
        "data": {
            "id": ANSWER_ID_MARK,
            "type": "inbound_message",
            "attributes": {"status": STATE_QUEUED},
        }
    }
)
# The statement of IntegrationInboundMessage._store_delivery. Its parameters
# are typed where PostgreSQL could not infer them, for it is prepared.
_ANSWER = sql_literal(ANSWER_TEMPLATE)
_ANSWER_ID_MARK = sql_literal(ANSWER_ID_MARK)
_CLAIM_VALUES = f"""
    SELECT %(scope)s::varchar, %(key)s::varchar, %(request_hash)s::varchar,
           {sql_literal(STATE_COMPLETED)}, %(expires_at)s::timestamp, 202,
           replace({_ANSWER}, {_ANSWER_ID_MARK}, new.id::text), '{{}}',
           %(now)s::timestamp
      FROM new
"""  # nosec B608  # constants composed, values passed as parameters
STORE_DELIVERY_QUERY = f"""
    WITH new AS (
        SELECT nextval('integration_inbound_message_id_seq') AS id
    ),
    claim AS ({CLAIM_QUERY.format(values=_CLAIM_VALUES)}),
    job AS ({queue_jobs.PENDING_JOB_QUERY.replace("%s", "%(identity)s")}),
    message AS (
        INSERT INTO integration_inbound_message
            (id, source_id, state, attempt_count, job_id, event_type,
             idempotency_key, request_id, remote_addr, headers, body, create_date)
        SELECT new.id, %(source_id)s::int4, {sql_literal(STATE_QUEUED)}, 0,
               (SELECT id FROM job), %(event_type)s::varchar, %(key)s::varchar,
               %(request_id)s::varchar, %(remote_addr)s::varchar,
               %(headers)s::text, %(body)s::text, %(now)s::timestamp
          FROM new, claim
        RETURNING id, job_id
    )
    SELECT message.id, message.job_id, claim.response_body
      FROM message, claim
"""  # nosec B608  # constants composed, values passed as parameters
# Idempotent: run again, it finds the key claimed.
STORE_DELIVERY = prepared.Statement(
    "integration_hub_store_delivery", STORE_DELIVERY_QUERY, idempotent=True
)


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
        ``headers`` and ``body`` of the message.

        This runs in every accepted webhook request, so it is one statement where
        the ORM would take many round trips: the claim is stored completed with
        the answer naming the message (whose id is drawn first), so a duplicate
        never sees a claim without its answer, and the message is inserted only
        when the claim was won. The statement is the whole transaction of the
        delivery, on a connection where it is planned once per worker
        (:mod:`..tools.prepared`).
        """
        now = fields.Datetime.now()
        rows = STORE_DELIVERY.run(
            self.env,
            {
                **claim,
                **values,
                "expires_at": now + timedelta(seconds=claim["ttl_seconds"]),
                "identity": processing_identity(source_id),
                "source_id": source_id,
                "now": now,
            },
        )
        if not rows:
            return None
        ((message_id, job_id, stored_answer),) = rows
        if not job_id:
            # No pending job to join: queue one, in the caller's transaction.
            # READ COMMITTED: under REPEATABLE READ, a transaction begun before
            # the message was committed would not see it to link it to the job.
            transactions.switch_to_read_committed(self.env.cr, self.env.registry)
            self.browse(message_id)._enqueue()
        return stored_answer

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
        # first run, whoever queued it: handlers run with full rights, in the
        # company of the message's source.
        message = self.sudo()
        message = message.with_company(message.company_id)
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
        other messages of the batch. The batch runs in one savepoint; when a
        handler fails, everything the batch wrote is undone and the batch runs
        again with a savepoint per message (the handlers of the messages before
        the failing one run again then: like any job retried by queue_job, a
        handler must be safe to run again after its writes were undone).
        """
        # What handles an event type is looked up once per batch.
        targets = {}

        def dispatch(message):
            key = (message.source_id.id, message.event_type or "")
            if key not in targets:
                targets[key] = message._dispatch_target()
            return message._dispatch(targets[key])

        try:
            with self.env.cr.savepoint():
                succeeded = [(message.id, dispatch(message)) for message in self]
        except Exception:
            succeeded = []
            for message in self:
                try:
                    with self.env.cr.savepoint():
                        succeeded.append((message.id, dispatch(message)))
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
                       processed_at = %s, job_id = COALESCE(%s, message.job_id)
                  FROM unnest(%s::int[], %s::text[]) AS done(id, result)
                 WHERE message.id = done.id
                """,
                (
                    STATE_DONE,
                    fields.Datetime.now(),
                    job_id or None,
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

    def _dispatch_target(self):
        """What handles this message's event type: ``(server action, handler,
        text)``. The server action mapped on the source wins, then the handler
        declared for the event type; ``text`` is the result of a handler that
        returns nothing, or of the message when nothing handles it."""
        event_type = self.event_type or ""
        action = self.source_id._action_for(event_type)
        if action:
            return action, None, None
        handler = self._find_handler(event_type)
        if handler:
            name = handler if isinstance(handler, str) else handler.__name__
            return None, handler, _("Handled by %(name)s.", name=name)
        return (
            None,
            None,
            _(
                "No handler for event type %(type)s; nothing to do.",
                type=event_type or "?",
            ),
        )

    def _dispatch(self, target=None):
        """Run the mapped server action or the registered handler; return the
        result as text. ``target``: this message's :meth:`_dispatch_target`,
        when the caller has it already."""
        action, handler, text = target or self._dispatch_target()
        if action:
            returned = action.with_context(
                active_model=self._name, active_id=self.id, active_ids=self.ids
            ).run()
            return _(
                "Server action %(name)s ran%(returned)s.",
                name=action.name,
                returned=f": {returned}" if returned else "",
            )
        if not handler:
            return text
        if isinstance(handler, str):
            returned = getattr(self, handler)()
        else:
            returned = handler(self.env, self)
        if returned is None or isinstance(returned, str):
            return returned or text
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
