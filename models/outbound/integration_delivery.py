# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import NamedTuple

import requests

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ...tools import backoff
from ...tools import circuit as circuit_logic
from ...tools import pinned_http
from ...tools import redaction
from ..common import queue_jobs
from ..common.access import MANAGER
from ..common.access import USER
from ..common.access import check_group
from ..common.access import requires_group

_logger = logging.getLogger(__name__)

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

# Stored per attempt, and the most ever read of a response: a receiver answering
# with 50 MB must not make a worker read (or store) 50 MB.
RESPONSE_BODY_LIMIT = 2048
# A due delivery whose job is gone for this long was left behind (its worker
# died, the job failed) and is enqueued again by the sweeper.
LEFT_BEHIND_GRACE = timedelta(minutes=2)
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
# Most requests handed to the endpoint's thread pool at once.
MAX_WAVE = 64
PRECOMMIT_KEY = "integration_hub.deliveries_to_enqueue"
# What a delivery is: changing these re-targets it (managers only).
TARGET_FIELDS = frozenset(("event_id", "endpoint_id"))

# One pooled HTTP session per endpoint and worker process: a connection pool,
# not shared state, so keep-alive connections are reused from job to job. Each is
# pinned to the endpoint's vetted address: (pool size, target, session).
_SESSIONS = {}


class _Result(NamedTuple):
    """What one HTTP attempt gave."""

    attempted_at: object
    duration_ms: int
    status_code: int
    outcome: str
    error_class: str
    error_message: str
    response_body: str
    retry_after: str | None


