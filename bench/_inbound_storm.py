# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The inbound scenario of the faults benchmark: a storm of signed webhooks,
with duplicates, through the balancer to two nodes, one of them killed in the
middle of it.

Senders retry the same request (same id, same signature) after a connection
error or a 5xx, as webhook providers do. Every message answered 2xx must end
processed exactly once (``done`` or ``ignored`` after one attempt), and every
answer after the first 2xx for a message must be that first answer.
"""

import json
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from datetime import timezone

import requests
from standardwebhooks import Webhook

MESSAGES = 600
DUPLICATE_SHARE = 0.2
SENDERS = 8
KILL_AFTER = 1.5
RETRY_FOR = 60

# A message's states once processed: ``ignored`` when no handler serves its
# event type (the storm's type has none), ``done`` otherwise.
PROCESSED = ("done", "ignored")


def _deliveries(secret):
    """Signed requests: MESSAGES unique ones and DUPLICATE_SHARE of them sent
    again, shuffled."""
    webhook = Webhook(secret)
    signed_at = datetime.now(timezone.utc)
    unique = []
    for number in range(MESSAGES):
        msg_id = f"msg_{uuid.uuid4().hex}"
        body = json.dumps({"type": "faults.storm", "data": {"n": number}})
        headers = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(signed_at.timestamp())),
            "webhook-signature": webhook.sign(msg_id, signed_at, body),
        }
        unique.append((msg_id, body, headers))
    sends = unique + random.sample(unique, int(MESSAGES * DUPLICATE_SHARE))
    random.shuffle(sends)
    return sends


def run(bench, base_url, kill):
    """Send the storm through ``base_url``, ``kill()`` a node meanwhile;
    return the scenario's figures."""

    def create(env):
        source = env["integration.inbound.source"].create(
            {
                "name": "Faults storm",
                "slug": "faults-storm",
                "tolerance": 3600,
                "rate_limit": 10_000_000,
            }
        )
        return source.secret

    secret = bench.run(create)
    sends = _deliveries(secret)
    url = f"{base_url}/integration/webhook/faults-storm"
    answers, lock = {}, threading.Lock()
    mismatched = []
    retried = [0]

    def send(delivery):
        msg_id, body, headers = delivery
        deadline = time.monotonic() + RETRY_FOR
        while time.monotonic() < deadline:
            try:
                response = requests.post(url, data=body, headers=headers, timeout=10)
            except requests.RequestException:
                response = None
            if response is not None and response.status_code < 500:
                break
            with lock:
                retried[0] += 1
            time.sleep(0.2)
        else:
            return
        if not 200 <= response.status_code < 300:
            return
        # The request id differs per request; the rest is the first answer.
        answer = {k: v for k, v in response.json().items() if k not in ("request_id",)}
        with lock:
            first = answers.setdefault(msg_id, answer)
            if first != answer:
                mismatched.append(msg_id)

    started = time.monotonic()
    killer = threading.Timer(KILL_AFTER, kill)
    killer.daemon = True
    killer.start()
    with ThreadPoolExecutor(SENDERS) as pool:
        list(pool.map(send, sends))
    killer.join()
    fault_at = started + KILL_AFTER
    drain_s, rows = None, None
    while time.monotonic() - fault_at < 180:
        bench.sample_pids()
        rows = bench.sql(
            """SELECT m.idempotency_key, m.state, m.attempt_count
                 FROM integration_inbound_message m
                 JOIN integration_inbound_source s ON s.id = m.source_id
                WHERE s.slug = 'faults-storm'"""
        )
        if (
            rows
            and all(state in PROCESSED for _k, state, _a in rows)
            and (len(rows) >= len(answers))
        ):
            drain_s = time.monotonic() - fault_at
            break
        time.sleep(0.5)
    stored = {}
    for key, state, attempts in rows or ():
        stored.setdefault(key, []).append((state, attempts))
    accepted = set(answers)
    once = {
        key
        for key, entries in stored.items()
        if len(entries) == 1 and entries[0][0] in PROCESSED and entries[0][1] == 1
    }
    accepted_keys = {k for k in stored if any(k.endswith(m) for m in accepted)}
    lost = len(accepted) - len(accepted_keys)
    twice = sum(max(0, len(e) - 1) + (e[0][1] > 1) for e in stored.values())
    return {
        "scenario": "inbound-storm",
        "emitted": len(accepted),
        "processed": len(once),
        "lost": lost,
        "dup": twice,
        "dup_pct": 100 * twice / max(len(accepted), 1),
        "stuck": len(accepted_keys - once),
        "drain_s": drain_s,
        "extra": f"({len(sends)} sends, {retried[0]} retried, "
        f"{len(mismatched)} answers differing from the first)",
        "jobs": {},
    }
