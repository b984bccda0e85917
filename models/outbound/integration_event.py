# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import uuid

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..common.access import USER
from ..common.access import requires_group
from .integration_delivery import DELIVERY_PENDING

# Field types copied into a resource's attributes by the default serialisation.
SIMPLE_FIELD_TYPES = (
    "char",
    "text",
    "html",
    "integer",
    "float",
    "monetary",
    "boolean",
    "date",
    "datetime",
    "selection",
)
# Bookkeeping fields that say nothing about the business record.
SKIPPED_FIELDS = ("create_uid", "write_uid", "message_main_attachment_id")


class IntegrationEvent(models.Model):
    """A business event, written once in the transaction that caused it (the
    outbox), with the exact payload every endpoint receives.

    ``uid`` is the message id (``webhook-id``): the same on every attempt and
    replay, so receivers can drop duplicates.
    """

    _name = "integration.event"
    _description = "Integration Event"
    _order = "id desc"
    _rec_name = "uid"

    event_type_id = fields.Many2one(
        "integration.event.type", required=True, ondelete="restrict", readonly=True
    )
    # Copied at creation (not related): the event keeps the type it was sent as.
    code = fields.Char(required=True, readonly=True, index=True)
    uid = fields.Char(
        string="Message id", required=True, readonly=True, index=True, copy=False
    )
    payload = fields.Text(readonly=True, help="The exact JSON body sent.")
    res_model = fields.Char(string="Record model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Record id", model_field="res_model", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    delivery_ids = fields.One2many("integration.delivery", "event_id", readonly=True)

    _sql_constraints = [
        ("uid_unique", "unique(uid)", "A message id is used by one event only."),
    ]

    @api.private
    @api.model
    def emit(self, event_type_code, payload=None, records=None):
        """Record an event and a delivery for each active endpoint subscribed to
        it, in the caller's transaction; the jobs are enqueued in it as well.

        :param event_type_code: an ``integration.event.type`` code.
        :param payload: the ``data`` of the event, JSON-serialisable; ignored
            when ``records`` is given.
        :param records: records the event is about; ``data`` is then their
            JSON:API resource (a list of resources for several records). A model
            shapes its resource by defining ``_integration_resource()``.
        :returns: the ``integration.event``.
        """
        company = self.env.company
        if records is not None:
            resources = [self._resource(record) for record in records]
            payload = resources[0] if len(records) == 1 else resources
            if "company_id" in records._fields and len(records.company_id) == 1:
                company = records.company_id
        Endpoint = self.env["integration.endpoint"].sudo()
        event_type = self.env["integration.event.type"]._by_code(event_type_code)
        endpoints = Endpoint.browse(Endpoint._subscribed_ids(event_type.id, company.id))
        return self._create_event(
            event_type_code, payload, endpoints, records=records, company=company
        )

    @api.model
    def _create_event(self, code, data, endpoints, records=None, company=None):
        """Write the event and its deliveries to ``endpoints``."""
        event_type = self.env["integration.event.type"]._by_code(code)
        if not event_type:
            raise UserError(_("There is no active event type %s.", code))
        now = fields.Datetime.now()
        uid = "msg_" + uuid.uuid4().hex
        body = {
            "id": uid,
            "type": code,
            "timestamp": now.isoformat() + "Z",
            "data": data if data is not None else {},
        }
        event = self.sudo().create(
            {
                "event_type_id": event_type.id,
                "code": code,
                "uid": uid,
                "payload": json.dumps(body, default=str, separators=(",", ":")),
                "res_model": records._name if records else False,
                "res_id": records.id if records and len(records) == 1 else False,
                "company_id": (company or self.env.company).id,
            }
        )
        deliveries = self.env["integration.delivery"].sudo()
        if endpoints:
            # One INSERT for all the deliveries: emit runs inside every business
            # transaction that raises an event, and an ORM create costs about a
            # millisecond per endpoint.
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO integration_delivery
                        (event_id, endpoint_id, event_type_id, company_id, state,
                         next_attempt_at, create_uid, create_date, write_uid,
                         write_date)
                    VALUES %s
                    RETURNING id
                    """,
                    SQL(", ").join(
                        SQL(
                            "%s",
                            (
                                event.id,
                                endpoint_id,
                                event_type.id,
                                event.company_id.id,
                                DELIVERY_PENDING,
                                now,
                                self.env.uid,
                                now,
                                self.env.uid,
                                now,
                            ),
                        )
                        for endpoint_id in endpoints.ids
                    ),
                )
            )
            deliveries = deliveries.browse(row[0] for row in self.env.cr.fetchall())
            event.invalidate_recordset(["delivery_ids"])
        deliveries._enqueue_at_commit()
        return event.with_env(self.env)

    @api.model
    def _resource(self, record):
        """``record`` as a JSON:API resource: its own ``_integration_resource()``
        when its model defines one, else its stored simple fields as attributes
        and its stored many2one fields as relationships."""
        if hasattr(record, "_integration_resource"):
            return record._integration_resource()
        attributes, relationships = {}, {}
        for name, field in record._fields.items():
            if not field.store or name in SKIPPED_FIELDS or name == "id":
                continue
            if field.type in SIMPLE_FIELD_TYPES:
                value = record[name]
                attributes[name] = field.convert_to_read(value, record)
            elif field.type == "many2one":
                target = record[name]
                relationships[name] = {
                    "data": {"type": target._name, "id": str(target.id)}
                    if target
                    else None
                }
        return {
            "id": str(record.id),
            "type": record._name,
            "attributes": attributes,
            "relationships": relationships,
        }

    @requires_group(USER)
    def action_view_deliveries(self):
        """Open the deliveries of these events."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_hub.integration_delivery_action"
        )
        action["domain"] = [("event_id", "in", self.ids)]
        # Every one of them, not only those that need attention.
        action["context"] = {}
        return action
