# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The processor: stored inbound messages go to what handles their event type.

One :class:`Processor` works for one inbound source. Its processing job
(``integration.inbound.source._process_queued_messages``) drains the source's
queued messages in batches (:meth:`Processor.drain`); each message goes to the
server action the source maps to its event type, else to the handler the
database declares for it (``integration.inbound.message._inbound_handlers``).
A batch runs in one savepoint; when a handler fails, the batch runs again with a
savepoint per message, and the failed message is retried by a job of its own
(``integration.inbound.message._process``, :meth:`Processor.process`).

The states of a message and the identity of a source's processing job are
defined here: the statement storing a delivery (delivery.py) links the message
to that job. Not a model: a plain class the jobs instantiate.
"""

import json
import logging
import time

from odoo import _
from odoo import fields
from odoo.addons.queue_job.exception import RetryableJobError

from ...tools import event_log
from ...tools import transactions

_logger = logging.getLogger(__name__)

STATE_QUEUED = "queued"
STATE_DONE = "done"
STATE_FAILED = "failed"
# Nothing handles its event type (no event action of its source, no handler of
# the database): accepted, never processed.
STATE_IGNORED = "ignored"


def state_outcome(state):
    """The event log's outcome for a message left in ``state`` by a handler."""
    return "ignored" if state == STATE_IGNORED else "processed"


INBOUND_CHANNEL = "root.integration.inbound"
# A failed message is retried after the first step of its job function's retry
# pattern (data/inbound_queue_job_data.xml), in seconds.
FIRST_RETRY_DELAY = 10
# The processing job of a source commits every this many messages, and hands
# over to a new job after this many seconds (an HTTP worker must not be held
# for ever while deliveries keep coming).
PROCESSING_BATCH_SIZE = 100
PROCESSING_TIME_BUDGET = 30


def processing_identity(source_id):
    """The ``identity_key`` of the processing jobs of source ``source_id``."""
    return f"integration.inbound.source:{source_id}:process_queued_messages"


def error_text(error):
    """How a handler's ``error`` is stored on its message."""
    return f"{type(error).__name__}: {error}"


