# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inbound webhook throughput and latency, against two ceilings.

Starts Odoo with two HTTP workers (by default) and the queue_job runner
(bench/_harness.py), with base_automation and the bench-only addon
``bench/ih_bench_bare`` installed, and loads it with wrk (concurrency 8) in one
run:

1. bare: ``POST /ih_bench/bare``, an ``auth="none"`` route answering 200 and
   doing nothing, the ceiling of any Odoo route;
2. native: ``POST /web/hook/<uuid>``, Odoo's own webhook automation (trigger
   "On webhook", no action), on a partner;
3. signed: ``POST /integration/webhook/<slug>``, Standard Webhooks deliveries
   pre-signed with the official ``standardwebhooks`` library, each with its own
   ``webhook-id``, so every request is verified, claimed, stored and queued (and
   the job runner processes them meanwhile, as in production: a source's
   processing job starts a second after it is queued and drains every message
   queued by then).

Every target is warmed up first. The measurement is interleaved: rounds of bare,
native then signed, so that a slower or faster moment of the machine weighs on
all three alike; after each signed round the job runner finishes its work before
the next round starts. A target's throughput is its requests over its time in
all rounds, its percentiles those of the pooled latency distributions. After the
run, every signed delivery must have been stored once and processed exactly once.
Each target's line also gives the CPU time the Odoo processes (job runner and
jobs included) and PostgreSQL spent per request, which a busier or quieter moment
of the machine changes less than the throughput. Last line::

    RESULT ratio=<signed/bare> p95_ms=<signed p95> native_ratio=<signed/native>

Needs wrk (``apt-get install wrk``). INBOUND_BENCH_SECONDS sets the time of each
target over all rounds (default 15 s), INBOUND_BENCH_ROUNDS the number of rounds
(default 5), INBOUND_BENCH_WORKERS the number of HTTP workers (default 2).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from datetime import timezone
from pathlib import Path

from standardwebhooks import Webhook

sys.path.insert(0, os.path.dirname(__file__))
import _harness

BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "inbound.lua"
SECONDS = int(os.environ.get("INBOUND_BENCH_SECONDS", "15"))
ROUNDS = int(os.environ.get("INBOUND_BENCH_ROUNDS", "5"))
WARMUP_SECONDS = 3
CONNECTIONS = 8
THREADS = 1
# More fresh deliveries than a signed round can send, so none is a replay.
DELIVERIES_PER_SECOND = 2_000
BODY = json.dumps({"type": "bench.created", "data": {"id": 1, "name": "Ada"}})


def write_deliveries(path, secret, count):
    """``count`` signed deliveries of BODY, one per line, for the Lua script."""
    timestamp = int(time.time())
    signed_at = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    webhook = Webhook(secret)
    with open(path, "w") as out:
        for _number in range(count):
            msg_id = f"msg_{uuid.uuid4().hex}"
            signature = webhook.sign(msg_id, signed_at, BODY)
            out.write(f"{msg_id}\t{timestamp}\t{signature}\n")


