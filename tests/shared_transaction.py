# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The module's transactions, kept in the test's transaction in Odoo's test mode.

In test mode (``HttpCase``, tours) Odoo runs every request and job of a test in
the test's one uncommitted transaction, and the registry hands out cursors on it.
No other connection sees the rows a test creates, the transaction's isolation
level cannot change, and committing it would end the test's isolation. So in test
mode:

- self-contained statements run on the test transaction's connection, prepared
  there once per test class and then executed, as on a production connection
  (prepared statements outlive the savepoints a test rolls back to; the pool's
  ``DISCARD ALL`` drops them when the class's cursor is handed out again);
- fresh READ COMMITTED cursors are the registry's test cursors;
- switching the caller's cursor to READ COMMITTED, and committing it as a job
  goes, only flush it.

Tests on committed data, outside test mode (the fault-recovery and
prepared-statement tests), get the production transactions.
"""

import contextlib
import weakref

from odoo.modules.registry import Registry

from ..tools import transactions


class _TestConnection:
    """The connection of a test cursor, with the statements prepared on it."""

    def __init__(self, test_cr):
        self._cnx = test_cr._cnx
        self.prepared = set()

    def cursor(self):
        return self._cnx.cursor()


class TestModeTransactions(transactions.Transactions):
    """Production transactions, except in test mode (see the module)."""

    def __init__(self):
        super().__init__()
        # test cursor -> _TestConnection
        self._test_connections = weakref.WeakKeyDictionary()

    def switch_to_read_committed(self, cr, registry):
        if not registry.in_test_mode():
            return super().switch_to_read_committed(cr, registry)
        cr.flush()
        return None

    def commit_keeping_cache(self, cr):
        if not Registry(cr.dbname).in_test_mode():
            return super().commit_keeping_cache(cr)
        cr.flush()
        return None

    def read_committed_cursor(self, registry):
        if not registry.in_test_mode():
            return super().read_committed_cursor(registry)
        # Its commit releases the savepoint it works in.
        return registry.cursor()

    @contextlib.contextmanager
    def autocommit_connection(self, env):
        if not env.registry.in_test_mode():
            with super().autocommit_connection(env) as cnx:
                yield cnx
            return
        test_cr = env.registry.test_cr
        cnx = self._test_connections.get(test_cr)
        if cnx is None:
            cnx = self._test_connections[test_cr] = _TestConnection(test_cr)
        yield cnx


def install():
    """Use :class:`TestModeTransactions` for the rest of the process."""
    if not isinstance(transactions.current(), TestModeTransactions):
        transactions.substitute(TestModeTransactions())
