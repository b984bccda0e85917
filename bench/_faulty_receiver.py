# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A webhook receiver for the faults benchmark, in a process of its own, that
misbehaves as its path says and counts what it processed.

``/<mode>/<scenario>``, modes:

* ``flaky``: 503 to one message in ten, on its first attempt;
* ``burst``: 503 to everything during 1.5 s bursts, every 5 s;
* ``slow``: during 1.5 s windows every 5 s, answers after 2.5 s (beyond the
  endpoint's 1 s timeout);
* ``reset``: one message in ten, on its first attempt, has its connection reset
  (RST) instead of an answer.

A message is *processed* when the receiver answered it 2xx on a connection the
sender still held: a receiver that finds its client gone (a sender that timed
out) does not commit, like a web framework cancelling the request.
``GET /stats/<scenario>`` returns ``{"processed": {id: times}, "received": n}``.
"""

import json
import select
import socket
import struct
import threading
import time
import urllib.request
import zlib
from collections import Counter
from collections import defaultdict
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import _harness

STARTED = time.monotonic()


def _in_window(period=5.0, length=1.5):
    return (time.monotonic() - STARTED) % period < length


def _client_gone(connection):
    readable, _w, _x = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _serve(port, ready):
    lock = threading.Lock()
    processed = defaultdict(Counter)
    received = Counter()
    seen = defaultdict(set)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self):
            scenario = self.path.rsplit("/", 1)[-1]
            with lock:
                body = json.dumps(
                    {
                        "processed": dict(processed[scenario]),
                        "received": received[scenario],
                    }
                ).encode()
            self._answer(200, body)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            _root, mode, scenario = self.path.split("/", 2)
            message = self.headers.get("webhook-id", "")
            with lock:
                received[scenario] += 1
                first = message not in seen[scenario]
                seen[scenario].add(message)
            one_in_ten = zlib.crc32(message.encode()) % 10 == 0
            if mode == "flaky" and first and one_in_ten:
                return self._answer(503, b"busy")
            if mode == "burst" and _in_window():
                return self._answer(503, b"burst")
            if mode == "reset" and first and one_in_ten:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
                self.close_connection = True
                return None
            if mode == "slow" and _in_window():
                time.sleep(2.5)
                if _client_gone(self.connection):
                    self.close_connection = True
                    return None
            with lock:
                processed[scenario][message] += 1
            return self._answer(200, b"ok")

        def _answer(self, status, body):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def finish(self):
            try:
                super().finish()
            except (OSError, ValueError):
                pass

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, request, client_address):
            pass

    server = Server(("127.0.0.1", port), Handler)
    ready.set()
    server.serve_forever()


class FaultyReceiver(_harness.ServerProcess):
    """The receiver process on ``port``, for the time of a ``with``."""

    def __init__(self, port):
        super().__init__(_serve, port)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def stats(self, scenario):
        with urllib.request.urlopen(f"{self.url}/stats/{scenario}", timeout=10) as r:
            return json.loads(r.read())
