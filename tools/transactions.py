# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""READ COMMITTED transactions for state that several workers race on.

Odoo opens REPEATABLE READ transactions. Counters, claims, circuits and queues are
written with ``INSERT ... ON CONFLICT`` or ``SELECT ... FOR UPDATE``; under
REPEATABLE READ a row that a concurrent transaction changed cannot be locked or
updated any more (serialization failure, and Odoo replays the whole request after
sleeping). Under READ COMMITTED the statement waits for the other transaction and
then works on its committed row, which is what those statements are written for.

In test mode every request and job shares the test's transaction, whose isolation
cannot change; nothing runs concurrently there, so the level is left as it is.
"""

import contextlib

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED
from psycopg2.extensions import TRANSACTION_STATUS_IDLE


def switch_to_read_committed(cr, registry):
    """Commit ``cr``'s open transaction, if any; its next ones run in READ
    COMMITTED.

    For a cursor that is the caller's own (a request's, a job's): Odoo sets the
    level back when the pooled connection is next used by a new cursor.
    """
    if registry.in_test_mode():
        return
    # The level of a transaction is fixed once it has run a statement; with no
    # transaction open, nothing is sent, and Odoo's commit (which also empties
    # the environments' cache) is not called.
    cr.flush()
    if cr.connection.get_transaction_status() != TRANSACTION_STATUS_IDLE:
        cr.commit()  # pylint: disable=invalid-commit
    cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)


@contextlib.contextmanager
def read_committed_cursor(registry):
    """A fresh cursor in READ COMMITTED, committed when the block ends.

    For shared state that must be visible to other workers at once and whose row
    locks must not be held for the rest of the caller's transaction.
    """
    with registry.cursor() as cr:
        if not registry.in_test_mode():
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
        yield cr
