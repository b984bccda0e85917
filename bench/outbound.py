# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=print-used
"""Outbound webhook throughput and the cost of ``emit``, against two references.

Starts Odoo with two HTTP workers and the queue_job runner (bench/_harness.py,
channel ``root.integration.delivery:2``) and a receiver process on 127.0.0.1
(HTTP/1.1 keep-alive, answers 200; paths under ``/slow`` answer after 500 ms):

(a) 2,000 events emitted (in one transaction) to one endpoint, delivered end to
    end by the real job runner (warmed up by one delivery first): events per
    second from the commit to the last delivery marked delivered;
(b) the same 2,000 signed requests sent by this plain Python process through one
    pooled ``requests.Session`` with the endpoint's concurrency (4 threads): the
    limit of this machine;
(c) the time ``emit`` adds to a business transaction (a partner change, commit
    included) with 10 endpoints whose receivers take 500 ms: median over 50
    pairs of the same transaction with and without the emit; beside it, what
    Odoo's own "Send Webhook Notification" server action (``state='webhook'``)
    adds when run in that transaction against the same kind of receiver.

Last line::

    RESULT ratio=<a/b> emit_ms=<median> native_ms=<median>
"""

import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from datetime import timezone
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import requests
from requests.adapters import HTTPAdapter
from standardwebhooks import Webhook

sys.path.insert(0, os.path.dirname(__file__))
import _harness

EVENTS = 2000
CONCURRENCY = 4
SLOW_ENDPOINTS = 10
EMIT_RUNS = 50
NATIVE_RUNS = 20
EVENT_CODE = "bench.created"


def _serve(port_queue):
    """The receiver: 200 at once, or after 500 ms under /slow."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes: without TCP_NODELAY each
        # response waits for the client's delayed ACK (40 ms).
        disable_nagle_algorithm = True

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.startswith("/slow"):
                time.sleep(0.5)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def start_receiver():
    """Run the receiver in a process of its own; return (process, base URL)."""
    ports = multiprocessing.Queue()
    process = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{ports.get(timeout=10)}"


def setup(server, base_url):
    """Allow the loopback receiver, create the event type and the endpoints."""
    with server.env() as env:
        params = env["ir.config_parameter"]
        params.set_param("integration_hub.allowed_networks", "127.0.0.1")
        params.set_param("integration_hub.allow_http", "True")
        event_type = env["integration.event.type"].create({"code": EVENT_CODE})
        slow_type = env["integration.event.type"].create({"code": "bench.slow"})
        fast = env["integration.endpoint"].create(
            {
                "name": "Fast receiver",
                "url": f"{base_url}/fast",
                "event_type_ids": [(6, 0, event_type.ids)],
                "max_concurrency": CONCURRENCY,
            }
        )
        env["integration.endpoint"].create(
            [
                {
                    "name": f"Slow receiver {number}",
                    "url": f"{base_url}/slow/{number}",
                    "event_type_ids": [(6, 0, slow_type.ids)],
                }
                for number in range(SLOW_ENDPOINTS)
            ]
        )
        partner = env["res.partner"].create({"name": "Bench guest"})
        native = env["ir.actions.server"].create(
            {
                "name": "Native webhook",
                "model_id": env["ir.model"]._get_id("res.partner"),
                "state": "webhook",
                "webhook_url": f"{base_url}/slow/native",
            }
        )
        return fast.id, fast.secret, partner.id, native.id


def wait_delivered(server, count, timeout=600):
    """Wait until ``count`` deliveries are delivered; return the time it is."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        (delivered,) = server.sql(
            "SELECT count(*) FROM integration_delivery WHERE state = 'delivered'"
        )[0]
        if delivered >= count:
            return time.perf_counter()
        time.sleep(0.05)
    raise TimeoutError(f"fewer than {count} deliveries delivered after {timeout} s")


def warm_up(server):
    """One delivery end to end: the job runner starts a few seconds after Odoo,
    and that start-up is not what is measured."""
    with server.env() as env:
        env["integration.event"].emit(EVENT_CODE, payload={"warm": "up"})
    wait_delivered(server, 1)


def bench_jobs(server):
    """(a): emit EVENTS events in one transaction, then wait for the deliveries."""
    started = time.perf_counter()
    with server.env() as env:
        Event = env["integration.event"]
        for number in range(EVENTS):
            Event.emit(EVENT_CODE, payload={"booking": number, "guest": "Ada"})
    committed = time.perf_counter()
    # The warm-up delivery is the first one.
    finished = wait_delivered(server, EVENTS + 1)
    (attempts,) = server.sql("SELECT count(*) - 1 FROM integration_delivery_attempt")[0]
    return committed - started, finished - committed, EVENTS, attempts


