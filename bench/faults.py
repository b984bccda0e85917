# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=print-used
"""Faults: real Odoo nodes killed, PostgreSQL restarted, receivers misbehaving,
and what each costs in lost, stuck and duplicated messages and in drain time.

Everything runs on 127.0.0.1: a PostgreSQL cluster of this run (so that
restarting it disturbs nobody), Odoo nodes with two HTTP workers, a cron thread
and queue_job's runner (bench/_cluster.py), a round-robin balancer in front of
them, and a receiver that misbehaves as asked (bench/_faulty_receiver.py).

Each outbound scenario emits FAULTS_BENCH_EVENTS events (default 600) over
about 6 s to an endpoint of its own (1 s timeout, retries after 1, 2, 4... s),
injects its fault 2 s in, and waits until every delivery is delivered:

* ``receiver-burst``, ``receiver-slow``, ``receiver-reset``: one node; the
  receiver answers 503 in bursts, answers slower than the timeout in bursts,
  or resets one connection in ten;
* ``node-kill``: ``kill -9`` of the whole node, restarted 3 s later;
* ``pg-restart``: PostgreSQL restarted (fast shutdown);
* ``two-nodes-master-killed``: two nodes behind the balancer (the runners
  dispatch through it), the node of the master runner killed for good;
* ``inbound-storm``: signed webhooks with 20 % duplicates sent through the
  balancer to two nodes, one killed mid-storm; senders retry the same request
  after a connection error. Every message answered 2xx must be processed
  exactly once, and every later answer for it must be the first one.

Before the faults, ``spread-1-node`` and ``spread-2-nodes`` deliver the same
wave to four endpoints with one node, then two: events per second and the
sending jobs each node ran. Per scenario: emitted (accepted), unique received
(processed), lost, duplicates, stuck and the drain time after the fault. Last
line, the worst of the scenarios::

    RESULT lost=<n> stuck=<n> dup_pct=<max %> drain_s=<max s>
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import _cluster
import _harness
import _inbound_storm
import psycopg2
from _faulty_receiver import FaultyReceiver

import odoo
from odoo import SUPERUSER_ID
from odoo import api

EVENTS = int(os.environ.get("FAULTS_BENCH_EVENTS", "600"))
EMIT_SECONDS = 6
FAULT_AFTER = 2
DRAIN_TIMEOUT = 180
# Ports of this benchmark (18180-18199).
PG_PORT, RECEIVER_PORT, BALANCER_PORT = 18199, 18185, 18190
NODE_PORTS = (18181, 18182)
RETRY_SCHEDULE = "0, 1s, 2s, 4s, 8s, 15s, 30s, 60s, 120s"


class Bench:
    """The bench process's view of the cluster's database, surviving restarts."""

    def __init__(self, pg, db, conf):
        self.pg, self.db = pg, db
        odoo.tools.config.parse_config(["-c", str(conf)])
        self.registry = odoo.modules.registry.Registry(db)
        self.nodes = []

    def run(self, work, timeout=90):
        """``work(env)`` in a committed transaction, tried again while the
        database is unreachable (restarting)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.registry.cursor() as cr:
                    return work(api.Environment(cr, SUPERUSER_ID, {}))
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                odoo.sql_db.close_db(self.db)
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def sql(self, query, params=None):
        def fetch(env):
            env.cr.execute(query, params)
            return env.cr.fetchall()

        return self.run(fetch)

    def sample_pids(self):
        for node in self.nodes:
            node.sample_pids()


def create_endpoints(bench, scenario, url, count=1):
    """Event type ``faults.<scenario>`` and ``count`` endpoints on ``url``
    (``url.<n>`` for several: the receiver counts each apart)."""

    def create(env):
        code = f"faults.{scenario}"
        event_type = env["integration.event.type"].create({"code": code})
        env["integration.endpoint"].create(
            [
                {
                    "name": f"{scenario} {number}",
                    "url": url if count == 1 else f"{url}.{number}",
                    "event_type_ids": [(6, 0, event_type.ids)],
                    "timeout": 1,
                    "retry_schedule": RETRY_SCHEDULE,
                    "circuit_open_seconds": 2,
                    "max_concurrency": 4,
                    "user_id": False,
                }
                for number in range(count)
            ]
        )
        return code

    return bench.run(create)


