# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the hub asks of queue_job's jobs beyond ``with_delay()``, in one place,
with queue_job's own state constants.

Reading jobs goes through the ORM (``queue.job`` with :data:`LIVE_JOB_STATES`).
The only SQL on queue_job's table is the processing job of an inbound source:
its pending job is found, and share-locked, by the statement that stores a
delivery (:data:`PENDING_JOB_QUERY`, see
``integration.inbound.source._processing_job``), and its identity is written
where that statement looks for it (:func:`mark_identity`). The recovery sweep
puts the hub's jobs left running by a dead worker back to pending
(:func:`requeue_dead_jobs`), as queue_job's runner does on its loop, but
within a setting instead of at the runner's next idle wake-up (60 s). Storing a delivery
is the hot path of every accepted webhook. Done instead through queue_job's
``identity_key`` after the message is stored (its search, the link of the
message to the job), it costs about 1.8 ms of CPU per delivery and about 0.29
of the ``inbound`` benchmark's signed/bare ratio (interleaved runs, medians:
0.67 -> 0.38), and it loses the lock that makes a pending job wait for the
delivery's commit.
"""

import os

from odoo.addons.queue_job.job import ENQUEUED
from odoo.addons.queue_job.job import PENDING
from odoo.addons.queue_job.job import STARTED
from odoo.addons.queue_job.job import WAIT_DEPENDENCIES
from odoo.tools import config

# Channel of the hub's jobs (and prefix of its flows' channels).
HUB_CHANNEL = "root.integration"
DELIVERY_CHANNEL = f"{HUB_CHANNEL}.delivery"

# Job states in which a job will still run.
LIVE_JOB_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED, STARTED)

# The pending job of an identity key, share-locked until the caller commits.
# SKIP LOCKED: a job the runner is enqueueing right now is skipped.
PENDING_JOB_QUERY = (
    "SELECT id FROM queue_job WHERE identity_key = %s"
    f" AND state = '{PENDING}'"  # nosec B608  # queue_job's constant
    " ORDER BY id LIMIT 1 FOR SHARE SKIP LOCKED"
)


def pending_job_id(cr, identity):
    """The id of the pending job of ``identity``, share-locked until ``cr``
    commits, or None."""
    cr.execute(PENDING_JOB_QUERY, (identity,))
    row = cr.fetchone()
    return row[0] if row else None


def mark_identity(env, job_uuid, identity):
    """Give the job ``job_uuid`` the identity key ``identity``; return its id.

    Written after ``with_delay()``: queue_job's own ``identity_key`` would
    also reuse an enqueued job, which may already have looked for its work.
    """
    env.cr.execute(
        "UPDATE queue_job SET identity_key = %s WHERE uuid = %s RETURNING id",
        (identity, job_uuid),
    )
    env["queue.job"].invalidate_model(["identity_key"])
    return env.cr.fetchone()[0]


def live_job_uuids(env, uuids):
    """Those of the job ``uuids`` whose job will still run."""
    uuids = [uuid for uuid in uuids if uuid]
    if not uuids:
        return set()
    jobs = (
        env["queue.job"]
        .sudo()
        .search_fetch(
            [("uuid", "in", uuids), ("state", "in", LIVE_JOB_STATES)], ["uuid"]
        )
    )
    return set(jobs.mapped("uuid"))


# Jobs of the hub left ``started`` or ``enqueued`` by a worker that is gone.
# A running job holds the row of its ``queue_job_lock`` (``FOR NO KEY UPDATE``
# in the worker's transaction); a killed worker's connection closes and the
# lock goes with it, so a lock row this statement can take is a dead job's.
# A started job is only judged once ``started_before`` has passed (the worker
# commits ``started`` just before taking its lock); an enqueued one (the
# runner's request never reached a worker) once ``enqueued_before`` has.
DEAD_JOBS_QUERY = f"""
    UPDATE queue_job
       SET state = '{PENDING}',
           retry = CASE WHEN state = '{STARTED}' THEN COALESCE(retry, 0) + 1
                        ELSE retry END
     WHERE (channel = %(channel)s OR channel LIKE %(subchannels)s)
       AND ((state = '{STARTED}' AND date_started < %(started_before)s)
            OR (state = '{ENQUEUED}' AND date_enqueued < %(enqueued_before)s))
       AND (id IN (SELECT queue_job_id FROM queue_job_lock
                    WHERE queue_job_lock.queue_job_id = queue_job.id
                      FOR NO KEY UPDATE SKIP LOCKED)
            OR NOT EXISTS (SELECT 1 FROM queue_job_lock
                            WHERE queue_job_lock.queue_job_id = queue_job.id))
    RETURNING uuid
"""  # nosec B608  # queue_job's constants; the values are parameters


def requeue_dead_jobs(env, started_before, enqueued_before):
    """Put the hub's jobs whose worker is gone back to pending; return their
    uuids. The state change wakes queue_job's runner (its table trigger)."""
    env["queue.job"].flush_model()
    env.cr.execute(
        DEAD_JOBS_QUERY,
        {
            "channel": HUB_CHANNEL,
            "subchannels": f"{HUB_CHANNEL}.%",
            "started_before": started_before,
            "enqueued_before": enqueued_before,
        },
    )
    env["queue.job"].invalidate_model(["state", "retry"])
    return [row[0] for row in env.cr.fetchall()]


def runner_channels():
    """The ``channels`` setting queue_job's runner reads on this node: the
    ``ODOO_QUEUE_JOB_CHANNELS`` variable, else ``channels`` in the
    ``[queue_job]`` section of the Odoo configuration (as its runner does)."""
    return os.environ.get("ODOO_QUEUE_JOB_CHANNELS") or config.misc.get(
        "queue_job", {}
    ).get("channels")
