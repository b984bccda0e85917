# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sync benchmark: full and delta sync from the reference external system.

Starts the reference server in this process (10,000 bookings, 5,000 guests) and
an Odoo server with two HTTP workers and the queue_job runner (bench/_harness.py).
Measures, in one run:

1. the ceiling: plain batch ORM ``create`` calls of the same guests and bookings
   in this process, in batches of the sync's page size (same context as the
   sync, flushed, then rolled back);
2. a full sync through the real job runner (one job per page on
   root.integration.sync), from the button to the last job done;
3. a delta sync after 100 bookings changed remotely.

The peak memory is the resident set size of the Odoo server's process that grew
most during each sync (the HTTP worker running the jobs), sampled every 0.1 s.
Last line::

    RESULT ratio=<sync/orm> delta_share=<delta/full> full_rss_mb=<n> delta_rss_mb=<n>

``ratio`` compares records per second (sync over ORM); ``delta_share`` is the
delta sync's time as a share of the full sync's. Sizes can be lowered for a
quick try with SYNC_BENCH_BOOKINGS / SYNC_BENCH_GUESTS.
"""

# A benchmark is a command-line program: it reports on standard output.
# pylint: disable=print-used
import contextlib
import os
import sys
import threading
import time
from datetime import date

sys.path.insert(0, os.path.dirname(__file__))
import _harness
import psutil

sys.path.insert(0, str(_harness.ROOT / "dev"))
from reference_server import ReferenceServer

BOOKINGS = int(os.environ.get("SYNC_BENCH_BOOKINGS", "10000"))
GUESTS = int(os.environ.get("SYNC_BENCH_GUESTS", "5000"))
CHANGED = 100
PAGE_SIZE = 500
# One sync job at a time: pages of a run add to the same counters, and the
# ORM ceiling is one process too.
CHANNELS = "root:2,root.integration.sync:1"
SYNC_CONTEXT = {"mail_create_nolog": True, "mail_create_nosubscribe": True}


class PeakRss:
    """Samples the RSS of the Odoo server's processes in a thread.

    The process that grows most is the one running the jobs (an HTTP worker
    called by the job runner); its peak is the figure reported.
    """

    def __init__(self, pids):
        self.processes = [psutil.Process(pid) for pid in pids]
        self.start = {p.pid: p.memory_info().rss for p in self.processes}
        self.peak = dict(self.start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            for process in self.processes:
                # A worker recycled by Odoo disappears; its peak was sampled.
                with contextlib.suppress(psutil.NoSuchProcess):
                    rss = process.memory_info().rss
                    self.peak[process.pid] = max(self.peak[process.pid], rss)
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def busiest(self):
        """Return (peak MiB, growth MiB) of the process that grew most."""
        pid = max(self.peak, key=lambda p: self.peak[p] - self.start[p])
        return self.peak[pid] / 2**20, (self.peak[pid] - self.start[pid]) / 2**20


def _batches(items):
    for start in range(0, len(items), PAGE_SIZE):
        yield items[start : start + PAGE_SIZE]


def orm_ceiling(server, remote):
    """Create the same guests and bookings with plain batch ORM creates (one per
    page), flush, roll back; return the seconds taken."""
    guests = [remote.resource("guest", f"G{n}") for n in range(1, GUESTS + 1)]
    bookings = [remote.resource("booking", f"B{n}") for n in range(1, BOOKINGS + 1)]
    with server.env() as env:
        env = env(context=SYNC_CONTEXT)
        countries = {c.code: c.id for c in env["res.country"].search([])}
        eur = env.ref("base.EUR").id
        started = time.perf_counter()
        partners = env["res.partner"]
        for batch in _batches(guests):
            partners |= env["res.partner"].create(
                [
                    {
                        "name": g["attributes"]["name"],
                        "email": g["attributes"]["email"],
                        "phone": g["attributes"]["phone"],
                        "street": g["attributes"]["street"],
                        "city": g["attributes"]["city"],
                        "zip": g["attributes"]["zip"],
                        "country_id": countries[g["attributes"]["country_code"]],
                        "is_guest": True,
                    }
                    for g in batch
                ]
            )
            # As between the sync's pages, which are separate transactions.
            env.flush_all()
            env.invalidate_all()
        partner_of = dict(zip((g["id"] for g in guests), partners.ids, strict=True))
        for batch in _batches(bookings):
            env["integration.booking"].create(
                [
                    {
                        "name": b["attributes"]["reference"],
                        "status": b["attributes"]["status"],
                        "check_in": date.fromisoformat(b["attributes"]["check_in"]),
                        "check_out": date.fromisoformat(b["attributes"]["check_out"]),
                        "room": b["attributes"]["room"],
                        "adults": b["attributes"]["adults"],
                        "children": b["attributes"]["children"],
                        "amount": b["attributes"]["amount"],
                        "currency_id": eur,
                        "notes": b["attributes"]["notes"] or False,
                        "guest_id": partner_of[
                            b["relationships"]["guest"]["data"]["id"]
                        ],
                    }
                    for b in batch
                ]
            )
            env.flush_all()
            env.invalidate_all()
        elapsed = time.perf_counter() - started
        env.cr.rollback()
    return elapsed


def sync(server, backend_id, method):
    """Press a backend button, wait for every job; return (seconds, run row)."""
    with PeakRss(server.worker_pids()) as rss:
        started = time.perf_counter()
        with server.env() as env:
            getattr(env["integration.backend"].browse(backend_id), method)()
        server.wait_jobs_done(timeout=3600, poll=0.1)
        elapsed = time.perf_counter() - started
    (run,) = server.sql(
        """SELECT state, created_count, updated_count, unchanged_count,
                  error_count, pages_total, pages_failed
             FROM integration_sync_run WHERE backend_id = %s
         ORDER BY id DESC LIMIT 1""",
        [backend_id],
    )
    peak_mb, growth_mb = rss.busiest()
    print(f"{method}: busiest worker peaked at {peak_mb:.0f} MB (+{growth_mb:.0f} MB)")
    return elapsed, run, peak_mb


def main():
    """Run the benchmark and print the RESULT line."""
    records = BOOKINGS + GUESTS
    with ReferenceServer(bookings=BOOKINGS, guests=GUESTS) as remote:
        with _harness.OdooServer("sync", workers=2, channels=CHANNELS) as server:
            with server.env() as env:
                env.ref("base.EUR").active = True
                # The reference system listens on loopback, which the outbound
                # URL guard refuses unless allow-listed.
                params = env["ir.config_parameter"].sudo()
                params.set_param("integration_hub.allowed_networks", "127.0.0.1")
                params.set_param("integration_hub.allow_http", "True")
                backend = env["integration.backend"].create(
                    {
                        "name": "Reference (bench)",
                        "base_url": remote.url,
                        "page_size": PAGE_SIZE,
                        "sync_interval": 0,
                    }
                )
                backend_id = backend.id
            orm_s = orm_ceiling(server, remote)
            print(
                f"orm batch create: {records} records in {orm_s:.1f} s "
                f"({records / orm_s:.0f} records/s)"
            )
            full_s, run, full_mb = sync(server, backend_id, "action_full_sync")
            print(
                f"full sync: {records} records in {full_s:.1f} s "
                f"({records / full_s:.0f} records/s), run {run}, "
                f"peak worker RSS {full_mb:.0f} MB"
            )
            remote.touch(
                "booking",
                [f"B{n}" for n in range(1, BOOKINGS + 1, BOOKINGS // CHANGED)],
                {"room": "D1"},
            )
            delta_s, run, delta_mb = sync(server, backend_id, "action_sync_changes")
            print(
                f"delta sync: {CHANGED} changed bookings in {delta_s:.2f} s, "
                f"run {run}, peak worker RSS {delta_mb:.0f} MB"
            )
            print(
                "memory: peak RSS of the Odoo server process that grew most during "
                "the sync (the HTTP worker the job runner sent the jobs to)"
            )
    print(
        f"RESULT ratio={orm_s / full_s:.2f} delta_share={delta_s / full_s:.3f} "
        f"full_rss_mb={full_mb:.0f} delta_rss_mb={delta_mb:.0f}"
    )


if __name__ == "__main__":
    main()
