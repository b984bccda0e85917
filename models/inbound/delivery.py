# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Storing an accepted webhook delivery: one statement, the whole transaction.

Every accepted webhook request runs :func:`store_delivery`, so it is one
statement where the ORM would take many round trips: it draws the message's id,
claims the delivery's idempotency key (stored completed, with the answer naming
the message, so a duplicate never sees a claim without its answer), finds and
share-locks the source's pending processing job, and inserts the message linked
to that job only when the claim was won. It is prepared once per worker on the
module's own connection (:mod:`...tools.prepared`, which says what that gains),
and commits on its own. Queueing a job when there is none to join is the
caller's (``integration.inbound.message._store_delivery``).
"""

import json
from datetime import timedelta

from odoo import fields

from ...tools import prepared
from ...tools.prepared import sql_literal
from ..common import queue_jobs
from ..common.integration_idempotency_key import CLAIM_QUERY
from ..common.integration_idempotency_key import STATE_COMPLETED
from .processor import STATE_QUEUED
from .processor import processing_identity

# Stands for the message's id in the answer to a delivery, until the id is drawn.
ANSWER_ID_MARK = "@message_id@"
ANSWER_TEMPLATE = json.dumps(
    {
        "data": {
            "id": ANSWER_ID_MARK,
            "type": "inbound_message",
            "attributes": {"status": STATE_QUEUED},
        }
    }
)
# Parameters are typed where PostgreSQL could not infer them, for the
# statement is prepared.
_ANSWER = sql_literal(ANSWER_TEMPLATE)
_ANSWER_ID_MARK = sql_literal(ANSWER_ID_MARK)
_CLAIM_VALUES = f"""
    SELECT %(scope)s::varchar, %(key)s::varchar, %(request_hash)s::varchar,
           {sql_literal(STATE_COMPLETED)}, %(expires_at)s::timestamp, 202,
           replace({_ANSWER}, {_ANSWER_ID_MARK}, new.id::text), '{{}}',
           %(now)s::timestamp
      FROM new
"""  # nosec B608  # constants composed, values passed as parameters
STORE_DELIVERY_QUERY = f"""
    WITH new AS (
        SELECT nextval('integration_inbound_message_id_seq') AS id
    ),
    claim AS ({CLAIM_QUERY.format(values=_CLAIM_VALUES)}),
    job AS ({queue_jobs.PENDING_JOB_QUERY.replace("%s", "%(identity)s")}),
    message AS (
        INSERT INTO integration_inbound_message
            (id, source_id, state, attempt_count, job_id, event_type,
             idempotency_key, request_id, remote_addr, headers, body, create_date)
        SELECT new.id, %(source_id)s::int4, {sql_literal(STATE_QUEUED)}, 0,
               (SELECT id FROM job), %(event_type)s::varchar, %(key)s::varchar,
               %(request_id)s::varchar, %(remote_addr)s::varchar,
               %(headers)s::text, %(body)s::text, %(now)s::timestamp
          FROM new, claim
        RETURNING id, job_id
    )
    SELECT message.id, message.job_id, claim.response_body
      FROM message, claim
"""  # nosec B608  # constants composed, values passed as parameters
# Idempotent: run again, it finds the key claimed.
STORE_DELIVERY = prepared.Statement(
    "integration_hub_store_delivery", STORE_DELIVERY_QUERY, idempotent=True
)


def store_delivery(env, source_id, claim, values):
    """Claim a delivery's idempotency key and store the delivery as a queued
    message of source ``source_id``, linked to the source's pending processing
    job; return ``(message id, job id or None, answer)``, or None when the key
    is claimed already.

    ``claim``: ``scope``, ``key``, ``request_hash`` and ``ttl_seconds`` of the
    key. ``values``: ``event_type``, ``request_id``, ``remote_addr``,
    ``headers`` and ``body`` of the message.
    """
    now = fields.Datetime.now()
    rows = STORE_DELIVERY.run(
        env,
        {
            **claim,
            **values,
            "expires_at": now + timedelta(seconds=claim["ttl_seconds"]),
            "identity": processing_identity(source_id),
            "source_id": source_id,
            "now": now,
        },
    )
    return rows[0] if rows else None
