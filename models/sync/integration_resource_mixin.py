# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What every declared model does in the flows, from its declaration alone.

A model that inherits ``integration.resource.mixin`` announces its records to
endpoints (``<type>.created`` on create, ``<type>.updated`` when a synced field
changes), queues the push of its changes to two-way backends, and gives the sync
its values in the mapped form (codes for many2ones such as a currency, ids for
relationships) — all read from its :class:`Resource`. A model overrides a hook
to differ: bookings announce ``booking.cancelled``
(:meth:`_integration_update_events`).

The event types of a new model are the declaring addon's data
(``integration.event.type`` records ``<type>.created`` and ``<type>.updated``):
endpoints subscribe to event types before any record exists.
"""

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError


class IntegrationResourceMixin(models.AbstractModel):
    """Events, push and sync values of every declared model."""

    _inherit = "integration.resource.mixin"

    # -- events and push ----------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Create, and announce each record of the collection (outbox)."""
        records = super().create(vals_list)
        resource = self._integration_declaration()
        Event = self.env["integration.event"]
        for record in records._integration_members():
            Event.emit(f"{resource.type}.created", records=record)
        return records

    def write(self, vals):
        """Write; announce changes of synced fields to the endpoints and queue
        their push to two-way backends."""
        if self._abstract:
            # The mixin itself has no records: the ORM refuses the write.
            return super().write(vals)
        resource = self._integration_declaration()
        watched = resource.synced_fields | {leaf[0] for leaf in resource.domain}
        if not watched & vals.keys():
            return super().write(vals)
        codes = self._integration_update_events(vals)
        result = super().write(vals)
        members = self._integration_members()
        Event = self.env["integration.event"]
        for record in members:
            Event.emit(codes[record.id], records=record)
        if members:
            self.env["integration.binding"]._push_records(members)
        return result

    def _integration_members(self):
        """These records that belong to the declared collection (its domain)."""
        domain = list(self._integration_declaration().domain)
        return self.filtered_domain(domain) if domain else self

    def _integration_update_events(self, vals):
        """{record id: event type code} announcing ``vals`` about to be written
        to these records; ``<type>.updated`` unless a model says otherwise."""
        code = f"{self._integration_declaration().type}.updated"
        return dict.fromkeys(self.ids, code)

    def _integration_resource(self):
        """The record as a JSON:API resource (events, REST API)."""
        self.ensure_one()
        resource = self._integration_declaration()
        values = self._sync_values()
        attributes = resource.serialize(values)
        attributes["updated_at"] = fields.Datetime.to_string(self.write_date)
        document = {"id": str(self.id), "type": resource.type, "attributes": attributes}
        declarations = self.env[
            "integration.resource.mixin"
        ]._integration_declarations()
        relationships = {}
        for name, (field, target) in resource.relationships.items():
            related = self[field]
            linkage = None
            if related:
                linkage = {"type": declarations[target].type, "id": str(related.id)}
            relationships[name] = {"data": linkage}
        if relationships:
            document["relationships"] = relationships
        return document

    def _integration_api_delete(self):
        """Apply a REST ``DELETE`` to this record (the rule the declaration's
        ``delete_rule`` describes); return the names of the attributes it
        changed when the record is kept. Unlinks by default; a model overrides
        it to keep records (a ``UserError`` answers 409)."""
        self.ensure_one()
        self.unlink()
        return []

    # -- the values the sync compares, hashes and writes -------------------------

    def _sync_values(self):
        """The record's values in the mapped form the sync compares and hashes
        (see tools/mapping.py): empty text as None, codes for coded many2ones,
        ids for relationships."""
        self.ensure_one()
        resource = self._integration_declaration()
        values = {}
        for key in resource.attributes.values():
            if key in resource.codes:
                field_name, _comodel, code_field = resource.codes[key]
                values[key] = self[field_name][code_field] or None
                continue
            field = self._fields[key]
            value = self[key]
            if field.type in ("char", "text", "html", "selection"):
                value = value or None
            elif field.type == "monetary":
                value = round(value, 2)
            elif field.type == "float":
                digits = field.get_digits(self.env)
                value = round(value, digits[1]) if digits else value
            values[key] = value
        for field_name, _target in resource.relationships.values():
            values[field_name] = self[field_name].id
        return values

    @api.model
    def _sync_values_from_json(self, values):
        """Mapped values read back from JSON (dates as text) as values."""
        values = dict(values)
        for key, value in values.items():
            field = self._fields.get(key)
            if field is not None and field.type == "date":
                values[key] = fields.Date.to_date(value)
            elif field is not None and field.type == "datetime":
                values[key] = fields.Datetime.to_datetime(value)
        return values

    @api.model
    def _sync_prepare_vals(self, values_list, backend, create=False):
        """Turn mapped values into ``create``/``write`` values: codes become
        records; created records get the collection's create values and, when
        the model requires a company, the backend's."""
        resource = self._integration_declaration()
        found = {}
        for key, (_field, comodel, code_field) in resource.codes.items():
            codes = {v[key] for v in values_list if v.get(key)}
            records = (
                self.env[comodel]
                .with_context(active_test=False)
                .search([(code_field, "in", list(codes))])
            )
            found[key] = {record[code_field]: record.id for record in records}
        company_field = self._fields.get("company_id")
        vals_list = []
        for values in values_list:
            vals = dict(values)
            for key, (field_name, comodel, _code_field) in resource.codes.items():
                if key not in vals:
                    continue
                code = vals.pop(key)
                if code and code not in found[key]:
                    raise UserError(
                        _(
                            "Unknown %(what)s %(code)s.",
                            what=self.env[comodel]._description,
                            code=code,
                        )
                    )
                vals[field_name] = found[key].get(code, False)
            if create:
                vals.update(resource.create_values)
                if company_field is not None and company_field.required:
                    vals["company_id"] = backend.company_id.id
            vals_list.append(vals)
        return vals_list

    def _sync_attributes(self, values):
        """The remote attributes of mapped values."""
        return self._integration_declaration().serialize(values)
