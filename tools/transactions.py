# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where the module's work on shared state runs: READ COMMITTED transactions and
autocommit connections of its own.

Odoo opens REPEATABLE READ transactions. Counters, claims, circuits and queues are
written with ``INSERT ... ON CONFLICT`` or ``SELECT ... FOR UPDATE``; under
REPEATABLE READ a row that a concurrent transaction changed cannot be locked or
updated any more (serialization failure, and Odoo replays the whole request after
sleeping). Under READ COMMITTED the statement waits for the other transaction and
then works on its committed row, which is what those statements are written for.

Self-contained statements of hot paths (storing an inbound delivery, counting a
block of rate-limit requests) run on connections the process keeps for itself, in
autocommit, so that they stay prepared (tools/prepared.py): Odoo resets a pooled
connection with ``DISCARD ALL`` each time it hands it out.

All of it goes through one :class:`Transactions` object, the way Odoo's own code
gets its cursors through the registry: a harness that runs everything in one
transaction (Odoo's test mode does) substitutes its own with :func:`substitute`,
as the registry substitutes test cursors.
"""

import contextlib
import os
import threading

import psycopg2
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from odoo import sql_db

# Idle own connections kept per database and process; more are opened when
# several threads need one at once (threaded server), and closed when given back.
MAX_IDLE = 2


class OwnConnection(psycopg2.extensions.connection):
    """A connection of the module's own, remembering what was prepared on it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared = set()


class Transactions:
    """Transactions and connections for work on shared state."""

    def __init__(self):
        self._lock = threading.Lock()
        # (pid, dbname) -> idle connections. The pid keeps a forked worker off
        # its parent's connections.
        self._idle = {}

    def switch_to_read_committed(self, cr, registry):
        """Commit ``cr``'s open transaction, if any; its next ones run in READ
        COMMITTED.

        For a cursor that is the caller's own (a request's, a job's): Odoo sets
        the level back when the pooled connection is next used by a new cursor.
        """
        # The level of a transaction is fixed once it has run a statement; with
        # no transaction open, nothing is sent, and Odoo's commit (which also
        # empties the environments' cache) is not called.
        cr.flush()
        if cr.connection.get_transaction_status() != TRANSACTION_STATUS_IDLE:
            cr.commit()  # pylint: disable=invalid-commit
        cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)

    def commit_keeping_cache(self, cr):
        """Commit ``cr``'s transaction after a flush, keeping what the
        environments have cached (Odoo's commit empties it).

        For a job that commits as it goes and has invalidated what it wrote:
        the rest is what it has read already, as when it ran in one
        transaction. Pre-commit hooks do not run.
        """
        cr.flush()
        cr._cnx.commit()  # pylint: disable=invalid-commit

    @contextlib.contextmanager
    def read_committed_cursor(self, registry):
        """A fresh cursor in READ COMMITTED, committed when the block ends.

        For shared state that must be visible to other workers at once and whose
        row locks must not be held for the rest of the caller's transaction.
        """
        with registry.cursor() as cr:
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            yield cr

    @contextlib.contextmanager
    def autocommit_connection(self, env):
        """An :class:`OwnConnection` to ``env``'s database, in autocommit.

        A connection on which anything failed is closed, not reused: the
        statements prepared on it may be what failed.
        """
        key = (os.getpid(), env.cr.dbname)
        with self._lock:
            idle = self._idle.get(key)
            cnx = idle.pop() if idle else None
        if cnx is None or cnx.closed:
            _db, info = sql_db.connection_info_for(env.cr.dbname)
            cnx = psycopg2.connect(connection_factory=OwnConnection, **info)
            cnx.autocommit = True
        try:
            yield cnx
        except BaseException:
            cnx.close()
            raise
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE:
                idle.append(cnx)
                return
        cnx.close()


_current = Transactions()


def current():
    """The :class:`Transactions` in use."""
    return _current


def substitute(transactions):
    """Use ``transactions`` from now on; return the ones used until now."""
    global _current  # pylint: disable=global-statement
    previous, _current = _current, transactions
    return previous


def switch_to_read_committed(cr, registry):
    """:meth:`Transactions.switch_to_read_committed` of the current ones."""
    _current.switch_to_read_committed(cr, registry)


def commit_keeping_cache(cr):
    """:meth:`Transactions.commit_keeping_cache` of the current ones."""
    _current.commit_keeping_cache(cr)


def read_committed_cursor(registry):
    """:meth:`Transactions.read_committed_cursor` of the current ones."""
    return _current.read_committed_cursor(registry)


def autocommit_connection(env):
    """:meth:`Transactions.autocommit_connection` of the current ones."""
    return _current.autocommit_connection(env)
