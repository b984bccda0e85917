# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo import models
from odoo import tools

from ...tools import resources


class IntegrationResourceMixin(models.AbstractModel):
    """A model that takes part in sync, the REST API and outbound events.

    A model inherits this mixin and returns its
    :class:`~odoo.addons.integration_hub.tools.resources.Resource` from
    :meth:`_integration_declaration`; the hub finds every such model of the database
    through :meth:`_integration_declarations`. Bookings and guests declare
    themselves this way, like a model of any other addon would.
    """

    _name = "integration.resource.mixin"
    _description = "Integration Resource"

    @api.model
    def _integration_declaration(self):
        """This model's declaration (a :class:`Resource`)."""
        raise NotImplementedError(f"{self._name} declares no integration resource")

    @api.model
    @tools.ormcache()
    def _integration_declarations(self):
        """``{collection: Resource}`` of every model of this database that
        declares itself, each after the collections it depends on.

        Cached per registry: declarations are code, they change only when
        modules are installed or updated (which builds a new registry).
        """
        names = self.env.registry.descendants([self._name], "_inherit")
        declared = {}
        for name in sorted(names - {self._name}):
            Model = self.env[name]
            if Model._abstract:
                continue
            resource = Model._integration_declaration()
            declared[resource.collection] = resource
        return resources.in_dependency_order(declared)
