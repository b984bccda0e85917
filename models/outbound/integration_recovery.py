# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models

from ..common import queue_jobs
from .integration_delivery import DELIVERY_PENDING

_logger = logging.getLogger(__name__)

# Settings (system parameters, on the Integration Hub settings page) and their
# defaults: together they bound how long a delivery stranded by a fault waits,
# about STRANDED_AFTER + RECOVERY_INTERVAL (40 s), within 60 s.
RECOVERY_INTERVAL_PARAM = "integration_hub.recovery_interval_seconds"
RECOVERY_INTERVAL = 20
STRANDED_AFTER_PARAM = "integration_hub.stranded_after_seconds"
STRANDED_AFTER = 20
# A worker commits a job as started just before it takes the job's lock row.
STARTED_LOCK_WINDOW = timedelta(seconds=10)
RECOVERY_IDENTITY = "integration_hub.recover_stranded"


class IntegrationRecovery(models.AbstractModel):
    """Recovery after a fault: what a killed worker, a restarted node or a
    restarted PostgreSQL left behind goes out again within the recovery
    settings, not at the next idle wake-up of queue_job's runner.

    Two paths, both bounded by the settings: jobs of the hub left *started*
    or *enqueued* by a dead worker are put back to pending; due deliveries
    whose job ended without sending them (failed, deleted, found dead) get a
    new job. The sweep runs as a queue_job job that schedules its successor
    ``recovery_interval_seconds`` later (the runner wakes at a job's ``eta``
    to the second, Odoo's cron thread only about once a minute), and from the
    deliveries' cron every minute, which also restarts that chain should its
    job be lost.
    """

    _name = "integration.recovery"
    _description = "Integration Recovery Sweep"

    @api.model
    def _recovery_settings(self):
        """``(recovery interval, stranded after)`` in seconds."""
        params = self.env["ir.config_parameter"].sudo()
        return (
            int(params.get_param(RECOVERY_INTERVAL_PARAM, RECOVERY_INTERVAL)),
            int(params.get_param(STRANDED_AFTER_PARAM, STRANDED_AFTER)),
        )

    @api.model
    def _recover_stranded(self):
        """Requeue the hub's dead jobs and enqueue the due deliveries left
        without a job; return ``(jobs requeued, deliveries enqueued)``."""
        _interval, stranded_after = self._recovery_settings()
        now = fields.Datetime.now()
        requeued = queue_jobs.requeue_dead_jobs(
            self.env,
            started_before=now - STARTED_LOCK_WINDOW,
            enqueued_before=now - timedelta(seconds=stranded_after),
        )
        if requeued:
            _logger.warning("Requeued %s jobs left by a dead worker", len(requeued))
        endpoints = self.env["integration.endpoint"].search(
            self.env["integration.endpoint"]._sending_domain()
        )
        if not endpoints:
            return len(requeued), 0
        due = (
            self.env["integration.delivery"]
            .sudo()
            .search_fetch(
                [
                    ("state", "=", DELIVERY_PENDING),
                    ("endpoint_id", "in", endpoints.ids),
                    ("next_attempt_at", "<=", now - timedelta(seconds=stranded_after)),
                ],
                ["job_uuid"],
            )
        )
        # Two queries however many deliveries wait.
        live = queue_jobs.live_job_uuids(self.env, due.mapped("job_uuid"))
        left_behind = due.filtered(lambda delivery: delivery.job_uuid not in live)
        if left_behind:
            _logger.info("Enqueuing %s deliveries left behind", len(left_behind))
            left_behind._enqueue()
        return len(requeued), len(left_behind)

    @api.model
    def _recover_stranded_job(self):
        """Job: the recovery sweep, then the next one ``recovery_interval``
        later."""
        requeued, enqueued = self._recover_stranded()
        self._schedule_recovery()
        return f"{requeued} jobs requeued, {enqueued} deliveries enqueued"

    @api.model
    def _schedule_recovery(self):
        """Enqueue the next recovery sweep unless one is waiting already (one
        identity key for the chain); an interval of 0 leaves it to the cron."""
        interval, _stranded = self._recovery_settings()
        if interval <= 0:
            return
        self.sudo().with_delay(
            eta=interval,
            identity_key=RECOVERY_IDENTITY,
            description="Integration: recover stranded deliveries",
        )._recover_stranded_job()