def wrk(url, seconds, body=BODY, deliveries=""):
    """Run wrk against ``url``; return its summary (see inbound.lua), with
    ``rps``."""
    env = dict(
        os.environ,
        IH_BODY=body,
        IH_DELIVERIES=str(deliveries),
        IH_THREADS=str(THREADS),
    )
    proc = subprocess.run(
        [
            "wrk",
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA_SCRIPT),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    return pooled([summary])


def pooled(summaries):
    """One summary for several runs: their requests over their time, and the
    p50/p95 of their latency distributions pooled (each run's quantiles weigh
    as many requests as it made)."""
    points = sorted(
        (latency, summary["requests"] / len(summary["quantiles_us"]))
        for summary in summaries
        for latency in summary["quantiles_us"]
    )
    total = sum(weight for _latency, weight in points)

    def quantile(fraction):
        seen = 0
        for latency, weight in points:
            seen += weight
            if seen >= fraction * total:
                return latency
        return points[-1][0]

    requests = sum(summary["requests"] for summary in summaries)
    duration_us = sum(summary["duration_us"] for summary in summaries)
    return {
        "requests": requests,
        "duration_us": duration_us,
        "rps": requests / (duration_us / 1e6),
        "p50_us": quantile(0.50),
        "p95_us": quantile(0.95),
        "non_2xx": sum(summary["non_2xx"] for summary in summaries),
        "socket_errors": sum(summary["socket_errors"] for summary in summaries),
        "quantiles_us": [latency for latency, _weight in points],
        "runs": summaries,
    }


def setup(server):
    """The signed source and the native automation; return (secret, hook path)."""
    with server.env() as env:
        source = env["integration.inbound.source"].create(
            {
                "name": "Bench",
                "slug": "bench",
                # The deliveries are signed before the run starts.
                "tolerance": 3600,
                # Counted on every request, never reached.
                "rate_limit": 10_000_000,
            }
        )
        rule = env["base.automation"].create(
            {
                "name": "Bench webhook",
                "model_id": env.ref("base.model_res_partner").id,
                "trigger": "on_webhook",
            }
        )
        return source.secret, f"/web/hook/{rule.webhook_uuid}"


def deferred_run(server, url, deliveries, seconds):
    """The signed measurement again, with processing held back until it ends.

    The source's processing job is queued first, due in an hour: every request
    joins it and no job competes with them. It is made due after the run. For
    information only: RESULT measures the run with processing.
    """
    with server.env() as env:
        source = env["integration.inbound.source"].search([("slug", "=", "bench")])
        job_id = source._processing_job()
        env.cr.execute(
            "UPDATE queue_job SET eta = now() AT TIME ZONE 'UTC' + interval '1 hour'"
            " WHERE id = %s",
            (job_id,),
        )
    summary = wrk(url, seconds, BODY, deliveries)
    server.sql("UPDATE queue_job SET eta = NULL WHERE id = %s", (job_id,))
    return summary


def check_processed(server, what):
    """Wait for the jobs; fail unless every message was processed exactly once."""
    waited = server.wait_jobs_done(timeout=600)
    ((messages, done, jobs),) = server.sql(
        # Nothing handles bench.created: its messages are taken once and
        # marked ignored, which costs the processing job the same.
        "SELECT count(*), count(*) FILTER (WHERE state IN ('done', 'ignored')"
        " AND attempt_count = 1), count(DISTINCT job_id)"
        " FROM integration_inbound_message"
    )
    print(
        f"stored {messages} messages in all after {what}, {done} processed once "
        f"by {jobs} jobs; jobs drained {waited:.1f} s after the run",
        flush=True,
    )
    if done != messages:
        raise SystemExit("some inbound messages were not processed exactly once")


def main():
    """Run the three measurements and print the RESULT line."""
    if not shutil.which("wrk"):
        print(
            "wrk is not installed; this benchmark needs it: "
            "apt-get install wrk (Debian/Ubuntu)",
            file=sys.stderr,
        )
        return 2
    with (
        tempfile.TemporaryDirectory() as tmp,
        _harness.OdooServer(
            "inbound",
            workers=int(os.environ.get("INBOUND_BENCH_WORKERS", "2")),
            extra_modules=("base_automation", "ih_bench_bare"),
            addons_path_extra=[BENCH_DIR],
        ) as server,
    ):
        secret, hook_path = setup(server)
        round_seconds = max(1, round(SECONDS / ROUNDS))
        per_round = DELIVERIES_PER_SECOND * round_seconds

        def deliveries(name, count):
            path = Path(tmp, f"{name}.tsv")
            write_deliveries(path, secret, count)
            return path

        native_body = json.dumps({"_model": "res.partner", "_id": 1})
        targets = {
            "bare": (f"{server.url}/ih_bench/bare", BODY),
            "native": (f"{server.url}{hook_path}", native_body),
            "signed": (f"{server.url}/integration/webhook/bench", BODY),
        }
        for name, (url, body) in targets.items():
            warmup = deliveries("warmup", per_round) if name == "signed" else ""
            wrk(url, WARMUP_SECONDS, body, warmup)
        server.wait_jobs_done(timeout=600)
        runs = {name: [] for name in targets}
        for number in range(ROUNDS):
            signed_file = deliveries(f"round{number}", per_round)
            for name, (url, body) in targets.items():
                before = server.cpu_seconds()
                summary = wrk(
                    url, round_seconds, body, signed_file if name == "signed" else ""
                )
                after = server.cpu_seconds()
                summary["cpu"] = {key: after[key] - before[key] for key in after}
                runs[name].append(summary)
                if summary["non_2xx"] or summary["socket_errors"]:
                    raise SystemExit(f"{name}: failed requests, see {server.log_path}")
                if name == "signed":
                    if summary["requests"] > per_round:
                        raise SystemExit("more signed requests than fresh deliveries")
                    # The next round starts with the jobs done.
                    server.wait_jobs_done(timeout=600)
        results = {}
        for name in targets:
            results[name] = summary = pooled(runs[name])
            cpu = {
                key: 1000 * sum(run["cpu"][key] for run in runs[name])
                for key in ("odoo", "postgres")
            }
            print(
                f"{name:7} {summary['rps']:8.1f} req/s  "
                f"p50 {summary['p50_us'] / 1000:6.2f} ms  "
                f"p95 {summary['p95_us'] / 1000:6.2f} ms  "
                f"requests {summary['requests']}  rounds "
                + " ".join(f"{run['rps']:.0f}" for run in summary["runs"])
                + " req/s  CPU per request: Odoo "
                f"{cpu['odoo'] / summary['requests']:.2f} ms, PostgreSQL "
                f"{cpu['postgres'] / summary['requests']:.2f} ms",
                flush=True,
            )
        signed = results["signed"]
        check_processed(server, f"{signed['requests']} signed requests (+ warm-up)")
        deferred = deferred_run(
            server,
            targets["signed"][0],
            deliveries("deferred", per_round),
            round_seconds,
        )
        print(
            f"(information) signed with processing deferred until after the run: "
            f"{deferred['rps']:.1f} req/s  p50 {deferred['p50_us'] / 1000:.2f} ms  "
            f"p95 {deferred['p95_us'] / 1000:.2f} ms  non-2xx {deferred['non_2xx']}",
            flush=True,
        )
        check_processed(server, f"{deferred['requests']} more signed requests")
    ratio = signed["rps"] / results["bare"]["rps"]
    native_ratio = signed["rps"] / results["native"]["rps"]
    print(
        f"RESULT ratio={ratio:.2f} p95_ms={signed['p95_us'] / 1000:.1f} "
        f"native_ratio={native_ratio:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
