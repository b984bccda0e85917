# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""REST API benchmark: a page of 100 bookings, against Odoo's JSON-RPC.

Starts Odoo with two HTTP workers (bench/_harness.py) on a database holding 1,000
bookings, then, in the same run and with the same concurrent clients, measures
requests per second of:

* ``GET /api/v1/bookings?per_page=100`` with an API key (authentication, rate
  limit, count, page, envelope, ETag, gzip as the client accepts it);
* JSON-RPC ``execute_kw(..., 'integration.booking', 'search_read', ...)`` of the
  same 100 records and fields, authenticated with the same API key.

The two are measured in alternating rounds so that any drift of the shared
machine hits both alike. Last line::

    RESULT ratio=<api/jsonrpc> api_rps=<n> jsonrpc_rps=<n>
"""

# A benchmark is a command-line program: it reports on standard output.
# pylint: disable=print-used
import os
import sys
import threading
import time
from datetime import date
from datetime import timedelta

import requests

sys.path.insert(0, os.path.dirname(__file__))
import _harness

BOOKINGS = int(os.environ.get("API_BENCH_BOOKINGS", "1000"))
CLIENTS = int(os.environ.get("API_BENCH_CLIENTS", "4"))
ROUND_SECONDS = float(os.environ.get("API_BENCH_ROUND_SECONDS", "5"))
ROUNDS = int(os.environ.get("API_BENCH_ROUNDS", "3"))
PER_PAGE = 100


def prepare(server):
    """Bookings, a guest and an API key of the administrator; return the key,
    the administrator's id and the fields the API serves for a booking (read
    the JSON-RPC way)."""
    with server.env() as env:
        env["ir.config_parameter"].set_param(
            "integration_hub.api_rate_limit", "1000000000"
        )
        guests = env["res.partner"].create(
            [{"name": f"Guest {i}", "is_guest": True} for i in range(50)]
        )
        start = date(2026, 1, 1)
        env["integration.booking"].with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True
        ).create(
            [
                {
                    "name": f"BENCH{i:05d}",
                    "guest_id": guests[i % len(guests)].id,
                    "check_in": start + timedelta(days=i % 300),
                    "check_out": start + timedelta(days=i % 300 + 3),
                    "status": "confirmed",
                    "room": str(100 + i % 50),
                    "adults": 2,
                    "amount": 120.0 + i,
                }
                for i in range(BOOKINGS)
            ]
        )
        admin = env.ref("base.user_admin")
        key = (
            env["res.users.apikeys"]
            .with_user(admin)
            .sudo()
            ._generate(None, "bench", None)
        )
        declaration = env["integration.booking"]._integration_declaration()
        return key, admin.id, [*declaration.fields, "write_date"]


def api_call(session, url, key):
    response = session.get(
        f"{url}/api/v1/bookings?per_page={PER_PAGE}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    response.raise_for_status()
    assert len(response.json()["data"]) == PER_PAGE


def jsonrpc_call(session, url, db, uid, key, fields):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [
                db,
                uid,
                key,
                "integration.booking",
                "search_read",
                [[]],
                {"fields": fields, "limit": PER_PAGE, "order": "id"},
            ],
        },
    }
    response = session.post(f"{url}/jsonrpc", json=payload, timeout=30)
    response.raise_for_status()
    assert len(response.json()["result"]) == PER_PAGE


def measure(call, seconds):
    """Requests per second of ``call(session)`` from CLIENTS threads."""
    counts = [0] * CLIENTS
    deadline = time.monotonic() + seconds

    def client(index):
        with requests.Session() as session:
            while time.monotonic() < deadline:
                call(session)
                counts[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def main():
    with _harness.OdooServer("api", workers=2) as server:
        key, uid, fields = prepare(server)

        def api(session):
            api_call(session, server.url, key)

        def jsonrpc(session):
            jsonrpc_call(session, server.url, server.db, uid, key, fields)

        # Warm both paths: worker registries, caches, the verified key.
        measure(api, 2)
        measure(jsonrpc, 2)
        api_rates, rpc_rates = [], []
        for round_number in range(1, ROUNDS + 1):
            api_rates.append(measure(api, ROUND_SECONDS))
            rpc_rates.append(measure(jsonrpc, ROUND_SECONDS))
            print(
                f"round {round_number}: api {api_rates[-1]:.1f} req/s, "
                f"jsonrpc {rpc_rates[-1]:.1f} req/s"
            )
    api_rps = sum(api_rates) / ROUNDS
    rpc_rps = sum(rpc_rates) / ROUNDS
    print(
        f"RESULT ratio={api_rps / rpc_rps:.2f} api_rps={api_rps:.1f} "
        f"jsonrpc_rps={rpc_rps:.1f}"
    )


if __name__ == "__main__":
    main()
