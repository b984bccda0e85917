# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A real webhook receiver on 127.0.0.1 and helpers to run delivery jobs."""

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

from odoo import fields
from odoo.addons.queue_job.job import Job

DELIVERY_JOB_METHODS = ("_deliver_due", "_enqueue")


class Reply:
    """How the receiver answers one request."""

    def __init__(self, status=200, headers=None, body=b"ok", delay=0, body_size=0):
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.delay = delay
        # When set, a body of this many bytes is streamed in 64 KB chunks.
        self.body_size = body_size


class ServedInThread:
    """A local HTTP server (``self.server``) served by a thread while used as a
    context manager."""

    def _serve_in_thread(self, server):
        self.server = server
        self.port = server.server_address[1]
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class Receiver(ServedInThread):
    """A webhook receiver in a thread; verifies Standard Webhooks signatures with
    the official ``standardwebhooks`` library.

    ``replies`` are consumed in order; once empty, ``default`` answers.
    """

    def __init__(self, secret=None, default=None):
        self.secret = secret
        self.default = default or Reply()
        self.replies = deque()
        self.requests = []
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as separate writes: without TCP_NODELAY
            # each response waits for the client's delayed ACK (40 ms).
            disable_nagle_algorithm = True

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver._record(dict(self.headers), body)
                with receiver.lock:
                    receiver.in_flight += 1
                    receiver.max_in_flight = max(
                        receiver.max_in_flight, receiver.in_flight
                    )
                try:
                    self._answer()
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

            def _answer(self):
                with receiver.lock:
                    reply = (
                        receiver.replies.popleft()
                        if receiver.replies
                        else receiver.default
                    )
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    size = reply.body_size or len(reply.body)
                    self.send_header("Content-Length", str(size))
                    self.end_headers()
                    if reply.body_size:
                        chunk = b"x" * 65536
                        for _sent in range(0, reply.body_size, len(chunk)):
                            self.wfile.write(chunk)
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    # The sender stopped reading, as it should for huge bodies.
                    self.close_connection = True

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._serve_in_thread(server)
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def _record(self, headers, body):
        verified = None
        if self.secret:
            try:
                Webhook(self.secret).verify(body, headers)
                verified = True
            except Exception:  # any refusal counts as unverified
                verified = False
        with self.lock:
            self.requests.append(
                {
                    "headers": headers,
                    "body": body,
                    "json": json.loads(body) if body else None,
                    "verified": verified,
                }
            )


class OutboundMixin:
    """Endpoints on a local receiver and job running, for Odoo test cases."""

    @classmethod
    def _allow_loopback(cls):
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("integration_hub.allowed_networks", "127.0.0.1")
        params.set_param("integration_hub.allow_http", "True")

    @classmethod
    def _event_type(cls, code="outbound.test"):
        EventType = cls.env["integration.event.type"]
        return EventType._by_code(code) or EventType.create({"code": code})

    @classmethod
    def _new_endpoint(cls, url, **values):
        return cls.env["integration.endpoint"].create(
            {
                "name": values.pop("name", "Receiver"),
                "url": url,
                "event_type_ids": [(6, 0, cls._event_type().ids)],
                **values,
            }
        )

    def run_jobs(self, due_only=True, max_rounds=20):
        """Perform the delivery jobs the transaction enqueued (pre-commit hooks
        run first, as at commit), repeating while new ones appear; return how
        many ran. With ``due_only``, jobs with a future ``eta`` are left."""
        performed = 0
        for _round in range(max_rounds):
            self.env.cr.precommit.run()
            domain = [
                ("state", "=", "pending"),
                ("method_name", "in", DELIVERY_JOB_METHODS),
            ]
            if due_only:
                domain += [
                    "|",
                    ("eta", "=", False),
                    ("eta", "<=", fields.Datetime.now()),
                ]
            jobs = self.env["queue.job"].search(domain, order="id")
            if not jobs:
                return performed
            for record in jobs:
                job = Job.load(self.env, record.uuid)
                job.set_started()
                job.store()
                job.perform()
                job.set_done()
                job.store()
                performed += 1
        return performed

    def make_due(self, deliveries):
        """Skip the wait until the next attempt (instead of sleeping): the
        deliveries and the jobs waiting for them become due now."""
        now = fields.Datetime.now()
        deliveries.write({"next_attempt_at": now})
        self.env["queue.job"].search(
            [("state", "=", "pending"), ("uuid", "in", deliveries.mapped("job_uuid"))]
        ).write({"eta": now})
        self.env.flush_all()
