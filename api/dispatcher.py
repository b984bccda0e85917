# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dispatcher of the ``/api/v1`` endpoint: fastapi's, minus its body read.

fastapi's own dispatcher reads a whole streamed (chunked) request body into
memory before the app runs, and the ASGI bridge it uses reads at most the
declared ``Content-Length``. The API must authenticate first and refuse bodies
over ``integration_hub.api_max_body_size`` unread, declared or chunked, so the
app gets an empty ASGI body and reads the real one itself, once the client is
authenticated (:func:`..controllers.common.read_body`).
"""

from io import BytesIO

from odoo.addons.fastapi.fastapi_dispatcher import FastApiDispatcher

ROUTING_TYPE = "integration_api"


class IntegrationApiDispatcher(FastApiDispatcher):
    """Dispatches ``/api/v1`` requests to the fastapi app, body unread."""

    routing_type = ROUTING_TYPE

    def _get_environ(self):
        # The Werkzeug request's own environ, as fastapi's dispatcher takes it.
        httprequest = self.request.httprequest._HTTPRequest__wrapped
        environ = dict(httprequest.environ)
        environ["wsgi.input"] = BytesIO()
        environ["CONTENT_LENGTH"] = "0"
        return environ
