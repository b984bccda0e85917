# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.tools import SQL

from ...tools import job_channels
from ...tools import transactions
from ..common import queue_jobs
from ..common.res_config_settings import RECORD_EACH_ATTEMPT
from .integration_delivery_sending import COMMIT_ATTEMPTS
from .integration_endpoint import ENDPOINT_ACTIVE
from .integration_endpoint import ENDPOINT_DISABLED

# Deliveries one job sends before handing over to a follow-up job, so that a job's
# transaction (and the row locks it holds) stays short.
DELIVERIES_PER_JOB = 1000
BATCH_SIZE = 100
# Seconds after which a job sends no new wave: with a wave in flight (at most the
# 60 s timeout) it still ends well before Odoo's default limit_time_real (120 s).
JOB_TIME_BUDGET = 45
# How long a job waits before trying again when another job is already sending
# for the same endpoint.
BUSY_RETRY_SECONDS = 2
# Namespace of the PostgreSQL advisory locks that let one job at a time send for
# an endpoint (the second key is the endpoint id).
SENDER_LOCK_NAMESPACE = 0x1B0B


class IntegrationEndpointSending(models.Model):
    """The sending job of an endpoint (one at a time per endpoint, across
    workers) and what sending tells the operators: an open circuit, a receiver
    gone for good.

    The endpoint model itself (``integration_endpoint.py``) keeps its
    configuration, subscriptions and buttons.
    """

    _inherit = "integration.endpoint"

    delivery_capacity_warning = fields.Char(
        compute="_compute_delivery_capacity_warning",
        help="Set when queue_job runs one delivery job at a time on this node.",
    )

    def _compute_delivery_capacity_warning(self):
        warning = self._delivery_capacity_warning()
        for endpoint in self:
            endpoint.delivery_capacity_warning = warning

    @api.model
    def _delivery_capacity_warning(self):
        """A warning when the delivery channel's capacity is 1, else False.

        queue_job takes capacities from the server configuration only, which
        the module cannot set; with none, it runs one job at a time in all,
        so endpoints wait on each other and a second node adds nothing.
        """
        channels = queue_jobs.runner_channels()
        capacity = job_channels.channel_capacity(channels, queue_jobs.DELIVERY_CHANNEL)
        if capacity > 1:
            return False
        return _(
            "Deliveries run one job at a time: the job channel %(channel)s has a "
            "capacity of 1 (channels setting: %(setting)s). Set channels in the "
            "[queue_job] section of every node's Odoo configuration (or "
            "ODOO_QUEUE_JOB_CHANNELS), e.g. channels = "
            "root:4,root.integration.delivery:2, and restart the nodes.",
            channel=queue_jobs.DELIVERY_CHANNEL,
            setting=channels or _("none, so root:1"),
        )

    def _notify_circuit_opened(self, failures, reopen_at, reason):
        """Tell the operators that the circuit opened: a message and an activity
        for the responsible user."""
        self.ensure_one()
        message = _(
            "Circuit opened after %(failures)s consecutive failed attempts "
            "(%(reason)s). Deliveries are postponed until %(reopen)s (UTC).",
            failures=failures,
            reason=reason or _("no reason given"),
            reopen=reopen_at,
        )
        self.message_post(body=message)
        if self.user_id:
            self.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=_("Webhook endpoint failing: circuit open"),
                note=message,
                user_id=self.user_id.id,
            )

    def _on_circuit_reset(self, reopen_at, now):
        """Deliveries postponed by the circuit (until ``reopen_at``) go now."""
        self.env["integration.delivery"]._pull_forward_postponed(self, reopen_at, now)

    def _disable_gone(self, status_code):
        """The receiver answered 410 Gone: stop sending, keep what is pending."""
        for endpoint in self.filtered(lambda e: e.state == ENDPOINT_ACTIVE):
            endpoint.state = ENDPOINT_DISABLED
            endpoint.message_post(
                body=_(
                    "Disabled: the receiver answered HTTP %s (Gone). Pending "
                    "deliveries are kept and go out when the endpoint is active "
                    "again.",
                    status_code,
                )
            )

    def _deliver_due(self):
        """Job: send this endpoint's due deliveries.

        One job at a time sends for an endpoint (a PostgreSQL advisory lock), which
        is how ``max_concurrency`` holds across workers; the job sends at most
        ``DELIVERIES_PER_JOB`` deliveries within ``JOB_TIME_BUDGET`` seconds and
        leaves the rest to a follow-up job.
        """
        self.ensure_one()
        # The job runs as whoever emitted the event, often a user without any
        # integration rights: sending is the module's own work.
        return self.sudo()._send_due_deliveries()

    def _send_due_deliveries(self):
        """Send the due deliveries of this endpoint.

        Run as a job with ``integration_hub.record_each_attempt`` on (Settings:
        *Record each attempt before the next request*), sending happens on a
        cursor of its own that commits each
        attempt's outcome as it completes, so that a worker killed mid-job
        replays only the requests in flight, not a whole batch (the job's own
        cursor keeps queue_job's lock row, which tells the runner the job is
        alive). The one-sender-per-endpoint lock is then a session advisory
        lock, which survives those commits and is released at the end or when
        a dead worker's connection closes. Called outside a job (a button, a
        request), sending stays in the caller's transaction.
        """
        if self.state != ENDPOINT_ACTIVE:
            return _("Endpoint %s is not active; its deliveries wait.", self.name)
        registry = self.env.registry
        if not self.env.context.get("job_uuid") or not self.env[
            "ir.config_parameter"
        ].sudo().get_param(RECORD_EACH_ATTEMPT):
            # Transaction-scoped: released when the caller's transaction ends.
            self._take_sender_lock("pg_try_advisory_xact_lock")
            return self._send_due_batches()
        with transactions.read_committed_cursor(registry) as cr:
            endpoint = self.with_env(self.env(cr=cr)).with_context(
                **{COMMIT_ATTEMPTS: True}
            )
            endpoint._take_sender_lock("pg_try_advisory_lock")
            try:
                result = endpoint._send_due_batches()
                cr.commit()  # pylint: disable=invalid-commit
                return result
            except Exception:
                cr.rollback()  # the unlock below must not run in a failed one
                raise
            finally:
                cr.execute(
                    "SELECT pg_advisory_unlock(%s, %s)",
                    (SENDER_LOCK_NAMESPACE, self.id),
                )

    def _take_sender_lock(self, function):
        """Take this endpoint's sender lock with the advisory lock ``function``,
        or have the job tried again shortly: another job is sending."""
        self.env.cr.execute(
            SQL("SELECT %s(%s, %s)", SQL(function), SENDER_LOCK_NAMESPACE, self.id)
        )
        if not self.env.cr.fetchone()[0]:
            raise RetryableJobError(
                "another job is sending for this endpoint",
                seconds=BUSY_RETRY_SECONDS,
                ignore_retry=True,
            )

    def _send_due_batches(self):
        Delivery = self.env["integration.delivery"].sudo()
        done = Delivery
        deadline = time.monotonic() + JOB_TIME_BUDGET
        while (
            self.state == ENDPOINT_ACTIVE
            and len(done) < DELIVERIES_PER_JOB
            and time.monotonic() < deadline
        ):
            batch = Delivery._lock_due(
                self, min(BATCH_SIZE, DELIVERIES_PER_JOB - len(done)), done.ids
            )
            if not batch:
                break
            batch._send(deadline)
            done |= batch
        else:
            # Stopped by a limit, not for want of work: a new job goes on.
            if self.state == ENDPOINT_ACTIVE:
                Delivery._lock_due(self, 1, done.ids)._enqueue()
        return _("%s deliveries processed.", len(done))
