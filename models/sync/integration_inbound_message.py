# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import models

from .integration_backend import handle_booking_event
from .integration_backend import handle_guest_event


class IntegrationInboundMessage(models.Model):
    """Real-time sync: ``booking.*`` and ``guest.*`` webhooks upsert the
    resource through the sync of the backend their source belongs to."""

    _inherit = "integration.inbound.message"

    @api.model
    def _inbound_handlers(self):
        return {
            **super()._inbound_handlers(),
            "booking.*": handle_booking_event,
            "guest.*": handle_guest_event,
        }
