# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import models


class IntegrationCachedMixin(models.AbstractModel):
    """Records that hot paths read through ``ormcache`` (every emit looks up event
    types, every webhook its source): any change clears the cache in all workers."""

    _name = "integration.cached.mixin"
    _description = "Integration Cached Records"

    # The caches are cleared after the change, so after its access check: a
    # refused call clears nothing.

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        # A code or slug looked up before may exist now.
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
