# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import models

from .importer import declared_resources
from .realtime import handle_resource_event


class IntegrationInboundMessage(models.Model):
    """Real-time sync: a ``<type>.*`` webhook about a declared resource type
    (``booking.updated``, ``room.created``…) upserts the resource through the
    sync of the backend its source belongs to."""

    _inherit = "integration.inbound.message"

    @api.model
    def _inbound_handlers(self):
        return {
            **super()._inbound_handlers(),
            **{
                f"{resource.type}.*": handle_resource_event
                for resource in declared_resources(self.env).values()
            },
        }
