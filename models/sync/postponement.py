# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Postponing a sync job while its backend's circuit is open.

A job that meets an open circuit (``remote_client.CircuitOpenError``, raised by
``integration.backend._remote`` before anything is sent) is not a failure of
the job: it raises queue_job's ``RetryableJobError`` for the seconds until the
circuit lets trial calls through, with ``ignore_retry`` so that an outage never
uses up the job's retries. queue_job rolls the job's transaction back and sets
it pending again with that ``eta``. Outside a stored job (a call made from the
back office, or jobs run at once with queue_job's ``queue_job__no_delay``) the
error goes on to the caller.
"""

from odoo.addons.queue_job.exception import RetryableJobError


def running_job(env):
    """The stored ``queue.job`` running in ``env`` (empty outside a job, and
    for jobs run at once, which are not stored)."""
    uuid = env.context.get("job_uuid")
    Job = env["queue.job"].sudo()
    return Job.search([("uuid", "=", uuid)], limit=1) if uuid else Job


def postpone_job(env, error):
    """Inside a stored job, raise the postponement for the open circuit of
    ``error`` (a ``CircuitOpenError``); elsewhere, return."""
    if running_job(env):
        raise RetryableJobError(
            str(error), seconds=error.retry_after, ignore_retry=True
        ) from None