def _post(session, url, timeout, body, headers):
    """POST once; never raises. Reads at most ``RESPONSE_BODY_LIMIT`` bytes."""
    attempted_at = fields.Datetime.now()
    started = time.monotonic()
    status, error_kind, error_class, error_message = 0, None, "", ""
    content, retry_after = b"", None
    try:
        response = session.post(
            url,
            data=body,
            headers=headers,
            timeout=timeout,
            stream=True,
            allow_redirects=False,
        )
    except requests.Timeout as error:
        error_kind, error_class, error_message = (
            backoff.ERROR_TIMEOUT,
            type(error).__name__,
            str(error),
        )
    except requests.ConnectionError as error:
        error_kind, error_class, error_message = (
            backoff.ERROR_CONNECTION,
            type(error).__name__,
            str(error),
        )
    except requests.RequestException as error:
        error_kind, error_class, error_message = (
            "request",
            type(error).__name__,
            str(error),
        )
    else:
        status = response.status_code
        retry_after = response.headers.get("Retry-After")
        try:
            content = response.raw.read(RESPONSE_BODY_LIMIT + 1, decode_content=True)
        except (requests.RequestException, OSError, ValueError) as error:
            # The status is what counts; a broken body only loses the excerpt.
            error_class, error_message = type(error).__name__, str(error)
        if len(content) <= RESPONSE_BODY_LIMIT and not error_class:
            # The whole body was read: the connection goes back to the pool.
            response.raw.release_conn()
        else:
            # Unread data remains: drop the connection rather than drain it.
            response.close()
    duration_ms = round((time.monotonic() - started) * 1000)
    outcome = backoff.classify_status(status or None, error_kind)
    return _Result(
        attempted_at,
        duration_ms,
        status,
        outcome,
        error_class,
        error_message[:500],
        content[:RESPONSE_BODY_LIMIT].decode("utf-8", "replace"),
        retry_after,
    )


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

    # Sending -----------------------------------------------------------------

    def _send(self, deadline=None):
        """Attempt these deliveries now, endpoint by endpoint.

        :param deadline: ``time.monotonic()`` value after which no new request
            starts; deliveries not attempted by then are enqueued again.
        """
        # Sending is the module's own bookkeeping (attempts, circuit), whoever
        # enqueued or clicked: it runs with superuser rights.
        deliveries = self.sudo()
        for endpoint in deliveries.endpoint_id:
            deliveries.filtered(lambda d, e=endpoint: d.endpoint_id == e)._send_to(
                endpoint, deadline
            )

    def _send_to(self, endpoint, deadline=None):
        """Attempt these deliveries of ``endpoint``, at most ``max_concurrency``
        at a time, asking its circuit before each wave."""
        if not endpoint.filtered_domain(endpoint._sending_domain()):
            return
        now = fields.Datetime.now()
        try:
            # Vetted and resolved once for all these deliveries; the session
            # connects to that address only (no second lookup).
            target = endpoint._check_target()
        except ValueError as error:
            self._record_refusal(now, str(error))
            return
        circuit = endpoint.circuit_id
        circuit_state = circuit.state
        failures = circuit.consecutive_failures
        # Kept per process and endpoint, so keep-alive connections survive
        # from job to job.
        session = pinned_http.kept_session(
            _SESSIONS,
            (self.env.cr.dbname, endpoint.id),
            target,
            endpoint.max_concurrency,
        )
        secrets = endpoint._current_secrets(now)
        custom_headers = endpoint.sudo()._parsed_custom_headers()
        url, timeout = endpoint.url, endpoint.timeout
        queue = list(self)
        results = {}
        wave_size = endpoint.max_concurrency
        with ThreadPoolExecutor(max_workers=endpoint.max_concurrency) as pool:
            while queue:
                if deadline and time.monotonic() > deadline:
                    self.browse(d.id for d in queue)._enqueue()
                    break
                size = min(len(queue), wave_size)
                if circuit_state != circuit_logic.CLOSED:
                    with circuit._in_own_transaction() as locked:
                        size, postpone_until = locked._admit(
                            size, fields.Datetime.now()
                        )
                    if not size:
                        self.browse(d.id for d in queue)._postpone(postpone_until)
                        break
                wave, queue = queue[:size], queue[size:]
                requests_ = [
                    delivery._request(endpoint, secrets, custom_headers)
                    for delivery in wave
                ]
                wave_results = list(
                    pool.map(
                        lambda req: _post(session, url, timeout, *req),
                        requests_,
                    )
                )
                for delivery, req, result in zip(
                    wave, requests_, wave_results, strict=True
                ):
                    results[delivery] = (req[1], result)
                successes = [
                    r.outcome != backoff.RETRY
                    for r in wave_results
                    if r.status_code or r.outcome == backoff.RETRY
                ]
                if (
                    circuit_state != circuit_logic.CLOSED
                    or failures
                    or not all(successes)
                ):
                    was_closed = circuit_state == circuit_logic.CLOSED
                    reopen_at = circuit.reopen_at
                    with circuit._in_own_transaction() as locked:
                        new_state = locked._record_outcomes(
                            successes,
                            fields.Datetime.now(),
                            reason=wave_results[-1].error_class
                            or f"HTTP {wave_results[-1].status_code}",
                        )
                    circuit.invalidate_recordset()
                    circuit_state = new_state.state
                    failures = new_state.consecutive_failures
                    if not was_closed and circuit_state == circuit_logic.CLOSED:
                        self._pull_forward_postponed(
                            endpoint, reopen_at, fields.Datetime.now()
                        )
                if any(r.outcome == backoff.GONE for r in wave_results):
                    break
                # While all goes well, let waves grow (the pool still caps the
                # concurrency) so that threads never wait for a slow one; at
                # the first failure, go back to small waves that the circuit
                # can stop at its threshold.
                if circuit_state == circuit_logic.CLOSED and all(successes):
                    wave_size = min(wave_size * 2, MAX_WAVE)
                else:
                    wave_size = endpoint.max_concurrency
        self._record_results(endpoint, results)

    def _request(self, endpoint, secrets, custom_headers):
        """The body and headers of an attempt of this delivery."""
        body = self.event_id.payload.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Odoo-Integration-Hub",
            **custom_headers,
            **endpoint._signature_scheme(endpoint.signature_scheme).sign(
                secrets,
                body,
                self.event_id.uid,
                int(time.time()),
            ),
        }
        return body, headers

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
                    _error_text(result),
                    delivered_at,
                )
            )
        self._store_attempts(attempts, updates)
        if gone_status:
            endpoint._disable_gone(gone_status)
        self.browse(d.id for d in results).filtered(
            lambda d: d.state == DELIVERY_PENDING
        )._enqueue()

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
        self.invalidate_model()
        Attempt.invalidate_model()

    def _postpone(self, until):
        """The circuit is open: try again at ``until``, without an attempt."""
        self.write({"next_attempt_at": until})
        self._enqueue()

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
        return action

    # Crons -------------------------------------------------------------------

    @api.model
    def _cron_requeue_left_behind(self):
        """Enqueue again the due deliveries whose job no longer exists or ended
        without sending them (a worker died, a server restarted): nothing
        committed is ever lost."""
        endpoints = self.env["integration.endpoint"].search(
            self.env["integration.endpoint"]._sending_domain()
        )
        if not endpoints:
            return
        due = self.sudo().search_fetch(
            [
                ("state", "=", DELIVERY_PENDING),
                ("endpoint_id", "in", endpoints.ids),
                ("next_attempt_at", "<=", fields.Datetime.now() - LEFT_BEHIND_GRACE),
            ],
            ["job_uuid"],
        )
        # Two queries however many deliveries wait.
        live = queue_jobs.live_job_uuids(self.env, due.mapped("job_uuid"))
        left_behind = due.filtered(lambda delivery: delivery.job_uuid not in live)
        if left_behind:
            _logger.info("Enqueuing %s deliveries left behind", len(left_behind))
            left_behind._enqueue()

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


def _error_text(result):
    if result.error_class:
        return f"{result.error_class}: {result.error_message}"[:250]
    if result.outcome != backoff.DELIVERED:
        return f"HTTP {result.status_code}"
    return None
