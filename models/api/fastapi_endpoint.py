# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo import models

from ...controllers.api_v1.dispatcher import ROUTING_TYPE
from ...controllers.api_v1.docs import docs_router
from ...controllers.api_v1.routers import collections_router
from ...controllers.api_v1.routers import not_found_router

APP = "integration_hub"


class FastapiEndpoint(models.Model):
    """The REST API v1 as a fastapi app: its routes come from the declared
    collections; it runs as the module's technical user until the request's API
    key names the real caller, whose rights and record rules then apply."""

    _inherit = "fastapi.endpoint"

    app = fields.Selection(
        selection_add=[(APP, "Integration Hub REST API")],
        ondelete={APP: "cascade"},
    )

    def _get_fastapi_routers(self):
        if self.app != APP:
            return super()._get_fastapi_routers()
        collections = self.env["integration.api"].sudo()._collections()
        return [
            docs_router(),
            collections_router(collections),
            not_found_router(),
        ]

    def _prepare_fastapi_app_params(self):
        params = super()._prepare_fastapi_app_params()
        if self.app == APP:
            # The document and the human page are routes of the app: the
            # document is served with the client's server URL, the page lists
            # the error codes.
            params.update(
                openapi_url=None,
                docs_url=None,
                redoc_url=None,
                version="1.0.0",
                dependencies=[],
            )
        return params

    def _get_routing_info(self):
        routing = super()._get_routing_info()
        if self.app == APP:
            routing["type"] = ROUTING_TYPE
        return routing
