# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from concurrent.futures import ThreadPoolExecutor

from odoo import fields
from odoo import models

from ...tools import backoff
from ...tools import circuit as circuit_logic
from ...tools import pinned_http
from ...tools import webhook_post
from .integration_delivery import DELIVERY_PENDING

# Context key set by a sending job: commit each attempt's outcome as it completes
# (``integration.endpoint._send_due_deliveries``).
COMMIT_ATTEMPTS = "integration_commit_attempts"
# Most requests handed to the endpoint's thread pool at once.
MAX_WAVE = 64

# One pooled HTTP session per endpoint and worker process: a connection pool,
# not shared state, so keep-alive connections are reused from job to job. Each is
# pinned to the endpoint's vetted address: (pool size, target, session).
_SESSIONS = {}


class IntegrationDeliverySending(models.Model):
    """Sending deliveries: waves of signed POSTs to an endpoint, asking its
    circuit before each wave.

    The delivery model itself (``integration_delivery.py``) keeps the records,
    enqueuing, operator actions and housekeeping; this part is what a sending
    job runs, and ``integration_delivery_recording.py`` records each attempt.
    """

    _inherit = "integration.delivery"

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
            self.env["integration.outbound.guard"]._tls_policy(),
        )
        secrets = endpoint._current_secrets(now)
        custom_headers = endpoint.sudo()._parsed_custom_headers()
        url, timeout = endpoint.url, endpoint.timeout
        queue = list(self)
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
                    (delivery, *delivery._request(endpoint, secrets, custom_headers))
                    for delivery in self._still_pending(wave)
                ]
                wave_results = []
                # In a sending job, a request starts only when an earlier
                # one's outcome is on record: at most max_concurrency requests
                # are ever sent and not recorded, all a crash can send twice.
                # Otherwise (the caller's transaction) the wave is one group.
                committing = self.env.context.get(COMMIT_ATTEMPTS)
                for results in webhook_post.post_in_turn(
                    pool,
                    lambda body, headers: webhook_post.post(
                        session, url, timeout, body, headers
                    ),
                    requests_,
                    endpoint.max_concurrency if committing else len(requests_),
                ):
                    self._record_results(endpoint, results)
                    wave_results += [result for _h, result in results.values()]
                if not wave_results:
                    continue
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

    def _still_pending(self, wave):
        """Those of ``wave`` still pending, locked again after the commits of
        earlier attempts released their row locks (an operator may have
        cancelled one meanwhile)."""
        if not self.env.context.get(COMMIT_ATTEMPTS):
            return wave
        self.flush_model()
        # SKIP LOCKED: a delivery an operator's transaction holds is left for
        # the next job, like in ``_lock_due``.
        self.env.cr.execute(
            """
            SELECT id FROM integration_delivery
             WHERE id = ANY(%s) AND state = %s
               FOR UPDATE SKIP LOCKED
            """,
            ([d.id for d in wave], DELIVERY_PENDING),
        )
        kept = {row[0] for row in self.env.cr.fetchall()}
        return [delivery for delivery in wave if delivery.id in kept]

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

    def _postpone(self, until):
        """The circuit is open: try again at ``until``, without an attempt."""
        self.write({"next_attempt_at": until})
        self._enqueue()