def emit_stream(bench, code, count, seconds, done):
    """Emit ``count`` events over ``seconds`` in transactions of 10."""
    batches = max(1, count // 10)
    started = time.monotonic()
    for batch in range(batches):

        def emit(env, batch=batch):
            for number in range(10):
                env["integration.event"].emit(code, payload={"n": batch * 10 + number})

        bench.run(emit)
        bench.sample_pids()
        time.sleep(max(0, started + (batch + 1) * seconds / batches - time.monotonic()))
    done.set()


def wait_drained(bench, code, since):
    """Seconds from ``since`` until every delivery of ``code`` is delivered
    (None after DRAIN_TIMEOUT); and how many are not."""
    while True:
        bench.sample_pids()
        ((delivered, total),) = bench.sql(
            """SELECT count(*) FILTER (WHERE d.state = 'delivered'), count(*)
                 FROM integration_delivery d JOIN integration_event e
                   ON e.id = d.event_id WHERE e.code = %s""",
            (code,),
        )
        if total and delivered == total:
            return time.monotonic() - since, 0
        if time.monotonic() - since > DRAIN_TIMEOUT:
            return None, total - delivered
        time.sleep(0.2)


def jobs_per_node(bench, since):
    """How many sending jobs each node ran since ``since`` (database time)."""
    rows = bench.sql(
        """SELECT worker_pid, count(*) FROM queue_job
            WHERE method_name = '_deliver_due' AND state = 'done'
              AND date_created >= %s
            GROUP BY worker_pid""",
        (since,),
    )
    split = {node.name: 0 for node in bench.nodes}
    for pid, count in rows:
        owner = next((n.name for n in bench.nodes if pid in n.pids), "?")
        split[owner] = split.get(owner, 0) + count
    return split


def outbound_scenario(
    bench, receiver, scenario, mode, fault=None, endpoints=1, seconds=EMIT_SECONDS
):
    """Run one outbound scenario; return its figures."""
    code = create_endpoints(
        bench, scenario, f"{receiver.url}/{mode}/{scenario}", endpoints
    )
    ((since,),) = bench.sql("SELECT now() AT TIME ZONE 'UTC'")
    done = threading.Event()
    started = time.monotonic()
    emitter = threading.Thread(
        target=emit_stream, args=(bench, code, EVENTS, seconds, done), daemon=True
    )
    emitter.start()
    fault_at = started
    if fault:
        time.sleep(FAULT_AFTER)
        fault_at = time.monotonic()
        fault()
    emitter.join()
    drain_s, stuck = wait_drained(bench, code, fault_at)
    ((emitted,),) = bench.sql(
        "SELECT count(*) FROM integration_event WHERE code = %s", (code,)
    )
    unique = total = 0
    for name in (
        [scenario] if endpoints == 1 else (f"{scenario}.{n}" for n in range(endpoints))
    ):
        processed = receiver.stats(name)["processed"]
        unique, total = unique + len(processed), total + sum(processed.values())
    deliveries = emitted * endpoints
    return {
        "scenario": scenario,
        "emitted": emitted,
        "processed": unique,
        "lost": max(0, deliveries - unique),
        "dup": total - unique,
        "dup_pct": 100 * (total - unique) / max(deliveries, 1),
        "stuck": stuck,
        "drain_s": drain_s,
        "rate": deliveries / (time.monotonic() - started) if drain_s else 0,
        "elapsed": (fault_at - started) + (drain_s or 0),
        "jobs": jobs_per_node(bench, since),
    }


def print_row(row):
    drain = "-" if row["drain_s"] is None else f"{row['drain_s']:.1f}"
    jobs = " ".join(f"{k}={v}" for k, v in row.get("jobs", {}).items())
    print(
        f"{row['scenario']:<24} emitted={row['emitted']:<5} "
        f"processed={row['processed']:<5} lost={row['lost']:<3} "
        f"dup={row['dup']:<3} ({row['dup_pct']:.2f} %) stuck={row['stuck']:<3} "
        f"drain_s={drain:<6} {row.get('extra', '')} jobs: {jobs}",
        flush=True,
    )


def spread_rate(bench, receiver, scenario):
    """Deliveries per second of one wave to four endpoints, no fault."""
    row = outbound_scenario(bench, receiver, scenario, "flaky", endpoints=4, seconds=1)
    row["extra"] = f"{row['emitted'] * 4 / row['elapsed']:.0f} deliveries/s"
    return row


def main():
    shared = _harness.hub.Postgres()
    template = os.environ.get("INTEGRATION_HUB_TEMPLATE")
    suffix = os.environ.get("INTEGRATION_HUB_BENCH_SUFFIX", "")
    db = f"ih_bench_faults{suffix}"
    pg = _cluster.PrivatePostgres(PG_PORT)
    rows = []
    node_a = node_b = None
    try:
        pg.start()
        pg.copy_database(shared, template, db)
        node_a = _cluster.Node("a", pg, db, NODE_PORTS[0], NODE_PORTS[0])
        node_a.install()
        bench = Bench(pg, db, node_a.conf)

        def allow(env):
            params = env["ir.config_parameter"]
            params.set_param("integration_hub.allowed_networks", "127.0.0.1")
            params.set_param("integration_hub.allow_http", "True")
            # Crash-safe sending, as the production topology in the README
            # recommends where duplicates cost more than throughput.
            params.set_param("integration_hub.record_each_attempt", "True")
            # The cron starts the recovery sweep's job chain within a minute or
            # two of the first start; the scenarios begin before that.
            env["integration.recovery"]._schedule_recovery()

        bench.run(allow)
        with FaultyReceiver(RECEIVER_PORT) as receiver:
            node_a.start()
            bench.nodes = [node_a]
            rows.append(spread_rate(bench, receiver, "spread-1-node"))
            print_row(rows[-1])
            for mode in ("burst", "slow", "reset"):
                rows.append(
                    outbound_scenario(bench, receiver, f"receiver-{mode}", mode)
                )
                print_row(rows[-1])

            def kill_and_restart():
                node_a.kill()
                time.sleep(3)
                node_a.start()

            rows.append(
                outbound_scenario(
                    bench, receiver, "node-kill", "flaky", kill_and_restart
                )
            )
            print_row(rows[-1])
            rows.append(
                outbound_scenario(bench, receiver, "pg-restart", "flaky", pg.restart)
            )
            print_row(rows[-1])
            node_a.stop()
            # Two nodes: the runners dispatch through the balancer.
            node_a = _cluster.Node("a", pg, db, NODE_PORTS[0], BALANCER_PORT)
            node_b = _cluster.Node("b", pg, db, NODE_PORTS[1], BALANCER_PORT)
            with _cluster.Balancer(BALANCER_PORT, NODE_PORTS):
                # Node a starts first: its runner is the master.
                node_a.start()
                time.sleep(3)
                node_b.start()
                bench.nodes = [node_a, node_b]
                rows.append(spread_rate(bench, receiver, "spread-2-nodes"))
                print_row(rows[-1])
                rows.append(
                    outbound_scenario(
                        bench, receiver, "two-nodes-master-killed", "flaky", node_a.kill
                    )
                )
                print_row(rows[-1])
                node_a.start()
                rows.append(
                    _inbound_storm.run(
                        bench, f"http://127.0.0.1:{BALANCER_PORT}", node_b.kill
                    )
                )
                print_row(rows[-1])
    finally:
        for node in (node_a, node_b):
            if node:
                node.stop()
        odoo.sql_db.close_all()
        pg.stop()
    spread = {r["scenario"]: r for r in rows if r["scenario"].startswith("spread")}
    if len(spread) == 2:
        one, two = spread["spread-1-node"], spread["spread-2-nodes"]
        print(
            f"spread: one node {one['extra']}, two nodes {two['extra']} "
            f"(both on this machine's cores); sending jobs per node with two: "
            + ", ".join(f"{k}={v}" for k, v in two["jobs"].items())
        )
    worst_drain = max((r["drain_s"] or DRAIN_TIMEOUT) for r in rows)
    print(
        f"RESULT lost={sum(r['lost'] for r in rows)} "
        f"stuck={sum(r['stuck'] for r in rows)} "
        f"dup_pct={max(r['dup_pct'] for r in rows):.2f} drain_s={worst_drain:.1f}"
    )


if __name__ == "__main__":
    main()