class Processor:
    """Processes the inbound messages of ``source``.

    The sender is not an Odoo user and a reprocess must behave like the first
    run, whoever queued it: handlers run with full rights, in the company of
    the source.
    """

    def __init__(self, source):
        source.ensure_one()
        source = source.sudo()
        self.source = source.with_company(source.company_id)
        self.env = self.source.env
        self.messages = self.env["integration.inbound.message"]
        # What handles an event type, looked up once per batch.
        self._targets = {}
        # How long each message's handler took (ms), for the event log.
        self._durations = {}

    def drain(self):
        """Process every message of the source queued when the job starts,
        oldest first, committing after each batch; return how many succeeded
        and how many failed.

        Runs in the source's processing job, with the job's own cursor. Each
        message is locked with ``FOR UPDATE SKIP LOCKED`` while its state is
        still queued, so two jobs of the same source share the work and never
        process a message twice.
        """
        cr = self.env.cr
        # READ COMMITTED: every batch sees the messages committed meanwhile, and a
        # message another job has just processed is skipped instead of failing
        # the transaction with a serialization error. The job function allows
        # commits: this cursor is the job's own.
        transactions.switch_to_read_committed(cr, self.env.registry)
        job_uuid = self.env.context.get("job_uuid")
        job = self.env["queue.job"].search([("uuid", "=", job_uuid)])
        deadline = time.monotonic() + PROCESSING_TIME_BUDGET
        # The messages queued when the job starts (its own among them: they
        # joined it while it was pending). Those arriving meanwhile join the next
        # job, and are processed in full batches by it rather than one by one by
        # this job chasing them.
        cr.execute(
            "SELECT max(id) FROM integration_inbound_message"
            " WHERE source_id = %s AND state = %s",
            (self.source.id, STATE_QUEUED),
        )
        last_id = cr.fetchone()[0] or 0
        done = failed = 0
        while True:
            cr.execute(
                "SELECT id FROM integration_inbound_message"
                " WHERE source_id = %s AND state = %s AND id <= %s"
                " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                (self.source.id, STATE_QUEUED, last_id, PROCESSING_BATCH_SIZE),
            )
            ids = [row[0] for row in cr.fetchall()]
            if not ids:
                break
            batch_done, batch_failed = self.process_batch(
                self.messages.browse(ids), job.id
            )
            done += batch_done
            failed += batch_failed
            cr.commit()  # pylint: disable=invalid-commit
            if time.monotonic() > deadline:
                # What is left goes to a new job, on a free worker.
                self.source._processing_job()
                cr.commit()  # pylint: disable=invalid-commit
                break
        return done, failed

    def process_batch(self, messages, job_id=None):
        """Process ``messages``, locked by the caller (the source's processing
        job ``job_id``), in order; return how many succeeded and how many failed.

        A failing handler's writes are undone, the message is marked failed with
        the error in the caller's transaction, and a job of its own retries it
        (:meth:`process`), so that one failure neither stops nor undoes the
        other messages of the batch. The batch runs in one savepoint; when a
        handler fails, everything the batch wrote is undone and the batch runs
        again with a savepoint per message (the handlers of the messages before
        the failing one run again then: like any job retried by queue_job, a
        handler must be safe to run again after its writes were undone).
        """
        messages = messages.with_env(self.env)
        self._targets.clear()
        try:
            with self.env.cr.savepoint():
                succeeded = [
                    (message.id, *self._timed_dispatch(message)) for message in messages
                ]
        except Exception:
            succeeded = []
            for message in messages:
                try:
                    with self.env.cr.savepoint():
                        succeeded.append((message.id, *self._timed_dispatch(message)))
                except Exception as error:
                    self._retry_later(message, error)
        if succeeded:
            ids, states, results = zip(*succeeded, strict=True)
            # One statement marks the batch processed (or ignored), where the
            # ORM would update each message on its own.
            self.env.cr.execute(
                """
                UPDATE integration_inbound_message AS message
                   SET state = done.state, result = done.result, error = NULL,
                       attempt_count = message.attempt_count + 1,
                       processed_at = CASE WHEN done.state = %s
                                           THEN %s::timestamp END,
                       job_id = COALESCE(%s, message.job_id)
                  FROM unnest(%s::int[], %s::varchar[], %s::text[])
                       AS done(id, state, result)
                 WHERE message.id = done.id
                """,
                (
                    STATE_DONE,
                    fields.Datetime.now(),
                    job_id or None,
                    list(ids),
                    list(states),
                    list(results),
                ),
            )
            for message, state in zip(messages.browse(ids), states, strict=True):
                self._log_processed(message, state_outcome(state))
            messages.browse(ids).invalidate_recordset()
        return len(succeeded), len(messages) - len(succeeded)

    def process(self, message):
        """Process this one message (the job retrying a failed message); return
        the result.

        A processed message is never processed again. A failing handler leaves
        the message failed with its error and raises :class:`RetryableJobError`,
        so queue_job retries it per the job function's retry pattern.
        """
        message = message.with_env(self.env)
        try:
            # The savepoint undoes a failed handler's writes, and releases the
            # message's lock, without losing the job's own transaction.
            with self.env.cr.savepoint():
                if not self._lock(message):
                    return _("Already processed")
                message.invalidate_recordset()
                state, result = self._timed_dispatch(message)
        except Exception as error:
            self._record_failure(message, error)
            raise RetryableJobError(error_text(error)) from error
        message.write(
            {
                "state": state,
                "result": result,
                "error": False,
                "attempt_count": message.attempt_count + 1,
                "processed_at": state == STATE_DONE and fields.Datetime.now(),
            }
        )
        self._log_processed(message, state_outcome(state))
        return result

    def _lock(self, message):
        """Lock ``message`` for processing; False when it is already processed or
        another job holds it (it is then processed by that job)."""
        # SKIP LOCKED: a message is processed by whichever job locks it first,
        # the other moves on; the state re-checked under the lock makes a
        # processed message never processed again.
        self.env.cr.execute(
            "SELECT id FROM integration_inbound_message"
            " WHERE id = %s AND state != %s FOR UPDATE SKIP LOCKED",
            (message.id, STATE_DONE),
        )
        return bool(self.env.cr.fetchone())

    def _log_processed(self, message, outcome, error=None):
        """The ``integration_hub.events`` record of ``message`` processed (or
        failed), from fields the processing read already."""
        if not event_log.enabled():
            return
        event_log.log_event(
            event_log.INBOUND_PROCESSED,
            outcome,
            self._durations.get(message.id),
            message.request_id,
            source=self.source.slug,
            message_id=message.id,
            event_type=message.event_type,
            error_class=type(error).__name__ if error else None,
        )

    # -- dispatch ------------------------------------------------------------------

    def _timed_dispatch(self, message):
        """:meth:`_dispatch`, its duration kept for the event log."""
        started = time.monotonic()
        try:
            return self._dispatch(message)
        finally:
            self._durations[message.id] = round((time.monotonic() - started) * 1000)

    def _target(self, event_type):
        """What handles ``event_type``: ``(server action, handler, text)``. The
        server action mapped on the source wins, then the handler declared for
        the event type; ``text`` is the result of a handler that returns
        nothing, or of the message when nothing handles it."""
        if event_type not in self._targets:
            self._targets[event_type] = self._find_target(event_type)
        return self._targets[event_type]

    def _find_target(self, event_type):
        action = self.source._action_for(event_type)
        if action:
            return action, None, None
        handler = self.messages._find_handler(event_type)
        if handler:
            name = handler if isinstance(handler, str) else handler.__name__
            return None, handler, _("Handled by %(name)s.", name=name)
        return (
            None,
            None,
            _(
                "No handler for event type %(type)s; ignored.",
                type=event_type or "?",
            ),
        )

    def _dispatch(self, message):
        """Run the mapped server action or the declared handler on ``message``;
        return its new state (processed, or ignored when nothing handles its
        event type) and the result as text."""
        action, handler, text = self._target(message.event_type or "")
        if action:
            returned = action.with_context(
                active_model=message._name, active_id=message.id, active_ids=message.ids
            ).run()
            if returned:
                return STATE_DONE, _(
                    "Server action %(name)s ran: %(returned)s.",
                    name=action.name,
                    returned=returned,
                )
            return STATE_DONE, _("Server action %(name)s ran.", name=action.name)
        if not handler:
            return STATE_IGNORED, text
        if isinstance(handler, str):
            returned = getattr(message, handler)()
        else:
            returned = handler(self.env, message)
        if returned is None or isinstance(returned, str):
            return STATE_DONE, returned or text
        return STATE_DONE, json.dumps(returned, default=str)

    # -- failures ------------------------------------------------------------------

    def _retry_later(self, message, error):
        """Mark ``message`` failed with ``error`` and queue a job retrying it."""
        _logger.warning(
            "Inbound message %s (%s) failed: %s", message.id, message.event_type, error
        )
        self._log_processed(message, "failed", error)
        retry = message.with_delay(
            channel=INBOUND_CHANNEL,
            eta=FIRST_RETRY_DELAY,
            description=f"Retry inbound {message.event_type or 'message'}",
        )._process()
        message.write(
            {
                "state": STATE_FAILED,
                "error": error_text(error),
                "attempt_count": message.attempt_count + 1,
                "job_id": retry.db_record().id,
            }
        )

    def _record_failure(self, message, error):
        """Mark ``message`` failed with ``error``, in a transaction of its own.

        The job's transaction is rolled back when the error propagates to queue_job
        (that is how it retries), so the failure is committed separately for the
        operators to see meanwhile. The handler's writes were undone by the
        savepoint, so this row is not locked by the job's transaction.
        """
        _logger.warning(
            "Inbound message %s (%s) failed: %s", message.id, message.event_type, error
        )
        self._log_processed(message, "failed", error)
        with self.env.registry.cursor() as cr:
            failed = message.with_env(self.env(cr=cr))
            failed.write(
                {
                    "state": STATE_FAILED,
                    "error": error_text(error),
                    "attempt_count": message.attempt_count + 1,
                }
            )
            # Flushed here: the commit flushes only environments still alive.
            failed.flush_recordset()
        message.invalidate_recordset()
