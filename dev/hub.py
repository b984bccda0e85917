#!/usr/bin/env python3
"""Set up and run Integration Hub for development, tests and benchmarks.

Used by the Makefile (``make run``, ``make test``, ``make bench NAME=...``). It needs
only the Python standard library, so it runs before any virtual environment exists.

What it prepares, each step skipped when already done:

* a virtual environment (shared by every clone on the machine, under the cache
  directory) with Odoo 18, queue_job, pytest-odoo and the module's dependencies;
* PostgreSQL: the server named by the usual ``PG*`` variables when one answers,
  otherwise a private cluster under the cache directory, started for the command and
  stopped afterwards;
* an addons folder in which this checkout appears as ``integration_hub`` whatever the
  clone is called.
* Chrome or Chromium for the browser tests (``make test``, ``make screenshots``):
  Debian's ``chromium`` package is installed when run as root with apt-get;
  otherwise the set-up stops and says how to install it (dev/browser.py).

Settings (environment variables):

``ODOO_SRC``               Odoo 18 source: a folder, an archive path or an URL
                           (default: the official 18.0 source release).
``PYTHON``                 interpreter for the virtual environment (default: this one);
                           if it already imports Odoo 18, that Odoo is used.
``INTEGRATION_HUB_CACHE``  cache directory (default ``~/.cache/integration-hub``).
``INTEGRATION_HUB_DB``     database of ``make run`` (default ``integration_hub``).
``INTEGRATION_HUB_PORT``   HTTP port of ``make run`` (default 8069).
``INTEGRATION_HUB_TEST_DB`` / ``INTEGRATION_HUB_TEST_PORT``  database and HTTP port
                           of ``make test`` (default ``integration_hub_test``, 8069),
                           so that two checkouts can test side by side.
``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD``  an existing PostgreSQL server.
"""

import ast
import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

import browser  # dev/browser.py, next to this script

