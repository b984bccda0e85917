"""What every benchmark needs: an Odoo server of its own, started and stopped.

A benchmark runs in the project's virtual environment (``make bench NAME=...``), which
sets ``PGHOST``/``PGPORT``/``PGUSER`` and ``INTEGRATION_HUB_TEMPLATE`` (a database with
the module's dependencies installed, without demo data). :class:`OdooServer` clones
that template into a database of the benchmark's own, installs the module, and runs
Odoo with HTTP workers and the queue_job runner on a free port of 127.0.0.1.
"""

import contextlib
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(
    os.environ.get("INTEGRATION_HUB_ROOT", Path(__file__).resolve().parent.parent)
)
sys.path.insert(0, str(ROOT / "dev"))

import hub  # noqa: E402  (dev/hub.py, found through the path entry above)
import psutil  # noqa: E402

import odoo  # noqa: E402
from odoo import SUPERUSER_ID  # noqa: E402
from odoo import api  # noqa: E402

PENDING_JOB_STATES = ("pending", "enqueued", "started", "wait_dependencies")
SWEEP_METHOD = "_recover_stranded_job"


def free_port():
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


class ServerProcess:
    """``serve(*args, ready)`` in a process of its own for the time of a
    ``with``: entered once ``serve`` sets ``ready`` (10 s at most), stopped on
    exit."""

    def __init__(self, serve, *args):
        self._serve, self._args = serve, args
        self.process = None

    def __enter__(self):
        ready = multiprocessing.Event()
        self.process = multiprocessing.Process(
            target=self._serve, args=(*self._args, ready), daemon=True
        )
        self.process.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.join(5)


class OdooServer:
    """Odoo with the module on a database of its own, for the time of a ``with``."""

    def __init__(
        self,
        name,
        workers=2,
        channels=hub.DEFAULT_CHANNELS,
        extra_modules=(),
        options=None,
        addons_path_extra=(),
    ):
        self.name = name
        # A suffix lets several checkouts benchmark at once on one PostgreSQL.
        self.db = f"ih_bench_{name}{os.environ.get('INTEGRATION_HUB_BENCH_SUFFIX', '')}"
        self.workers = workers
        self.channels = channels
        self.modules = ("integration_hub", *extra_modules)
        self.options = options or {}
        self.addons_path_extra = addons_path_extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = hub.BUILD / f"bench-{name}.log"
        self.pg = hub.Postgres()
        self.python = sys.executable
        self.proc = None
        self.conf = None
        self._registry = None

    def __enter__(self):
        template = os.environ.get("INTEGRATION_HUB_TEMPLATE") or hub.ensure_template(
            self.pg, self.python, demo=False
        )
        self.pg.clone(template, self.db)
        self.conf = hub.write_config(
            self.pg,
            self.db,
            self.db,
            http_port=self.port,
            workers=self.workers,
            # A gevent port of its own: on the default one, another checkout's
            # benchmark makes the longpolling process fail and restart all run.
            options={"log_level": "warn", "gevent_port": free_port(), **self.options},
            channels=self.channels,
            addons_extra=self.addons_path_extra,
        )
        hub.run(
            hub.odoo_install_cmd(
                self.python,
                self.conf,
                "-i",
                ",".join(self.modules),
                "--workers=0",
                "--without-demo=all",
            ),
            quiet=True,
        )
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [str(c) for c in hub.odoo_cmd(self.python, self.conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/web/login", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(
            f"Odoo did not answer within {timeout} s; see {self.log_path}"
        )

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 2)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        if self._registry:
            odoo.sql_db.close_db(self.db)

    @contextlib.contextmanager
    def env(self):
        """An Odoo environment (superuser) on the benchmark's database; commits."""
        if self._registry is None:
            odoo.tools.config.parse_config(["-c", str(self.conf)])
            self._registry = odoo.modules.registry.Registry(self.db)
        with self._registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def sql(self, query, params=None):
        """Run one query in its own transaction and return all rows."""
        with self.env() as env:
            env.cr.execute(query, params)
            return env.cr.fetchall() if env.cr.description else []

    def wait_jobs_done(self, timeout=600, poll=0.2):
        """Wait until the job runner has no job left to run; return seconds waited.

        The recovery sweep does not count: it is a chain of jobs that always has
        its next one waiting (``integration.recovery``).
        """
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            (count,) = self.sql(
                """SELECT count(*) FROM queue_job
                    WHERE state IN %s AND method_name != %s""",
                (PENDING_JOB_STATES, SWEEP_METHOD),
            )[0]
            if not count:
                return time.monotonic() - started
            time.sleep(poll)
        raise TimeoutError(f"jobs still pending after {timeout} s")

    def worker_pids(self):
        """Process ids of the Odoo master and its workers."""
        master = psutil.Process(self.proc.pid)
        return [master.pid, *(c.pid for c in master.children(recursive=True))]

    def cpu_seconds(self):
        """CPU time used so far by the Odoo processes and by PostgreSQL's, in
        seconds: ``{"odoo": ..., "postgres": ...}`` (PostgreSQL's only when it
        runs on this machine)."""
        used = {"odoo": 0.0, "postgres": 0.0}
        for pid in self.worker_pids():
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(pid).cpu_times()
                used["odoo"] += times.user + times.system
        for proc in psutil.process_iter(["name"]):
            if proc.info["name"] == "postgres":
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    used["postgres"] += times.user + times.system
        return used
