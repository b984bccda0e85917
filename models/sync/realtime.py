# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Real-time sync: inbound webhooks about a declared resource go through the
importer of the backend that reads from their source.

:func:`handle_resource_event` serves every declared model: the event type's
first part (``booking`` of ``booking.updated``) names the resource type. It is
the ``<type>.*`` handler of each declared type (see
``integration.inbound.message._inbound_handlers`` in this folder).
"""

from odoo import _
from odoo.exceptions import UserError

from ...tools import remote_client
from .importer import Importer
from .importer import declared_resources
from .importer import include_params


def handle_resource_event(env, message):
    """Upsert the resource a ``<type>.*`` webhook carries through the sync of
    the backend its source belongs to.

    The event's ``data`` is the JSON:API resource; a resource without attributes
    (a thin event) is read from the backend first.
    """
    resource_type = (message.event_type or "").split(".", 1)[0]
    declared = [r for r in declared_resources(env).values() if r.type == resource_type]
    if not declared:
        return _(
            "No model declares resources of type %s; nothing synced.", resource_type
        )
    resource = declared[0]
    # Handlers run with superuser rights, in the source's company: only a
    # backend of that company may upsert what the source sends.
    backend = env["integration.backend"].search(
        [
            ("inbound_source_id", "=", message.source_id.id),
            ("company_id", "=", message.source_id.company_id.id),
        ],
        limit=1,
    )
    if not backend:
        return _(
            "No backend reads from source %s; nothing synced.", message.source_id.name
        )
    payload = message.payload()
    document = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(document, dict) or not document.get("id"):
        raise UserError(_("The event has no data resource with an id."))
    included = payload.get("included") or []
    if "attributes" not in document:
        path = f"{resource.collection}/{document['id']}"
        try:
            fetched = backend._remote("GET", path, include_params(resource))
        except remote_client.RemoteError as error:
            raise UserError(str(error)) from None
        document, included = fetched.get("data"), fetched.get("included") or []
    importer = Importer(backend)
    importer.import_resources(resource, [document], included)
    if importer.counts["error_count"]:
        binding = env["integration.binding"].search(
            [
                ("backend_id", "=", backend.id),
                ("model", "=", resource.model),
                ("external_id", "=", str(document["id"])),
            ]
        )
        raise UserError(binding.last_error or _("The resource could not be synced."))
    return {key: value for key, value in importer.counts.items() if value}
