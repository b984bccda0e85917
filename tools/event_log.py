# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One structured log record per thing that happened (no ORM): a delivery
attempt, an inbound message received or processed, a REST API write, a sync
run. Written to the logger ``integration_hub.events`` at INFO, so that log
shippers can index them apart from the rest of Odoo's log.

Each record's message is one JSON object on one line, with at least::

    {"event": "delivery.attempt", "outcome": "delivered", "duration_ms": 84,
     "request_id": "msg_2bd0...", ...record ids and figures...}

Odoo's log line prefix (time, pid, level, database, logger) comes before it;
a shipper splits the line at ``integration_hub.events: `` and parses the rest.
The same object is on the record as ``record.integration_event`` for a
handler configured with :class:`JsonFormatter`, which writes the object alone
with the time, level and database added.

Nothing here reads the database: callers pass what they already hold.
"""

import json
import logging
import threading
from datetime import datetime
from datetime import timezone

LOGGER_NAME = "integration_hub.events"
_logger = logging.getLogger(LOGGER_NAME)

DELIVERY_ATTEMPT = "delivery.attempt"
INBOUND_RECEIVED = "inbound.received"
INBOUND_PROCESSED = "inbound.processed"
API_WRITE = "api.write"
SYNC_RUN = "sync.run"


def enabled():
    """Whether records are written: callers skip gathering what they would
    log when not (Odoo runs at ``--log-level=warn``, or the logger is off)."""
    return _logger.isEnabledFor(logging.INFO)


def log_event(event, outcome, duration_ms, request_id, **fields):
    """Write the record of ``event`` (one of the names above): its ``outcome``
    (a state or an error code), ``duration_ms`` (None when it took no time of
    its own), the ``request_id`` that names it across systems, and ``fields``
    (record ids and figures, JSON-serialisable)."""
    if not enabled():
        return
    document = {
        "event": event,
        "outcome": outcome,
        "duration_ms": duration_ms,
        "request_id": request_id,
        **fields,
    }
    _logger.info(
        "%s",
        json.dumps(document, separators=(",", ":"), default=str),
        extra={"integration_event": document},
    )


class JsonFormatter(logging.Formatter):
    """Formats the records of ``integration_hub.events`` as their JSON object
    alone, with ``time`` (UTC, ISO 8601), ``level`` and ``db`` added; other
    records as a JSON object with their message. For a handler of its own,
    e.g. in a ``logging`` configuration file::

        formatter = odoo.addons.integration_hub.tools.event_log.JsonFormatter
    """

    def format(self, record):
        """The JSON line of ``record``."""
        document = getattr(record, "integration_event", None)
        if document is None:
            document = {"logger": record.name, "message": record.getMessage()}
        stamp = datetime.fromtimestamp(record.created, timezone.utc)
        return json.dumps(
            {
                "time": stamp.isoformat().replace("+00:00", "Z"),
                "level": record.levelname,
                "db": getattr(threading.current_thread(), "dbname", None),
                **document,
            },
            separators=(",", ":"),
            default=str,
        )
