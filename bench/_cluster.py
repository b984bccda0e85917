# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Several Odoo nodes on one PostgreSQL of their own, behind a load balancer, for
the faults benchmark: every piece can be killed and restarted.

* :class:`PrivatePostgres`: a cluster initialised in a temporary folder for this
  run only (the shared one is never restarted), on a port of the bench's range;
* :class:`Node`: Odoo with HTTP workers, a cron thread and queue_job's runner,
  configured as in production (``server_wide_modules``, channels, runner host
  and port pointing at the balancer, ``proxy_mode``, ``db_name``);
* :class:`Balancer`: a TCP round-robin balancer in a process of its own, which
  skips a node that refuses connections (the job runner's requests and the
  inbound webhooks go through it).
"""

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import _harness
import psutil

hub = _harness.hub

# The channels of every node: capacity counts across the cluster (one runner).
CHANNELS = "root:8,root.integration.delivery:4,root.integration.inbound:2"


class PrivatePostgres(hub.Postgres):
    """A PostgreSQL cluster of this run, in a temporary folder, on ``port``."""

    def __init__(self, port):
        super().__init__()
        self.external = False
        self.host, self.port = "127.0.0.1", port
        self.user, self.password = hub.EMBEDDED_PG_ROLE, ""
        base = Path("/var/cache/integration-hub") if self.os_user else hub.CACHE
        base.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-", dir=base))
        self.data = self.dir / "data"

    def start(self):
        if self.ready():
            raise hub.SetupError(f"port {self.port} is taken by another PostgreSQL")
        super().start()

    def restart(self):
        """Restart the server (fast shutdown: sessions are cut, as on a
        fail-over or a package upgrade)."""
        # The new server's output goes to its log, not to our pipe.
        self.pg_ctl("-l", self.dir / "server.log", "-m", "fast", "-w", "restart")

    def stop(self):
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def copy_database(self, source_pg, source_db, db):
        """Copy ``source_db`` of ``source_pg`` (the shared template) here."""
        hub.run([self._bin("createdb"), db], quiet=True, env=self.env())
        dump = subprocess.Popen(
            [self._bin("pg_dump"), "-Fc", "-d", source_db],
            env=source_pg.env(),
            stdout=subprocess.PIPE,
        )
        hub.run(
            [self._bin("pg_restore"), "--no-owner", "-d", db],
            quiet=True,
            env=self.env(),
            stdin=dump.stdout,
        )
        dump.wait()


class Node:
    """One Odoo node of the cluster on ``port``, its job runner dispatching
    through ``runner_port`` (the balancer)."""

    def __init__(self, name, pg, db, port, runner_port, workers=2):
        self.name, self.pg, self.db, self.port = name, pg, db, port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = hub.BUILD / f"bench-faults-{name}.log"
        options = {
            **pg.odoo_options(),
            "addons_path": hub.ensure_addons_link(),
            "data_dir": hub.CACHE / "data",
            "admin_passwd": "admin",
            "db_name": db,
            "list_db": False,
            "proxy_mode": True,
            "http_interface": "127.0.0.1",
            "http_port": port,
            "workers": workers,
            "max_cron_threads": 1,
            "server_wide_modules": "base,web,queue_job",
            "log_level": "warn",
            "limit_time_cpu": 600,
            "limit_time_real": 1200,
        }
        lines = ["[options]", *(f"{k} = {v}" for k, v in options.items())]
        lines += [
            "",
            "[queue_job]",
            f"channels = {CHANNELS}",
            "host = 127.0.0.1",
            f"port = {runner_port}",
            "",
        ]
        self.conf = hub.BUILD / f"bench-faults-{name}.conf"
        self.conf.write_text("\n".join(lines))
        self.proc = None
        self.pids = set()

    def install(self):
        hub.run(
            hub.odoo_install_cmd(
                _harness.sys.executable,
                self.conf,
                "-i",
                "integration_hub",
                "--workers=0",
                "--without-demo=all",
            ),
            quiet=True,
        )

    def start(self, timeout=120):
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [str(c) for c in hub.odoo_cmd(_harness.sys.executable, self.conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"node {self.name} exited; see {self.log_path}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/web/login", timeout=5):
                    self.sample_pids()
                    return
            time.sleep(0.3)
        raise RuntimeError(f"node {self.name} did not answer; see {self.log_path}")

    def sample_pids(self):
        """Remember the node's process ids (workers come and go)."""
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                master = psutil.Process(self.proc.pid)
                self.pids |= {master.pid, *(c.pid for c in master.children(True))}

    def kill(self):
        """``kill -9`` of the whole node: master, workers and job runner."""
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def _balance(port, backends, ready):
    listener = socket.create_server(("127.0.0.1", port), backlog=256)
    ready.set()
    turn = itertools.cycle(range(len(backends)))

    def pipe(source, target):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def serve(client):
        upstream = None
        for _try in range(len(backends)):
            with contextlib.suppress(OSError):
                upstream = socket.create_connection(
                    ("127.0.0.1", backends[next(turn)]), timeout=1
                )
                upstream.settimeout(None)
                break
        if not upstream:
            client.close()
            return
        back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
        back.start()
        pipe(client, upstream)
        back.join()
        client.close()
        upstream.close()

    while True:
        client, _address = listener.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


class Balancer(_harness.ServerProcess):
    """Round robin over ``backends`` (ports), per connection, on ``port``."""

    def __init__(self, port, backends):
        super().__init__(_balance, port, backends)
        self.port, self.backends = port, backends
