# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Twenty identical deliveries at the same moment, on a real multi-worker Odoo:
all answered 202 with the same body, one message stored, one job processed. And
forged deliveries mixed with real ones: the real ones accepted, the forged ones
counted in one audit line.

The test's own HTTP server shares one test transaction between requests, so it
cannot show concurrency. This test starts Odoo with two HTTP workers and the job
runner on a database of its own (cloned from the test template, the module
installed, the data committed), and removes both afterwards.
"""

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess  # nosec B404  # starts the Odoo server under test
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

import odoo.sql_db
from odoo.tests import tagged
from odoo.tests.common import BaseCase

from .test_inbound_webhooks import OTHER_SECRET
from .test_inbound_webhooks import SW_SECRET
from .test_inbound_webhooks import library_headers

ROOT = Path(
    os.environ.get("INTEGRATION_HUB_ROOT") or Path(__file__).resolve().parents[1]
)
THREADS = 20
DEADLINE = 90


def load_hub():
    """The project's set-up script (dev/hub.py), for its database and launcher
    helpers."""
    spec = importlib.util.spec_from_file_location("hub", ROOT / "dev" / "hub.py")
    hub = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hub)
    return hub


@tagged("post_install", "-at_install")
class TestInboundConcurrency(BaseCase):
    def setUp(self):
        super().setUp()
        self.started = time.monotonic()
        self.hub = load_hub()
        self.pg = self.hub.Postgres()
        self.db = f"ih_inbound_race_{uuid.uuid4().hex[:8]}"
        self.python = sys.executable
        template = self.hub.ensure_template(self.pg, self.python)
        self.pg.clone(template, self.db)
        self.addCleanup(self.pg.drop, self.db)
        port = self._free_port()
        self.url = f"http://127.0.0.1:{port}"
        conf = self.hub.write_config(
            self.pg, f"test-{self.db}", self.db, http_port=port, workers=2
        )
        self.addCleanup(conf.unlink)
        self.hub.run(
            self.hub.odoo_install_cmd(
                self.python, conf, "-i", "integration_hub", "--workers=0"
            ),
            quiet=True,
        )
        self.source_id = self._create_source()
        log_path = self.hub.BUILD / "test-inbound-concurrency.log"
        with open(log_path, "w") as log:
            # Our own command line (odoo-bin and its configuration), no shell.
            self.server = subprocess.Popen(  # nosec B603
                [str(c) for c in self.hub.odoo_cmd(self.python, conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.addCleanup(self._stop_server)
        self._wait_ready()

    @staticmethod
    def _free_port():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def _sql(self, query, params=None):
        """Run one statement on the race database, committed; return its rows."""
        # Leaving the cursor's block commits.
        with odoo.sql_db.db_connect(self.db).cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else []

    def _create_source(self):
        # Plain SQL: the registry of this process belongs to the test database.
        return self._sql(
            """
            INSERT INTO integration_inbound_source
                (name, slug, scheme, secret, tolerance, max_body_size, rate_limit,
                 key_ttl_days, retention_days, active, company_id,
                 create_uid, write_uid, create_date, write_date)
            VALUES ('Race', 'race', 'standard_webhooks', %s, 300, 1048576, 0,
                    7, 30, true, 1, 1, 1, now(), now())
            RETURNING id
            """,
            (SW_SECRET,),
        )[0][0]

    def _wait_ready(self):
        while time.monotonic() - self.started < DEADLINE / 2:
            self.assertIsNone(self.server.poll(), "Odoo exited during start-up")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{self.url}/web/login", timeout=10).ok:
                    return
            time.sleep(0.3)
        self.fail("Odoo did not start in time")

    def _stop_server(self):
        if self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGINT)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
        odoo.sql_db.close_db(self.db)

    def _deliver_at_once(self, body, headers_of):
        """POST ``body`` to the race source from THREADS threads released at
        once (thread ``index`` sends ``headers_of(index)``); their responses, in
        thread order."""
        barrier = threading.Barrier(THREADS)
        responses = [None] * THREADS

        def deliver(index):
            headers = headers_of(index)
            barrier.wait()
            responses[index] = requests.post(
                f"{self.url}/integration/webhook/race",
                data=body,
                headers=headers,
                timeout=30,
            )

        threads = [threading.Thread(target=deliver, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return responses

    def test_twenty_simultaneous_duplicates(self):
        body = json.dumps({"type": "ihtest.concurrent", "data": {"id": 1}}).encode()
        headers = {
            "Content-Type": "application/json",
            **library_headers(SW_SECRET, body),
        }
        answers = [
            (
                response.status_code,
                response.content,
                response.headers.get("Idempotent-Replayed"),
            )
            for response in self._deliver_at_once(body, lambda _index: headers)
        ]
        self.assertEqual([status for status, _b, _r in answers], [202] * THREADS)
        self.assertEqual(len({content for _s, content, _r in answers}), 1)
        replayed = [flag for _s, _b, flag in answers if flag == "true"]
        self.assertEqual(len(replayed), THREADS - 1)
        messages = self._sql(
            "SELECT id FROM integration_inbound_message WHERE source_id = %s",
            (self.source_id,),
        )
        self.assertEqual(len(messages), 1)
        self.assertEqual(json.loads(answers[0][1])["data"]["id"], str(messages[0][0]))
        # The job runner picks the one job up and processes the message once.
        while time.monotonic() - self.started < DEADLINE:
            states = self._sql(
                "SELECT state FROM queue_job WHERE channel = 'root.integration.inbound'"
            )
            if states and all(state == "done" for (state,) in states):
                break
            time.sleep(0.3)
        self.assertEqual(states, [("done",)])
        # Nothing handles ihtest.concurrent: taken once, and ignored.
        self.assertEqual(
            self._sql("SELECT state, attempt_count FROM integration_inbound_message"),
            [("ignored", 1)],
        )
        self.assertLess(time.monotonic() - self.started, DEADLINE)

    def test_forged_deliveries_among_real_ones(self):
        # Forged and real deliveries at once, from the same address: the audit
        # line and the per-address counter are updated by concurrent requests
        # on both workers (on the module's own autocommit connections, not the
        # test cursor of the other tests).
        if time.time() % 60 > 45:
            time.sleep(60 - time.time() % 60)
        body = json.dumps({"type": "ihtest.flood", "data": {"id": 2}}).encode()

        def headers_of(index):
            secret = SW_SECRET if index % 2 else OTHER_SECRET
            return {
                "Content-Type": "application/json",
                **library_headers(secret, body),
            }

        answers = [
            response.status_code for response in self._deliver_at_once(body, headers_of)
        ]
        self.assertEqual(answers[1::2], [202] * (THREADS // 2))
        self.assertEqual(answers[0::2], [401] * (THREADS // 2))
        self.assertEqual(
            self._sql(
                "SELECT slug, code, http_status, count, remote_addr"
                " FROM integration_inbound_audit"
            ),
            [("race", "invalid_signature", 401, THREADS // 2, "127.0.0.1")],
        )
        self.assertEqual(
            self._sql(
                "SELECT count FROM integration_rate_limit WHERE key = %s",
                (f"inbound-unverified:{self.source_id}:127.0.0.1",),
            ),
            [(THREADS // 2,)],
        )
        messages = self._sql(
            "SELECT count(*) FROM integration_inbound_message WHERE source_id = %s",
            (self.source_id,),
        )
        self.assertEqual(messages, [(THREADS // 2,)])