ROOT = Path(__file__).resolve().parent.parent
MODULE = "integration_hub"
DEFAULT_ODOO_SRC = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
CACHE = Path(
    os.environ.get("INTEGRATION_HUB_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "integration-hub"
)
VENV = CACHE / "venv"
BUILD = ROOT / ".build"
ADDONS = BUILD / "addons"
# Addons kept with the tests, installed by `make test` next to the module.
TEST_ADDONS = ROOT / "tests" / "addons"
EMBEDDED_PG_PORT = int(os.environ.get("INTEGRATION_HUB_PGPORT", "55432"))
# Odoo refuses to connect as "postgres": the embedded cluster's superuser is "odoo".
EMBEDDED_PG_ROLE = "odoo"
# Python packages the module, its tests and its tools need besides Odoo itself.
PROJECT_REQUIREMENTS = ROOT / "dev" / "requirements.txt"
# Pins applied to Odoo's own requirements when its list leaves a version open.
ODOO_CONSTRAINTS = ROOT / "dev" / "odoo-constraints.txt"
# Requirements of Odoo that the module does not use and that need system headers to
# build (LDAP) or exist only on Windows.
SKIPPED_ODOO_REQUIREMENTS = {"python-ldap", "pypiwin32", "rl-renderpm"}


class SetupError(Exception):
    """A missing piece, reported as one sentence and a non-zero exit."""


def say(message):
    """Print a progress line the way every step of the set-up does."""
    print(f"[integration-hub] {message}", flush=True)


def run(cmd, check=True, quiet=False, **kwargs):
    """Run a command, echoing it; raise SetupError with its output on failure."""
    if not quiet:
        say("$ " + " ".join(str(c) for c in cmd))
    if quiet:
        kwargs.setdefault("stdout", subprocess.PIPE)
        kwargs.setdefault("stderr", subprocess.STDOUT)
        kwargs.setdefault("text", True)
    proc = subprocess.run([str(c) for c in cmd], check=False, **kwargs)
    if check and proc.returncode:
        output = proc.stdout if quiet and proc.stdout else ""
        raise SetupError(f"{cmd[0]} failed (exit {proc.returncode}).\n{output}")
    return proc


def file_digest(*paths):
    """Hash of the given files' contents, to know when a cached step is stale."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes() if Path(path).exists() else b"-")
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------- Python


def venv_python():
    return VENV / "bin" / "python"


def imports_odoo18(python):
    """True when ``python`` can import Odoo 18."""
    probe = "import odoo.release as r; print(r.version_info[0])"
    try:
        proc = subprocess.run(
            [str(python), "-c", probe], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and proc.stdout.strip() == "18"


def fetch_odoo_source():
    """Return a folder holding Odoo 18's ``odoo`` package, fetching it if needed."""
    source = os.environ.get("ODOO_SRC") or DEFAULT_ODOO_SRC
    path = Path(source).expanduser()
    if path.is_dir():
        if not (path / "odoo" / "release.py").exists():
            raise SetupError(
                f"ODOO_SRC={source} is a folder without odoo/release.py: point it at "
                "an Odoo 18 source tree (the folder holding odoo-bin)."
            )
        return path.resolve()
    target = CACHE / "odoo-src" / hashlib.sha256(source.encode()).hexdigest()[:12]
    if (target / "odoo" / "release.py").exists():
        return target
    if path.is_file():
        archive = path
    elif "://" in source:
        archive = CACHE / "downloads" / Path(source.split("?")[0]).name
        archive.parent.mkdir(parents=True, exist_ok=True)
        if not archive.exists():
            say(f"downloading Odoo 18 from {source}")
            try:
                with urllib.request.urlopen(source, timeout=60) as resp:
                    partial = archive.with_suffix(".part")
                    with open(partial, "wb") as out:
                        shutil.copyfileobj(resp, out)
                    partial.rename(archive)
            except OSError as exc:
                raise SetupError(
                    f"Odoo 18 source could not be downloaded from {source} ({exc}): "
                    "set ODOO_SRC to a local Odoo 18 source folder or archive."
                ) from exc
    else:
        raise SetupError(
            f"ODOO_SRC={source} is neither a folder, an archive nor an URL: set it "
            "to an Odoo 18 source folder, a source archive or its URL."
        )
    say(f"unpacking {archive}")
    unpack = Path(tempfile.mkdtemp(dir=CACHE, prefix="unpack-"))
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(unpack)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(unpack, filter="data")
    found = next(unpack.glob("**/odoo/release.py"), None)
    if not found:
        shutil.rmtree(unpack)
        raise SetupError(
            f"{archive} holds no odoo/release.py: it is not an Odoo source."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    found.parent.parent.rename(target)
    shutil.rmtree(unpack)
    return target


def odoo_requirements(source):
    """Odoo's requirement lines, pinned where open and without unused extras."""
    pins = {}
    for line in ODOO_CONSTRAINTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            pins[line.split("==")[0].strip().lower()] = line
    lines = []
    req_file = source / "requirements.txt"
    for raw in req_file.read_text().splitlines() if req_file.exists() else []:
        line = raw.split("#")[0].strip()
        if not line:
            continue
        spec, _, marker = line.partition(";")
        name = spec.strip()
        for sep in ("==", ">=", "<=", "~=", "<", ">"):
            name = name.split(sep)[0]
        name = name.strip().lower()
        if name in SKIPPED_ODOO_REQUIREMENTS:
            continue
        if name == "psycopg2":
            # The binary wheel needs no compiler nor libpq headers.
            spec = spec.replace("psycopg2", "psycopg2-binary")
        elif spec.strip().lower() == name and name in pins:
            spec = pins[name]
        lines.append(spec.strip() + (f" ;{marker}" if marker else ""))
    return lines


def ensure_venv():
    """Create the shared virtual environment once; return its Python."""
    stamp = VENV / ".integration-hub-stamp"
    wanted = file_digest(PROJECT_REQUIREMENTS, ODOO_CONSTRAINTS)
    python = venv_python()
    if stamp.exists() and stamp.read_text() == wanted and imports_odoo18(python):
        return python
    CACHE.mkdir(parents=True, exist_ok=True)
    base_python = os.environ.get("PYTHON") or sys.executable
    preinstalled = imports_odoo18(base_python)
    if not python.exists():
        say(f"creating the virtual environment {VENV}")
        cmd = [base_python, "-m", "venv", VENV]
        if preinstalled:
            # Reuse the Odoo 18 that the chosen Python already has.
            cmd.insert(3, "--system-site-packages")
        run(cmd)
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if not preinstalled:
        site = run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            quiet=True,
            stdout=subprocess.PIPE,
        ).stdout.strip()
        # A path entry makes the source importable in place, as ``pip install -e``
        # would, without copying its 600 addons.
        pth = Path(site, "odoo-src.pth")
        installed = pth.exists() and Path(pth.read_text().strip()).is_dir()
        source = Path(pth.read_text().strip()) if installed else fetch_odoo_source()
        req = CACHE / "odoo-requirements.txt"
        req.write_text("\n".join(odoo_requirements(source)) + "\n")
        say(f"installing Odoo's Python dependencies from {source}")
        run([*pip, "-r", req])
        pth.write_text(f"{source}\n")
        if not imports_odoo18(python):
            raise SetupError(f"{source} does not provide Odoo 18 to {python}.")
    say("installing the module's Python dependencies")
    # The addon wheels declare a dependency on an ``odoo`` distribution that the
    # source install does not register, hence --no-deps for them.
    requirements = [
        line.split("#")[0].strip()
        for line in PROJECT_REQUIREMENTS.read_text().splitlines()
    ]
    addons = [r for r in requirements if r.startswith("odoo-addon-")]
    others = [r for r in requirements if r and r not in addons]
    run([*pip, *others])
    run([*pip, "--no-deps", *addons])
    stamp.write_text(wanted)
    return python


# ----------------------------------------------------------------------- PostgreSQL


class Postgres:
    """The database server: an existing one from ``PG*`` variables, or our own."""

    def __init__(self):
        self.started = False
        self.external = any(
            os.environ.get(v) for v in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")
        )
        if self.external:
            self.host = os.environ.get("PGHOST", "localhost")
            self.port = int(os.environ.get("PGPORT", "5432"))
            self.user = os.environ.get("PGUSER", os.environ.get("USER", "odoo"))
            self.password = os.environ.get("PGPASSWORD", "")
        else:
            self.host, self.port = "127.0.0.1", EMBEDDED_PG_PORT
            self.user, self.password = EMBEDDED_PG_ROLE, ""
        # A root-owned home is not traversable by the unprivileged account that
        # PostgreSQL must run as, so root keeps the cluster under /var/cache.
        self.os_user = "nobody" if os.geteuid() == 0 else None
        base = Path("/var/cache/integration-hub") if self.os_user else CACHE
        self.dir = base / "postgres"
        self.data = self.dir / "data"

    def env(self):
        """Environment for libpq tools talking to this server."""
        env = dict(os.environ, PGHOST=self.host, PGPORT=str(self.port))
        env["PGUSER"] = self.user
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def odoo_options(self):
        """The ``[options]`` keys telling Odoo where the database server is."""
        options = {"db_host": self.host, "db_port": self.port, "db_user": self.user}
        if self.password:
            options["db_password"] = self.password
        return options

    def _bin(self, name):
        found = shutil.which(name)
        if found:
            return found
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        if not candidates:
            raise SetupError(
                f"PostgreSQL's {name} was not found: install PostgreSQL (for example "
                "`apt-get install postgresql`) or set PGHOST/PGPORT/PGUSER/PGPASSWORD "
                "to a running server."
            )
        return str(candidates[-1])

    def _as_owner(self, cmd):
        """``cmd`` run as the account that owns the cluster."""
        if not self.os_user:
            return cmd
        # Root's PATH does not always include the sbin folders runuser lives in.
        runuser = shutil.which("runuser") or next(
            (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if Path(p).exists()),
            None,
        )
        if not runuser:
            raise SetupError(
                "runuser (util-linux) was not found: it is needed to run PostgreSQL "
                "as an unprivileged account when set-up runs as root."
            )
        return [runuser, "-u", self.os_user, "--", *cmd]

    def pg_ctl(self, *args, check=True):
        """Run ``pg_ctl`` on this cluster's data folder, as its owner."""
        run(
            self._as_owner([self._bin("pg_ctl"), "-D", self.data, *args]),
            check=check,
            quiet=True,
        )

    def ready(self):
        proc = subprocess.run(
            [self._bin("pg_isready"), "-q", "-h", self.host, "-p", str(self.port)],
            check=False,
        )
        return proc.returncode == 0

    def start(self):
        """Make sure the server answers; start the private cluster if it is ours."""
        if self.external:
            if not self.ready():
                raise SetupError(
                    f"No PostgreSQL answers at {self.host}:{self.port} (from the PG* "
                    "variables): start it, or unset PGHOST/PGPORT/PGUSER/PGPASSWORD to "
                    "use a private cluster."
                )
            return
        if self.ready():
            return
        if not (self.data / "PG_VERSION").exists():
            say(f"creating a private PostgreSQL cluster in {self.data}")
            self.dir.mkdir(parents=True, exist_ok=True)
            if self.os_user:
                shutil.chown(self.dir, self.os_user)
            run(
                self._as_owner(
                    [
                        self._bin("initdb"),
                        "-D",
                        self.data,
                        "-U",
                        EMBEDDED_PG_ROLE,
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                quiet=True,
            )
        socket_dir = self.dir / "run"
        socket_dir.mkdir(exist_ok=True)
        if self.os_user:
            shutil.chown(socket_dir, self.os_user)
        options = (
            f"-p {self.port} -k {socket_dir} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c shared_buffers=256MB"
        )
        self.pg_ctl(
            "-l", self.dir / "server.log", "-o", options, "-w", "-t", "60", "start"
        )
        self.started = True
        say(f"PostgreSQL started on {self.host}:{self.port}")

    def stop(self):
        """Stop the server if this process started it."""
        if self.started:
            self.pg_ctl("-m", "fast", "-w", "stop", check=False)
            self.started = False
            say("PostgreSQL stopped")

    def psql(self, sql, db="postgres"):
        """Run one SQL statement and return its unaligned output."""
        proc = run(
            [self._bin("psql"), "-X", "-A", "-t", "-d", db, "-c", sql],
            quiet=True,
            env=self.env(),
            stdout=subprocess.PIPE,
        )
        return proc.stdout.strip()

    def exists(self, db):
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"

    def drop(self, db):
        run(
            [self._bin("dropdb"), "--if-exists", "--force", db],
            quiet=True,
            env=self.env(),
        )

    def clone(self, template, db):
        self.drop(db)
        run([self._bin("createdb"), "-T", template, db], quiet=True, env=self.env())


# ----------------------------------------------------------------------------- Odoo


def manifest():
    """The addon's manifest as a dictionary."""
    return ast.literal_eval((ROOT / "__manifest__.py").read_text())


def module_digest():
    """Hash of everything that makes up the installed module (not its tests)."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if (
            rel.parts[0] in {".git", ".build", "tests", "bench", "dev"}
            or not path.is_file()
        ):
            continue
        if path.suffix in {".py", ".xml", ".csv", ".png", ".js", ".scss", ".html"}:
            digest.update(str(rel).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_addons_link():
    """Expose the checkout as ``integration_hub`` on an addons path of its own."""
    ADDONS.mkdir(parents=True, exist_ok=True)
    link = ADDONS / MODULE
    if not link.is_symlink() or link.resolve() != ROOT:
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(ROOT, target_is_directory=True)
    return ADDONS


DEFAULT_CHANNELS = (
    "root:4,root.integration.delivery:2,root.integration.inbound:2,"
    "root.integration.sync:1"
)


def write_config(
    pg,
    name,
    db,
    http_port=8069,
    workers=2,
    options=None,
    channels=DEFAULT_CHANNELS,
    addons_extra=(),
):
    """Write an Odoo configuration file for this checkout and return its path.

    ``options`` adds or overrides ``[options]`` keys; ``addons_extra`` are folders
    put on the addons path after the module's own.
    """
    BUILD.mkdir(exist_ok=True)
    settings = {
        "addons_path": ",".join(str(p) for p in (ensure_addons_link(), *addons_extra)),
        "data_dir": CACHE / "data",
        "admin_passwd": "admin",
        **pg.odoo_options(),
        # db_name alone (no dbfilter) serves that database without listing the
        # server's databases on every request.
        "db_name": db,
        "list_db": False,
        "http_interface": "127.0.0.1",
        "http_port": http_port,
        "workers": workers,
        "max_cron_threads": 1,
        "server_wide_modules": "base,web,queue_job",
        "limit_time_cpu": 600,
        "limit_time_real": 1200,
        **(options or {}),
    }
    lines = ["[options]", *(f"{k} = {v}" for k, v in settings.items())]
    lines += ["", "[queue_job]", f"channels = {channels}", ""]
    conf = BUILD / f"{name}.conf"
    conf.write_text("\n".join(lines))
    return conf


def odoo_cmd(python, conf, *args):
    return [ensure_launcher(python), "-c", conf, *args]


def ensure_launcher(python):
    """The ``odoo`` command of the virtual environment, written if Odoo has none.

    A source install has no console script, and ``python -m odoo`` cannot serve:
    Odoo re-executes ``sys.argv[0]`` to start its gevent worker.
    """
    launcher = Path(python).parent / "odoo"
    if not launcher.exists():
        launcher.write_text(
            f"#!{python}\nfrom odoo.cli.command import main\n\nmain()\n"
        )
        launcher.chmod(0o755)
    return launcher


def odoo_install_cmd(python, conf, *args):
    """An install or update that stops when done and reports only what matters."""
    # Odoo 18 with the Werkzeug its requirements pin emits deprecation warnings that
    # say nothing about this module.
    return odoo_cmd(
        python,
        conf,
        *args,
        "--stop-after-init",
        "--log-level=warn",
        "--log-handler=py.warnings:ERROR",
    )


def ensure_template(pg, python, demo=True, apps=()):
    """A database with the module's dependencies installed, cloned for each run.

    Installing base, mail and queue_job takes most of a test run's set-up; keeping
    them in a template makes a second ``make test`` take seconds. Benchmarks use a
    template without demo data, so that only their own records are measured.
    ``apps`` are installed too (Odoo's own runner tests the module among them).
    """
    deps = sorted({*manifest()["depends"], *apps})
    version = run(
        [python, "-c", "import odoo.release as r; print(r.version)"], quiet=True
    ).stdout.strip()
    key = hashlib.sha256(
        f"{version}:{deps}:{file_digest(PROJECT_REQUIREMENTS)}".encode()
    )
    template = f"ih_template_{key.hexdigest()[:10]}{'' if demo else '_nodemo'}"
    if pg.exists(template):
        return template
    say(f"preparing the template database {template} ({', '.join(deps)})")
    conf = write_config(pg, template, template, workers=0)
    tmp = template + "_building"
    pg.drop(tmp)
    run(
        odoo_install_cmd(
            python,
            conf,
            "-d",
            tmp,
            "-i",
            ",".join(deps),
            f"--db-filter=^{tmp}$",
            *([] if demo else ["--without-demo=all"]),
        ),
    )
    pg.psql(f'ALTER DATABASE "{tmp}" RENAME TO "{template}"')
    return template


def check_port_free(port):
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise SetupError(
                f"Port {port} on 127.0.0.1 is busy ({exc.strerror}): stop what listens "
                "there or choose another with INTEGRATION_HUB_PORT=<port>."
            ) from exc


@contextlib.contextmanager
def environment():
    """Python and PostgreSQL ready; PostgreSQL stopped on the way out if started."""
    python = ensure_venv()
    pg = Postgres()
    pg.start()
    try:
        yield python, pg
    finally:
        pg.stop()


# ------------------------------------------------------------------------- commands


def cmd_setup():
    with environment():
        ensure_chromium()
        say("environment ready")
    return 0


def cmd_run():
    db = os.environ.get("INTEGRATION_HUB_DB", MODULE)
    port = int(os.environ.get("INTEGRATION_HUB_PORT", "8069"))
    check_port_free(port)
    with environment() as (python, pg):
        conf = write_config(pg, "run", db, http_port=port)
        stamp = BUILD / f"run-{db}.stamp"
        digest = module_digest()
        if not pg.exists(db):
            template = ensure_template(pg, python)
            pg.clone(template, db)
            say(f"installing {MODULE} with demo data in database {db}")
            run(odoo_install_cmd(python, conf, "-i", MODULE, "--workers=0"))
            stamp.write_text(digest)
        elif not stamp.exists() or stamp.read_text() != digest:
            say(f"updating {MODULE} in database {db}")
            run(odoo_install_cmd(python, conf, "-u", MODULE, "--workers=0"))
            stamp.write_text(digest)
        say(
            f"Odoo is starting: open http://127.0.0.1:{port}/web/login "
            "and log in as admin / admin (Ctrl-C stops everything)"
        )
        remote = start_reference_server(python)
        proc = subprocess.Popen([str(c) for c in odoo_cmd(python, conf)])
        # SIGTERM (a service manager, `kill`) stops everything like Ctrl-C does.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            return stop_gracefully(proc)
        finally:
            if remote:
                remote.terminate()
                remote.wait()


def start_reference_server(python):
    """Start the reference external system the demo backend and endpoint talk to."""
    port = int(os.environ.get("INTEGRATION_HUB_DEMO_REMOTE_PORT", "8079"))
    try:
        check_port_free(port)
    except SetupError:
        say(f"port {port} is busy: the demo's reference external system is not started")
        return None
    say(f"reference external system (demo backend) on http://127.0.0.1:{port}")
    return subprocess.Popen(
        [
            str(python),
            str(ROOT / "dev" / "reference_server.py"),
            "--port",
            str(port),
            "--api-key",
            "demo-key",
        ]
    )


def stop_gracefully(proc):
    """Stop Odoo once: Ctrl-C reached it already unless only we were signalled."""
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return 0


def lint(python):
    """Run the linters the pre-commit configuration runs, directly."""
    files = run(["git", "ls-files", "*.py"], quiet=True, cwd=ROOT).stdout.split()
    say("linting with ruff, pylint-odoo and bandit")
    bindir = Path(python).parent
    run([bindir / "ruff", "check", "--no-cache", *files], cwd=ROOT)
    run([bindir / "ruff", "format", "--check", "--no-cache", *files], cwd=ROOT)
    # pylint-odoo's checks are for the addon; dev/ and bench/ are standalone scripts.
    addon_files = [f for f in files if not f.startswith(("dev/", "bench/"))]
    run([bindir / "pylint", "--rcfile=.pylintrc-mandatory", *addon_files], cwd=ROOT)
    # bandit on the addon's code; a false positive carries a reviewed
    # "# nosec BXXX  # reason" where it is. The tests' fixture secrets, asserts
    # and unspecified addresses (test vectors of the URL guard) are by design.
    say("scanning with bandit")
    tests = [f for f in addon_files if f.startswith("tests/")]
    code = [f for f in addon_files if f not in tests]
    run([bindir / "bandit", "-q", *code], cwd=ROOT)
    run([bindir / "bandit", "-q", "--skip", "B101,B104,B105,B106", *tests], cwd=ROOT)


def test_addons():
    """The names of the addons kept with the tests (tests/addons/<name>)."""
    return sorted(p.parent.name for p in TEST_ADDONS.glob("*/__manifest__.py"))


def check_test_imports():
    """Fail unless each addon's ``tests/__init__.py`` imports its ``test_*.py``.

    pytest finds test files by name; Odoo's own runner (``--test-enable``, as
    OCA CI and Odoo.sh run it) only runs the modules the tests package imports.
    This checks the module and the addons kept with its tests before the set-up;
    the pytest plugin ``dev/same_tests.py`` then compares, test by test, what
    pytest collected with what Odoo's runner would run.
    """
    folders = [
        ROOT / "tests",
        *(TEST_ADDONS / name / "tests" for name in test_addons()),
    ]
    for tests in folders:
        tree = ast.parse((tests / "__init__.py").read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module
            for alias in node.names
        }
        missing = sorted(
            p.stem for p in tests.glob("test_*.py") if p.stem not in imported
        )
        if missing:
            raise SetupError(
                f"{tests.relative_to(ROOT)}/__init__.py does not import "
                + ", ".join(missing)
                + ": Odoo's test runner would not run them; add "
                + " ".join(f"'from . import {name}'" for name in missing)
                + "."
            )


# Odoo's own runner runs every test again in a database where these apps are
# installed, as a typical database has them: their settings, menus, partners and
# record rules must not change what the tests see.
OTHER_APPS = ("sale_management", "crm", "website", "account")
ODOO_RUNNER_SUMMARY = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)


# Run by pytest in a process of its own, after the others: schemathesis's
# thousands of requests leave Odoo's threaded test server (one thread per
# connection) unable to start threads for the tests that would follow.
ALONE_TEST = "test_api_schemathesis.py"


def cmd_test(pytest_args):
    check_test_imports()
    started = time.monotonic()
    db = os.environ.get("INTEGRATION_HUB_TEST_DB", f"{MODULE}_test")
    port = int(os.environ.get("INTEGRATION_HUB_TEST_PORT", "8069"))
    with environment() as (python, pg):
        if os.environ.get("INTEGRATION_HUB_SKIP_LINT") != "1":
            lint(python)
        ensure_chromium()
        tests = ADDONS / MODULE / "tests"
        alone = tests / ALONE_TEST
        runs = [pytest_args] if pytest_args else [[tests, f"--ignore={alone}"], [alone]]
        code = pytest_in_fresh_db(
            python,
            pg,
            db,
            port,
            # Fails the run if Odoo's own runner would run other tests.
            [["-p", "same_tests", *args] for args in runs],
            started,
        )
        if pytest_args or os.environ.get("INTEGRATION_HUB_ODOO_RUNNER") != "1":
            return code
        return odoo_runner_in_fresh_db(python, pg, f"{db}_odoo", port) or code


def odoo_runner_in_fresh_db(python, pg, db, port):
    """Run every test with Odoo's own runner, as OCA CI and Odoo.sh do
    (``-i <addons> --test-enable --stop-after-init``), in a fresh ``db`` where
    Sales, CRM, Website and Accounting are installed; return its exit code.

    Its whole log goes to ``.build/odoo-runner-<db>.log``; the failures and the
    runner's count are printed.
    """
    started = time.monotonic()
    template = ensure_template(pg, python, apps=OTHER_APPS)
    pg.clone(template, db)
    conf = write_config(
        pg, f"test-{db}", db, http_port=port, workers=0, addons_extra=[TEST_ADDONS]
    )
    modules = [MODULE, *test_addons()]
    log = BUILD / f"odoo-runner-{db}.log"
    say(
        f"Odoo's own runner: installing {', '.join(modules)} with --test-enable in "
        f"{db}, where {', '.join(OTHER_APPS)} are installed (log: {log})"
    )
    with log.open("w") as out:
        proc = run(
            odoo_cmd(
                python,
                conf,
                "-i",
                ",".join(modules),
                "--test-enable",
                "--test-tags",
                ",".join(f"/{name}" for name in modules),
                "--stop-after-init",
                "--log-handler=py.warnings:ERROR",
            ),
            check=False,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    text = log.read_text(errors="replace")
    for line in re.findall(r"^.* ERROR .*: (?:FAIL|ERROR): .*$", text, re.M):
        print(line, flush=True)
    summary = ODOO_RUNNER_SUMMARY.findall(text)
    if not summary:
        say(f"Odoo's runner ended without a test count (exit {proc.returncode})")
        return proc.returncode or 1
    failed, errors, count = summary[-1]
    say(
        f"Odoo's runner: {failed} failed, {errors} error(s) of {count} tests "
        f"in {time.monotonic() - started:.0f} s (exit {proc.returncode})"
    )
    return proc.returncode or int(failed) + int(errors)


def cmd_screenshots():
    """Take the pictures of static/description/ in headless Chromium.

    The module with its demo data in a fresh database, served on 127.0.0.1 only
    for the time of ``dev/screenshots_case.py``, which adds a day of traffic and
    saves each screen as a PNG.
    """
    started = time.monotonic()
    db = os.environ.get("INTEGRATION_HUB_SCREENS_DB", f"{MODULE}_screens")
    port = int(os.environ.get("INTEGRATION_HUB_SCREENS_PORT", "8071"))
    check_port_free(port)
    with environment() as (python, pg):
        ensure_chromium()
        code = pytest_in_fresh_db(
            python,
            pg,
            db,
            port,
            # Through the addons link, as the tests are: part of the addon's package.
            [[ADDONS / MODULE / "dev" / "screenshots_case.py"]],
            started,
        )
        pg.drop(db)
        if not code:
            say(f"pictures written to {ROOT / 'static' / 'description'}")
        return code


def ensure_chromium():
    """The browser tests' Chromium, installed if possible (see dev/browser.py)."""
    try:
        say(f"browser for the browser tests: {browser.ensure_browser(say)}")
    except browser.BrowserMissing as exc:
        raise SetupError(str(exc)) from exc


def pytest_in_fresh_db(python, pg, db, port, runs, started):
    """Install the module (and the test addons) in a fresh ``db`` cloned from the
    template, then run pytest with Odoo's HTTP server on ``port``, once per list
    of arguments in ``runs``; the exit code of the first failing run."""
    template = ensure_template(pg, python)
    pg.clone(template, db)
    # The test addons (tests/addons) prove that another addon extends the
    # hub without editing it; they are installed with it and tested too.
    conf = write_config(
        pg,
        f"test-{db}",
        db,
        http_port=port,
        workers=0,
        addons_extra=[TEST_ADDONS],
    )
    modules = [MODULE, *test_addons()]
    say(f"installing {', '.join(modules)} in the fresh test database {db}")
    run(odoo_install_cmd(python, conf, "-i", ",".join(modules)))
    say(f"set-up took {time.monotonic() - started:.0f} s; running the tests")
    codes = [
        run(
            [
                python,
                "-m",
                "pytest",
                f"--odoo-config={conf}",
                f"--odoo-database={db}",
                "--odoo-http",
                "--odoo-log-level=warn",
                "-p",
                "no:cacheprovider",
                *pytest_args,
            ],
            check=False,
            cwd=ROOT,
            env=dict(
                os.environ,
                INTEGRATION_HUB_ROOT=str(ROOT),
                PYTHONPATH=os.pathsep.join(
                    filter(None, [str(ROOT / "dev"), os.environ.get("PYTHONPATH")])
                ),
            ),
        ).returncode
        for pytest_args in runs
    ]
    return next((code for code in codes if code), 0)


def cmd_bench(name):
    script = ROOT / "bench" / f"{name}.py"
    if not name or not script.exists():
        available = ", ".join(sorted(p.stem for p in (ROOT / "bench").glob("[!_]*.py")))
        raise SetupError(f"No benchmark {name!r}: use NAME=<one of: {available}>.")
    with environment() as (python, pg):
        template = ensure_template(pg, python, demo=False)
        env = dict(
            pg.env(), INTEGRATION_HUB_TEMPLATE=template, INTEGRATION_HUB_ROOT=str(ROOT)
        )
        return run([python, script], check=False, env=env, cwd=ROOT).returncode


def cmd_wheel():
    """Build the addon's wheel (whool) into ``dist/``.

    whool names the distribution after the addon's folder, like Odoo names a module,
    so the tracked files are copied to a folder called ``integration_hub`` first.
    """
    python = ensure_venv()
    source = BUILD / "wheel-src" / MODULE
    shutil.rmtree(source.parent, ignore_errors=True)
    files = run(["git", "ls-files"], quiet=True, cwd=ROOT).stdout.split()
    # The wheel carries the addon, not the development tooling around it.
    tooling = ("dev", "bench", ".ci", "Makefile", ".pre-commit-config.yaml")
    for name in (f for f in files if not f.startswith(tooling)):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    # whool packs the files git tracks and derives the post-release version from the
    # history: keep the history, untrack the tooling in the copy.
    shutil.copytree(ROOT / ".git", source / ".git", symlinks=True)
    run(["git", "rm", "-r", "-q", "--cached", *tooling], quiet=True, cwd=source)
    dist = ROOT / "dist"
    run([python, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source])
    say(f"wheel written to {dist}")
    return 0


def main(argv):
    command = argv[1] if len(argv) > 1 else "run"
    try:
        if command == "setup":
            return cmd_setup()
        if command == "run":
            return cmd_run()
        if command == "test":
            return cmd_test(argv[2:])
        if command == "bench":
            return cmd_bench(argv[2] if len(argv) > 2 else "")
        if command == "wheel":
            return cmd_wheel()
        if command == "screenshots":
            return cmd_screenshots()
        raise SetupError(
            f"Unknown command {command!r}: use setup, run, test, bench, wheel or "
            "screenshots."
        )
    except SetupError as exc:
        print(f"[integration-hub] error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv))
