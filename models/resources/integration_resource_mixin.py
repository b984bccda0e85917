# TEMPORARY shim until the lead's "Declarations:" commit lands; replaced by theirs.
from odoo import api
from odoo import models

from ...tools import openapi
from ...tools.resources import Resource
from ...tools.resources import in_dependency_order


class IntegrationResourceMixin(models.AbstractModel):
    """Shim."""

    _name = "integration.resource.mixin"
    _description = "Integration Resource"

    @api.model
    def _integration_declarations(self):
        resources = {}
        for name, spec in openapi.COLLECTIONS.items():
            resources[name] = Resource(
                collection=name,
                include=("guest",) if name == "bookings" else (),
                **spec,
            )
        names = self.env.registry.descendants([self._name], "_inherit")
        for name in names - {self._name}:
            if not self.env[name]._abstract:
                resource = self.env[name]._integration_declaration()
                resources[resource.collection] = resource
        return in_dependency_order(resources)
