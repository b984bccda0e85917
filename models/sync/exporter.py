# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The exporter: Odoo's version of a bound record goes to the external system.

The mirror of the importer (importer.py): one :class:`Exporter` works for one
two-way backend and writes a record's synced values to its remote copy with a
JSON:API ``PATCH``, the record's relationships given by the external ids of the
related records bound on the same backend. When to push, and what, is the
binder's decision (``integration.binding``, which applies the conflict strategy
first). Not a model: a plain class the binder instantiates.
"""

from odoo import _

from ...tools import remote_client
from .importer import declared_resources
from .importer import resource_of_model


class Exporter:
    """Writes bound records of ``backend`` to their remote copies."""

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env

    def push(self, binding, record, values):
        """PATCH the remote copy of ``record`` (bound by ``binding``) with the
        synced ``values``; return its new remote ``updated_at``."""
        resource = resource_of_model(self.env, binding.model)
        data = {
            "id": binding.external_id,
            "type": resource.type,
            "attributes": record._sync_attributes(values),
        }
        relationships = self._relationships(resource, values)
        if relationships:
            data["relationships"] = relationships
        document = self.backend._remote(
            "PATCH",
            f"{resource.collection}/{binding.external_id}",
            document={"data": data},
        )
        try:
            return document["data"]["attributes"]["updated_at"]
        except (KeyError, TypeError):
            raise remote_client.RemoteError(
                _("The PATCH answer has no updated_at.")
            ) from None

    def _relationships(self, resource, values):
        """The JSON:API relationships of pushed values: each related record by
        its external id on the same backend, when it is bound there."""
        resources = declared_resources(self.env)
        relationships = {}
        for name, (field, target) in resource.relationships.items():
            target = resources[target]
            related = self.env["integration.binding"].search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("model", "=", target.model),
                    ("res_id", "=", values.get(field) or 0),
                ],
                limit=1,
            )
            if related:
                linkage = {"type": target.type, "id": related.external_id}
                relationships[name] = {"data": linkage}
        return relationships
