# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import time
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL

from ...tools import backoff
from ...tools import event_log
from ...tools import redaction
from ...tools import transactions
from ...tools import webhook_post
from .integration_delivery import DELIVERY_DEAD
from .integration_delivery import DELIVERY_DELIVERED
from .integration_delivery import DELIVERY_FAILED
from .integration_delivery import DELIVERY_PENDING
from .integration_delivery_sending import COMMIT_ATTEMPTS

# Error class of an attempt refused before sending (unsafe target).
ERROR_UNSAFE_URL = "UnsafeURL"
# Columns written by _store_attempts, in the order of its tuples.
ATTEMPT_COLUMNS = (
    "delivery_id",
    "endpoint_id",
    "attempt_number",
    "attempted_at",
    "duration_ms",
    "status_code",
    "outcome",
    "error_class",
    "error_message",
    "response_body",
    "request_headers",
)
AUDIT_COLUMNS = ("create_date", "create_uid", "write_date", "write_uid")


class IntegrationDeliveryRecording(models.Model):
    """Recording what sending did: one attempt row per request (or refusal)
    and the deliveries' next state, written in a few SQL statements per group
    of attempts, and one event log record per attempt."""

    _inherit = "integration.delivery"

    def _record_results(self, endpoint, results):
        """Store an attempt per result and move each delivery on.

        What is stored is read by every Integration User: the headers are
        masked (custom header values are the managers' alone) and the texts
        are cleaned of the endpoint's URL, which may hold a credential.
        """
        if not results:
            return
        schedule = backoff.parse_schedule(endpoint.retry_schedule)
        urls = (endpoint.sudo().url,)
        custom_names = {
            name.lower() for name in endpoint.sudo()._parsed_custom_headers()
        }
        attempts, updates = [], []
        gone_status = None
        for delivery, (headers, result) in results.items():
            result = result._replace(
                error_message=redaction.redact_text(result.error_message, urls),
                response_body=redaction.redact_text(
                    result.response_body, urls, any_url=False
                ),
            )
            attempt_number = delivery.attempt_count + 1
            attempts.append(
                (
                    delivery.id,
                    endpoint.id,
                    attempt_number,
                    result.attempted_at,
                    result.duration_ms,
                    result.status_code,
                    result.outcome,
                    result.error_class,
                    result.error_message,
                    result.response_body,
                    json.dumps(
                        redaction.mask_headers(headers, custom_names),
                        indent=1,
                        sort_keys=True,
                    ),
                )
            )
            state, next_attempt_at, delivered_at = (
                delivery.state,
                delivery.next_attempt_at,
                None,
            )
            if result.outcome == backoff.DELIVERED:
                state, next_attempt_at = DELIVERY_DELIVERED, None
                delivered_at = result.attempted_at
            elif result.outcome == backoff.RETRY:
                delay = backoff.next_attempt_delay(schedule, attempt_number + 1)
                if delay is None:
                    state, next_attempt_at = DELIVERY_DEAD, None
                else:
                    asked = backoff.parse_retry_after(result.retry_after, time.time())
                    next_attempt_at = result.attempted_at + timedelta(
                        seconds=max(delay, asked or 0)
                    )
            elif result.outcome == backoff.GONE:
                # Kept pending, as it was: it goes out once the endpoint is
                # enabled again.
                gone_status = result.status_code
            else:
                state, next_attempt_at = DELIVERY_FAILED, None
            updates.append(
                (
                    delivery.id,
                    state,
                    attempt_number,
                    next_attempt_at,
                    result.status_code,
                    webhook_post.error_text(result),
                    delivered_at,
                )
            )
        self._store_attempts(attempts, updates)
        if gone_status:
            endpoint._disable_gone(gone_status)
        # The states just written, without reading them back.
        self.browse(u[0] for u in updates if u[1] == DELIVERY_PENDING)._enqueue()
        if self.env.context.get(COMMIT_ATTEMPTS):
            # What was sent is on record before the next request goes out: a
            # crash from here on sends none of these again. The commit keeps
            # the caches that Odoo's would empty: the deliveries and attempts
            # written are invalidated above, and the rest (endpoint, events,
            # circuit) is what the job has read already. Emptied, it is read
            # again for every group of attempts (outbound benchmark: 131
            # events/s with Odoo's commit, 305 with this one, measured in the
            # same period).
            transactions.commit_keeping_cache(self.env.cr)

    def _record_refusal(self, now, message):
        """The URL guard refused the target at send time: fail without sending.

        The guard's reason may quote the URL: users read it redacted.
        """
        message = redaction.redact_text(message, self.endpoint_id.sudo().mapped("url"))
        error = f"{ERROR_UNSAFE_URL}: {message}"[:250]
        self._store_attempts(
            [
                (
                    delivery.id,
                    delivery.endpoint_id.id,
                    delivery.attempt_count + 1,
                    now,
                    0,
                    0,
                    backoff.FAILED,
                    ERROR_UNSAFE_URL,
                    message,
                    "",
                    "",
                )
                for delivery in self
            ],
            [
                (d.id, DELIVERY_FAILED, d.attempt_count + 1, None, 0, error, None)
                for d in self
            ],
        )

    @api.model
    def _store_attempts(self, attempts, updates):
        """Insert attempt rows and update their deliveries, two statements for a
        whole batch.

        :param attempts: tuples in the order of ``ATTEMPT_COLUMNS``.
        :param updates: tuples ``(id, state, attempt_count, next_attempt_at,
            last_status_code, last_error, delivered_at)``.
        """
        self.flush_model()
        Attempt = self.env["integration.delivery.attempt"]
        Attempt.flush_model()
        now, uid = fields.Datetime.now(), self.env.uid
        # Plain SQL: an ORM create and write per delivery would take as long as
        # sending the requests, and a job records up to hundreds at a time.
        self.env.cr.execute(
            SQL(
                "INSERT INTO integration_delivery_attempt (%s) VALUES %s",
                SQL(", ").join(
                    SQL.identifier(column)
                    for column in (*ATTEMPT_COLUMNS, *AUDIT_COLUMNS)
                ),
                SQL(", ").join(
                    SQL("%s", (*attempt, now, uid, now, uid)) for attempt in attempts
                ),
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE integration_delivery d
                   SET state = v.state,
                       attempt_count = v.attempt_count,
                       next_attempt_at = v.next_attempt_at::timestamp,
                       last_status_code = v.last_status_code,
                       last_error = v.last_error,
                       delivered_at = COALESCE(v.delivered_at::timestamp,
                                               d.delivered_at),
                       write_date = %s,
                       write_uid = %s
                  FROM (VALUES %s) AS v(id, state, attempt_count, next_attempt_at,
                                        last_status_code, last_error, delivered_at)
                 WHERE d.id = v.id
                """,
                now,
                uid,
                SQL(", ").join(SQL("%s", update) for update in updates),
            )
        )
        self._log_attempts(attempts, updates)
        # Only the deliveries written: a sending job records a group of attempts
        # at a time, and the rest of its batch stays read.
        self.browse(update[0] for update in updates).invalidate_recordset()
        Attempt.invalidate_model()

    def _log_attempts(self, attempts, updates):
        """One ``integration_hub.events`` record per stored attempt; its request
        id is the webhook's message id, the one the receiver sees. From what the
        sending read already: no query on the way."""
        if not event_log.enabled():
            return
        states = {update[0]: update[1] for update in updates}
        rows = [
            dict(zip(ATTEMPT_COLUMNS, attempt, strict=False)) for attempt in attempts
        ]
        # One recordset, so that anything not yet cached is read for all at once.
        deliveries = self.browse(values["delivery_id"] for values in rows)
        for delivery, values in zip(deliveries, rows, strict=True):
            event_log.log_event(
                event_log.DELIVERY_ATTEMPT,
                values["outcome"],
                values["duration_ms"],
                delivery.event_id.uid,
                delivery_id=delivery.id,
                endpoint_id=values["endpoint_id"],
                event_id=delivery.event_id.id,
                attempt=values["attempt_number"],
                status_code=values["status_code"],
                error_class=values["error_class"] or None,
                state=states.get(delivery.id),
            )
