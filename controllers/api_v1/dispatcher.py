# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dispatcher of the ``/api/v1`` endpoint: fastapi's, run in the request's
own thread, body unread.

fastapi's own dispatcher hands the app to an event loop in another thread,
through a WSGI bridge that reads at most the declared ``Content-Length`` (after
the dispatcher has read a streamed body whole). The API must authenticate first
and refuse bodies over ``integration_hub.api_max_body_size`` unread, declared or
chunked, so the app gets an empty ASGI body and reads the real one itself, once
the client is authenticated (:func:`..common.read_body`). And it
runs the app on an event loop of the serving thread: the API's bookkeeping
opens cursors of its own, which Odoo's test cursors serialise per thread, and
no thread hop is paid per request. The routes are ``async``, so nothing is
sent to a thread pool either.
"""

import asyncio
import threading
import time
from io import BytesIO

from a2wsgi.asgi import build_scope

from odoo.addons.fastapi.fastapi_dispatcher import FastApiDispatcher
from odoo.addons.fastapi.pools import fastapi_app_pool
from odoo.http import request

from ...tools.api_reference import API_PREFIX

ROUTING_TYPE = "integration_api"
# The route counted for a request that matched no route of the API: its path
# is not kept, so made-up paths add no rows to integration.api.traffic.
OTHER_ROUTE = "other"
_loops = threading.local()


def _event_loop():
    """The event loop of the current thread (each serving thread has one)."""
    loop = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _loops.loop = asyncio.new_event_loop()
    return loop


class IntegrationApiDispatcher(FastApiDispatcher):
    """Dispatches ``/api/v1`` requests to the fastapi app, in this thread."""

    routing_type = ROUTING_TYPE

    def dispatch(self, endpoint, args):
        started = time.perf_counter()
        self.request.params = {}
        # The Werkzeug request's own environ, as fastapi's dispatcher takes it.
        environ = dict(self.request.httprequest._HTTPRequest__wrapped.environ)
        environ["wsgi.input"] = BytesIO()
        environ["CONTENT_LENGTH"] = "0"
        path = environ["PATH_INFO"]
        messages = []
        scope = build_scope(environ)

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            messages.append(message)

        with fastapi_app_pool.get_app(env=request.env, root_path=path) as app:
            uid = request.env["fastapi.endpoint"].sudo().get_uid(path)
            with self._manage_odoo_env(uid):
                # app is the WSGI bridge around the ASGI app; call the latter.
                _event_loop().run_until_complete(app.app(scope, receive, send))
        start = next(m for m in messages if m["type"] == "http.response.start")
        body = b"".join(
            m.get("body", b"") for m in messages if m["type"] == "http.response.body"
        )
        names = scope.get("header_names", {})
        headers = [
            (
                names.get(name.decode("latin1"), name.decode("latin1").title()),
                value.decode("latin1"),
            )
            for name, value in start["headers"]
        ]
        self._count(scope, start["status"], started)
        return self.request.make_response(body, headers=headers, status=start["status"])

    def _count(self, scope, status, started):
        """Count the request in ``integration.api.traffic`` under its route (the
        method and the path template the app matched)."""
        route = scope.get("route")
        path = getattr(route, "path", "")
        # A catch-all route (``{rest:path}``) answers paths the API does not
        # serve: counted together, so made-up paths add no rows.
        if not path or path.endswith(":path}"):
            label = OTHER_ROUTE
        else:
            label = f"{scope['method']} {API_PREFIX}{path}"
        request.env["integration.api.traffic"].sudo()._record(
            label, status, (time.perf_counter() - started) * 1000
        )
