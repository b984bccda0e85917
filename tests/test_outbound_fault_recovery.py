# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""After a fault, what was stranded goes out again within the recovery settings,
and what was already sent is not sent again: a sending job commits each
attempt, so a crash between a send and its commit replays that one attempt; a
job left *started* by a dead worker is requeued by the sweep while a live
worker's job is left alone; deliveries whose job ended without sending them
are enqueued again. Sending jobs run as the runner runs them: in committed
transactions of their own, against a real receiver on 127.0.0.1."""

import os
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.tests import HttpCase
from odoo.tests import TransactionCase
from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..models.outbound.integration_endpoint_sending import SENDER_LOCK_NAMESPACE
from ..tools import webhook_post
from .outbound_common import OutboundMixin
from .outbound_common import Receiver

EVENT_CODE = "outbound.fault"


class KillingReceiver(Receiver):
    """A receiver that, on its ``kill_at``-th request, terminates the database
    connection of the job sending to it before answering: the request was
    received, its outcome can no longer be committed (a worker killed between
    the send and the commit)."""

    def __init__(self, registry, endpoint_id, kill_at):
        super().__init__()
        self.registry = registry
        self.endpoint_id = endpoint_id
        self.kill_at = kill_at
        self.killed = []

    def _record(self, headers, body):
        super()._record(headers, body)
        if len(self.requests) != self.kill_at:
            return
        # The attempt before this one is committed by now: only this one's
        # outcome is lost.
        time.sleep(0.5)
        with self.registry.cursor() as cr:
            # The sender is whoever holds the endpoint's sender lock.
            cr.execute(
                """
                SELECT pg_terminate_backend(pid), pid FROM pg_locks
                 WHERE locktype = 'advisory' AND classid = %s AND objid = %s
                """,
                (SENDER_LOCK_NAMESPACE, self.endpoint_id),
            )
            self.killed += cr.fetchall()


@tagged("post_install", "-at_install")
class TestFaultRecovery(TransactionCase):
    """Committed data and real cursors: each case cleans up after itself."""

    def setUp(self):
        super().setUp()
        self.receiver = None
        self.created = {}
        self.addCleanup(self._drop_committed)

    def _committed(self, work):
        """Run ``work(env)`` in a transaction of its own, committed."""
        with self.registry.cursor() as cr:
            return work(self.env(cr=cr))

    def _setup_endpoint(self, url, **values):
        def create(env):
            params = env["ir.config_parameter"].sudo()
            self.created["params"] = {
                key: params.get_param(key)
                for key in (
                    "integration_hub.allowed_networks",
                    "integration_hub.allow_http",
                    "integration_hub.stranded_after_seconds",
                    "integration_hub.record_each_attempt",
                )
            }
            params.set_param("integration_hub.allowed_networks", "127.0.0.1")
            params.set_param("integration_hub.record_each_attempt", "True")
            params.set_param("integration_hub.allow_http", "True")
            EventType = env["integration.event.type"]
            event_type = EventType._by_code(EVENT_CODE) or EventType.create(
                {"code": EVENT_CODE}
            )
            endpoint = env["integration.endpoint"].create(
                {
                    "name": "Fault recovery",
                    "url": url,
                    "event_type_ids": [(6, 0, event_type.ids)],
                    "user_id": False,
                    **values,
                }
            )
            return endpoint.id

        self.endpoint_id = self._committed(create)
        self.created["endpoint"] = self.endpoint_id

    def _emit(self, count):
        """Emit ``count`` events (committed); drop the jobs enqueued for them,
        which these tests run themselves. Return the delivery ids."""

        def emit(env):
            Event = env["integration.event"]
            events = [Event.emit(EVENT_CODE, payload={"n": n}) for n in range(count)]
            env.cr.precommit.run()
            deliveries = env["integration.delivery"].browse(
                [d.id for e in events for d in e.delivery_ids]
            )
            env["queue.job"].search(
                [("uuid", "in", deliveries.mapped("job_uuid"))]
            ).unlink()
            return deliveries.ids

        return self._committed(emit)

    def _drop_committed(self):
        def drop(env):
            if self.created.get("endpoint"):
                env["integration.endpoint"].browse(self.created["endpoint"]).unlink()
            env["queue.job"].search(
                [("uuid", "in", self.created.get("jobs", []))]
            ).unlink()
            # Not left for a job runner serving the test database to run
            # inside another test's transaction.
            env["queue.job"].search(
                [
                    ("method_name", "in", ("_deliver_due", "_recover_stranded_job")),
                    ("state", "not in", ("started", "enqueued")),
                ]
            ).unlink()
            params = env["ir.config_parameter"].sudo()
            for key, value in self.created.get("params", {}).items():
                params.set_param(key, value or False)

        for _try in range(5):
            try:
                return self._committed(drop)
            except psycopg2.errors.SerializationFailure:
                time.sleep(0.5)  # a job runner serving the database is there
        return self._committed(drop)

    def _run_sending_job(self):
        """Run the endpoint's sending job as the runner does (a job uuid in the
        context, a transaction of its own); return the exception, if any."""

        def run(env):
            endpoint = env["integration.endpoint"].browse(self.endpoint_id)
            endpoint.with_context(job_uuid=str(uuid.uuid4()))._deliver_due()

        try:
            self._committed(run)
        except Exception as error:  # the crash under test
            return error
        return None

    def _states(self, delivery_ids):
        return self._committed(
            lambda env: Counter(
                env["integration.delivery"].browse(delivery_ids).mapped("state")
            )
        )

    def test_crash_between_send_and_commit_replays_one_attempt(self):
        # Concurrency 1: one request in flight when the worker dies.
        self._setup_endpoint("http://127.0.0.1:9/hook", max_concurrency=1)
        with KillingReceiver(self.registry, self.endpoint_id, kill_at=3) as receiver:
            self._committed(
                lambda env: (
                    env["integration.endpoint"]
                    .browse(self.endpoint_id)
                    .write({"url": receiver.url})
                )
            )
            delivery_ids = self._emit(6)
            error = self._run_sending_job()
            self.assertTrue(receiver.killed, "the sending connection was killed")
            self.assertIsNotNone(error, "the job died with its connection")
            # The two attempts before the crash are on record.
            self.assertEqual(self._states(delivery_ids)["delivered"], 2)
            self.assertIsNone(self._run_sending_job())
        self.assertEqual(self._states(delivery_ids), Counter(delivered=6))
        sent = Counter(r["headers"]["webhook-id"] for r in receiver.requests)
        self.assertEqual(len(sent), 6, "every message received")
        # Only the attempt whose commit was lost went out twice.
        self.assertEqual(sorted(sent.values()), [1, 1, 1, 1, 1, 2])

    def _job(self, env, state, started_ago):
        """A hub job in ``state``, started ``started_ago`` seconds ago, with
        the lock row its worker takes (not held by anyone).

        Enqueued just now and due in an hour: a job runner serving the test
        database (queue_job's own requeue looks at ``date_enqueued``) leaves
        it to the sweep under test, and does not run it once pending.
        """
        endpoint = env["integration.endpoint"].browse(self.endpoint_id)
        job = endpoint.with_delay(eta=3600)._deliver_due()
        self.created.setdefault("jobs", []).append(job.uuid)
        now = fields.Datetime.now()
        env.flush_all()
        env.cr.execute(
            """UPDATE queue_job SET state = %s, date_enqueued = %s,
                      date_started = %s
                WHERE uuid = %s RETURNING id""",
            (state, now, now - timedelta(seconds=started_ago), job.uuid),
        )
        job_id = env.cr.fetchone()[0]
        env.cr.execute(
            "INSERT INTO queue_job_lock (id, queue_job_id) VALUES (%s, %s)",
            (job_id, job_id),
        )
        return job.uuid

    def _job_state(self, job_uuid):
        return self._committed(
            lambda env: env["queue.job"].search([("uuid", "=", job_uuid)]).state
        )

    def test_job_left_started_by_a_dead_worker_is_requeued(self):
        self._setup_endpoint("http://127.0.0.1:9/hook")
        dead = self._committed(lambda env: self._job(env, "started", 30))
        alive = self._committed(lambda env: self._job(env, "started", 30))
        just_started = self._committed(lambda env: self._job(env, "started", 1))
        # A live worker holds its job's lock row for as long as the job runs.
        with self.registry.cursor() as worker:
            worker.execute(
                """SELECT 1 FROM queue_job_lock l JOIN queue_job j
                       ON j.id = l.queue_job_id
                    WHERE j.uuid = %s FOR NO KEY UPDATE""",
                (alive,),
            )
            requeued, _enqueued = self._committed(
                lambda env: env["integration.recovery"]._recover_stranded()
            )
            worker.rollback()
        self.assertGreaterEqual(requeued, 1)
        self.assertEqual(self._job_state(dead), "pending")
        self.assertEqual(self._job_state(alive), "started")
        # Its worker may not have taken the lock yet.
        self.assertEqual(self._job_state(just_started), "started")

    def test_the_sweep_keeps_its_own_job_chain(self):
        self._setup_endpoint("http://127.0.0.1:9/hook")

        def chain(env):
            Delivery = env["integration.delivery"]
            Delivery._cron_requeue_left_behind()
            Delivery._cron_requeue_left_behind()
            jobs = env["queue.job"].search(
                [
                    ("method_name", "=", "_recover_stranded_job"),
                    ("state", "in", ("pending", "enqueued")),
                ]
            )
            return [(job.channel, job.eta) for job in jobs]

        # A job runner serving the test database may be running one.
        jobs = self._committed(chain)
        self.assertEqual(len(jobs), 1, "one sweep waits at a time")
        ((channel, eta),) = jobs
        self.assertEqual(channel, "root.integration")
        self.assertLessEqual(
            eta, fields.Datetime.now() + timedelta(seconds=21), "within 20 s"
        )


class TestPostInTurn(BaseCase):
    """The sending order behind "a crash replays at most max_concurrency
    requests": no request starts while that many are unrecorded."""

    def test_no_more_than_unrecorded_requests_out(self):
        started, lock = [], threading.Lock()

        def post(body, headers):
            with lock:
                started.append(body)
            time.sleep(0.01)
            return body

        requests_ = [(n, n, {}) for n in range(20)]
        recorded = 0
        with ThreadPoolExecutor(8) as pool:
            for results in webhook_post.post_in_turn(pool, post, requests_, 3):
                with lock:
                    self.assertLessEqual(len(started) - recorded, 3)
                self.assertEqual(
                    {k: r for k, (_h, r) in results.items()}, {k: k for k in results}
                )
                recorded += len(results)
        self.assertEqual(recorded, 20)
        self.assertEqual(sorted(started), list(range(20)))


@tagged("post_install", "-at_install")
class TestStrandedDeliveries(OutboundMixin, HttpCase):
    """Deliveries whose job ended without sending them (in the test's
    transaction: no job runner sees them)."""

    def test_stranded_delivery_is_sent_again_within_the_setting(self):
        self._allow_loopback()
        self.env["ir.config_parameter"].sudo().set_param(
            "integration_hub.stranded_after_seconds", "15"
        )
        Recovery = self.env["integration.recovery"]
        with Receiver() as receiver:
            self._new_endpoint(receiver.url)
            delivery = self.env["integration.event"].emit("outbound.test").delivery_ids
            self.env.cr.precommit.run()
            # Its job failed without sending it (found dead after too many
            # requeues, say).
            self.env["queue.job"].search([("uuid", "=", delivery.job_uuid)]).write(
                {"state": "failed"}
            )
            now = fields.Datetime.now()
            delivery.next_attempt_at = now - timedelta(seconds=10)
            self.assertEqual(Recovery._recover_stranded()[1], 0, "within the setting")
            delivery.next_attempt_at = now - timedelta(seconds=20)
            self.assertEqual(Recovery._recover_stranded()[1], 1, "past the setting")
            self.run_jobs()
        self.assertEqual(delivery.state, "delivered")
        self.assertEqual(len(receiver.requests), 1)


@tagged("post_install", "-at_install")
class TestDeliveryCapacityWarning(TransactionCase):
    """queue_job takes capacities from the server configuration only: the
    endpoint form and the dashboard say when deliveries run one at a time."""

    def _warning_with(self, channels):
        old = os.environ.get("ODOO_QUEUE_JOB_CHANNELS")
        os.environ["ODOO_QUEUE_JOB_CHANNELS"] = channels
        try:
            self.env["ir.config_parameter"].sudo().set_param(
                "integration_hub.allowed_networks", "127.0.0.1"
            )
            endpoint = self.env["integration.endpoint"].create(
                {"name": "Capacity", "url": "https://127.0.0.1:9/hook"}
            )
            health = self.env["integration.endpoint.health"].browse(endpoint.id)
            self.assertEqual(
                health.delivery_capacity_warning, endpoint.delivery_capacity_warning
            )
            return endpoint.delivery_capacity_warning
        finally:
            if old is None:
                del os.environ["ODOO_QUEUE_JOB_CHANNELS"]
            else:
                os.environ["ODOO_QUEUE_JOB_CHANNELS"] = old

    def test_capacity_one_is_warned_with_the_setting_to_change(self):
        for channels in ("root:1", "root:4,root.integration.delivery:1", "root"):
            warning = self._warning_with(channels)
            self.assertIn("root.integration.delivery", warning)
            self.assertIn("[queue_job]", warning)

    def test_capacity_above_one_is_not_warned(self):
        for channels in ("root:4,root.integration.delivery:2", "root:4"):
            self.assertFalse(self._warning_with(channels))
