# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How a model takes part in sync, the REST API and outbound events (no ORM).

A model joins the hub by declaring itself: it inherits
``integration.resource.mixin`` and returns a :class:`Resource` from
``_integration_declaration()``. The sync, the REST API and the events read every
declaration of the database from ``_integration_declarations()``; the hub keeps no
list of models of its own, so another addon adds a model without editing this one.
"""

import dataclasses
from collections.abc import Callable

# The REST filter every collection offers on its records' last change.
UPDATED_SINCE_FILTER = (
    "write_date",
    ">=",
    "datetime",
    "Changed at or after this time (ISO 8601).",
)
# The REST sort key every collection offers on its records' last change.
UPDATED_AT_SORT = "updated_at"


@dataclasses.dataclass(frozen=True)
class Resource:
    """The declaration of one synced and served model.

    The *values* side is what Odoo compares, hashes and writes (see
    :mod:`.mapping`); the *attributes* side is what JSON:API documents carry.
    """

    #: JSON:API type of one record, e.g. ``"booking"``; event types are
    #: ``<type>.created`` and ``<type>.updated``.
    type: str
    #: REST collection and remote path, e.g. ``"bookings"``.
    collection: str
    #: The Odoo model.
    model: str
    #: Attribute name -> values key, in document order.
    attributes: dict
    #: Attributes a create must carry.
    required: tuple
    #: JSON Schema of each attribute, for the served API document.
    schemas: dict
    #: ``parse(attributes, partial=False)`` -> values, or raises MappingError.
    parse: Callable
    #: ``serialize(values)`` -> attributes.
    serialize: Callable
    #: Which records of the model belong to the collection.
    domain: tuple = ()
    #: Values every record created through the collection gets.
    create_values: dict = dataclasses.field(default_factory=dict)
    #: Values key holding an ISO code -> (field, comodel, code field).
    codes: dict = dataclasses.field(default_factory=dict)
    #: Relationship name -> (many2one field, target collection).
    relationships: dict = dataclasses.field(default_factory=dict)
    #: Relationships the remote embeds (``include=``) when one record is fetched.
    include: tuple = ()
    #: Fields whose change is pushed to two-way backends and announced; by
    #: default every field the declaration maps (:attr:`fields`).
    synced_fields: frozenset = None
    #: REST filters: name -> (field, operator, kind, description).
    filters: dict = dataclasses.field(default_factory=dict)
    #: REST sort keys: name -> field; ``updated_at`` (the record's last change)
    #: is added last where not declared, like :data:`UPDATED_SINCE_FILTER`.
    sorts: dict = dataclasses.field(default_factory=dict)
    #: What DELETE does, in the API document.
    delete_rule: str = ""

    def __post_init__(self):
        # A frozen dataclass: the derived defaults are set the way dataclasses
        # set fields themselves.
        if self.synced_fields is None:
            object.__setattr__(self, "synced_fields", frozenset(self.fields))
        if UPDATED_AT_SORT not in self.sorts:
            object.__setattr__(
                self, "sorts", {**self.sorts, UPDATED_AT_SORT: "write_date"}
            )

    @property
    def fields(self):
        """The model's fields the declaration maps, in document order: each
        attribute's (a coded one's many2one), then each relationship's."""
        return (
            *(self.codes.get(key, (key,))[0] for key in self.attributes.values()),
            *(field for field, _target in self.relationships.values()),
        )

    @property
    def depends(self):
        """Collections synced before this one: the targets of its relationships."""
        return tuple(target for _field, target in self.relationships.values())


def in_dependency_order(resources):
    """``resources`` ({collection: Resource}) ordered so that each comes after the
    collections it depends on; ValueError on a cycle or an unknown target."""
    ordered, visiting = {}, set()

    def visit(name):
        if name in ordered:
            return
        if name in visiting:
            raise ValueError(f"relationships of {name!r} form a cycle")
        if name not in resources:
            raise ValueError(f"no declared collection {name!r}")
        visiting.add(name)
        for target in resources[name].depends:
            visit(target)
        visiting.discard(name)
        ordered[name] = resources[name]

    for name in sorted(resources):
        visit(name)
    return ordered