def bench_plain(server, endpoint_id, secret, url):
    """(b): the same signed requests from one process with a pooled session."""
    with server.env() as env:
        env.cr.execute(
            """SELECT e.uid, e.payload FROM integration_event e
                 JOIN integration_delivery d ON d.event_id = e.id
                WHERE d.endpoint_id = %s""",
            (endpoint_id,),
        )
        messages = env.cr.fetchall()
    session = requests.Session()
    session.trust_env = False
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=CONCURRENCY)
    session.mount("http://", adapter)

    webhook = Webhook(secret)

    def send(message):
        uid, payload = message
        now = datetime.now(timezone.utc)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": uid,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": webhook.sign(uid, now, payload),
        }
        body = payload.encode()
        response = session.post(url, data=body, headers=headers, timeout=30)
        return response.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(send, messages))
    elapsed = time.perf_counter() - started
    assert statuses.count(200) == len(messages), "plain sender: not all 200"
    return len(messages), elapsed


def _timed_transaction(env, partner, number, extra):
    """Milliseconds of one business transaction (a partner change), running
    ``extra`` inside it when given, commit included."""
    started = time.perf_counter()
    partner.write({"comment": f"bench {number}"})
    if extra:
        extra()
    env.cr.commit()  # pylint: disable=invalid-commit
    return (time.perf_counter() - started) * 1000


def bench_emit(server, partner_id, native_id):
    """(c): what emit (10 slow endpoints) and the native webhook action add to a
    business transaction: median of (with - without), measured in pairs."""
    emit_ms, native_ms = [], []
    with server.env() as env:
        Event = env["integration.event"]
        partner = env["res.partner"].browse(partner_id)
        action = (
            env["ir.actions.server"]
            .browse(native_id)
            .with_context(
                active_model="res.partner", active_id=partner.id, active_ids=partner.ids
            )
        )
        for number in range(EMIT_RUNS + 5):
            base = _timed_transaction(env, partner, number, None)
            added = _timed_transaction(
                env,
                partner,
                number,
                lambda n=number: Event.emit("bench.slow", payload={"booking": n}),
            )
            if number >= 5:  # warm-up runs are not counted
                emit_ms.append(added - base)
        for number in range(NATIVE_RUNS + 2):
            base = _timed_transaction(env, partner, number, None)
            added = _timed_transaction(env, partner, number, action.run)
            if number >= 2:
                native_ms.append(added - base)
    return statistics.median(emit_ms), statistics.median(native_ms), emit_ms


def main():
    receiver, base_url = start_receiver()
    try:
        with _harness.OdooServer(
            "outbound",
            workers=2,
            channels="root:4,root.integration.delivery:2",
        ) as server:
            endpoint_id, secret, partner_id, native_id = setup(server, base_url)
            warm_up(server)
            emit_s, deliver_s, delivered, attempts = bench_jobs(server)
            rate_a = delivered / deliver_s
            print(
                f"(a) {delivered} events emitted in {emit_s:.2f} s "
                f"({emit_s / EVENTS * 1000:.2f} ms each), delivered through the job "
                f"runner in {deliver_s:.2f} s: {rate_a:.0f} events/s "
                f"({attempts} attempts)"
            )
            sent, plain_s = bench_plain(server, endpoint_id, secret, f"{base_url}/fast")
            rate_b = sent / plain_s
            print(
                f"(b) {sent} signed requests from one process, pooled session, "
                f"{CONCURRENCY} threads: {plain_s:.2f} s, {rate_b:.0f} requests/s"
            )
            ratio = rate_a / rate_b
            print(f"    ratio a/b = {ratio:.2f} (target >= 0.5)")
            emit_ms, native_ms, samples = bench_emit(server, partner_id, native_id)
            print(
                f"(c) time added to a transaction by emit with {SLOW_ENDPOINTS} "
                f"endpoints (receivers take 500 ms): median {emit_ms:.2f} ms, p90 "
                f"{_harness.percentile(samples, 0.9):.2f} ms (target <= 5 ms); "
                f"by the native Send Webhook Notification: median {native_ms:.1f} ms"
            )
            server.wait_jobs_done(timeout=300)
            (slow_delivered,) = server.sql(
                """SELECT count(*) FROM integration_delivery d
                     JOIN integration_event e ON e.id = d.event_id
                    WHERE e.code = 'bench.slow' AND d.state = 'delivered'"""
            )[0]
            print(f"    {slow_delivered} deliveries to the slow receivers delivered")
            print(
                f"RESULT ratio={ratio:.2f} emit_ms={emit_ms:.2f} "
                f"native_ms={native_ms:.1f}"
            )
    finally:
        receiver.terminate()


if __name__ == "__main__":
    main()
