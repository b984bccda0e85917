# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Statements prepared once per worker, on connections of the module's own.

Odoo hands every request a pooled connection reset with ``DISCARD ALL``, which
drops the prepared statements and the query plans of the session, foreign key
checks included: a statement run on it is parsed and planned again each time.
For the statements hot paths run (storing an inbound delivery, counting a
block of rate-limit requests), the planning costs more than the execution. This
module keeps a few connections per process, in autocommit, on which such a
statement is prepared the first time and then only executed.

Only self-contained statements belong here: each runs as its own transaction,
outside the request's, and sees only committed data. In test mode they run on
the test's cursor instead (the test's transaction holds the data they read, and
rolls back what they write): Odoo's tests share one uncommitted transaction,
which no other connection can see. The own-connection path is what
``test_prepared_statements`` (outside test mode), the multi-worker test of
``test_inbound_concurrency`` and the benchmarks run.

What it gains, measured with ``make bench NAME=inbound`` (interleaved runs,
medians): run instead in the request's transaction, the statements take about
0.1 ms more of Odoo's CPU and 0.25 ms more of PostgreSQL's per delivery, and
the signed/bare ratio drops by about 0.14 (0.67 -> 0.53).
"""

import contextlib
import os
import re
import threading

import psycopg2

from odoo import sql_db

# Idle connections kept per database and process; more are opened when several
# threads need one at once (threaded server), and closed when given back.
MAX_IDLE = 2
_PARAMETER = re.compile(r"%\((\w+)\)s")

_lock = threading.Lock()
# (pid, dbname) -> idle connections. The pid keeps a forked worker off its
# parent's connections.
_idle = {}


class Statement:
    """A statement with ``%(name)s`` parameters, prepared under ``name``.

    The parameters must have a type PostgreSQL can infer from where they are used
    (cast them where it cannot, as in the select list of ``INSERT ... SELECT``).
    An ``idempotent`` statement is run once more, on a new connection, when its
    connection fails (a database restart closes them all): running it again after
    a failure that came past its commit must do no harm.
    """

    def __init__(self, name, query, idempotent=False):
        self.name = name
        self.query = query
        self.idempotent = idempotent
        self.parameters = list(dict.fromkeys(_PARAMETER.findall(query)))
        positions = {name: index for index, name in enumerate(self.parameters, 1)}
        self._prepare = f"PREPARE {name} AS " + _PARAMETER.sub(
            lambda match: f"${positions[match.group(1)]}", query.replace("%%", "%")
        )
        placeholders = ", ".join("%s" for _name in self.parameters)
        self._execute = f"EXECUTE {name} ({placeholders})"

    def run(self, env, params):
        """Run the statement with ``params`` (by name) as a transaction of its
        own on ``env``'s database; return its rows.

        In test mode it runs on ``env.cr``, in the test's transaction.
        """
        if env.registry.in_test_mode():
            env.cr.execute(self.query, params)
            return env.cr.fetchall()
        values = [params[name] for name in self.parameters]
        try:
            return self._run(env.cr.dbname, values)
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            if not self.idempotent:
                raise
            return self._run(env.cr.dbname, values)

    def _run(self, dbname, values):
        with _connection(dbname) as cnx, cnx.cursor() as cursor:
            if self.name not in cnx.prepared:
                cursor.execute(self._prepare)
                cnx.prepared.add(self.name)
            cursor.execute(self._execute, values)
            return cursor.fetchall()


def sql_literal(text):
    """``text`` as an SQL string literal (for constants written into a
    statement)."""
    return "'" + text.replace("'", "''") + "'"


class _Connection(psycopg2.extensions.connection):
    """A connection remembering what was prepared on it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared = set()


@contextlib.contextmanager
def _connection(dbname):
    """An autocommit connection to ``dbname``, the process's own.

    A connection on which anything failed is closed, not reused: the statements
    prepared on it may be what failed.
    """
    key = (os.getpid(), dbname)
    with _lock:
        idle = _idle.get(key)
        cnx = idle.pop() if idle else None
    if cnx is None or cnx.closed:
        _db, info = sql_db.connection_info_for(dbname)
        cnx = psycopg2.connect(connection_factory=_Connection, **info)
        cnx.autocommit = True
    try:
        yield cnx
    except BaseException:
        cnx.close()
        raise
    _give_back(key, cnx)


def _give_back(key, cnx):
    with _lock:
        idle = _idle.setdefault(key, [])
        if len(idle) < MAX_IDLE:
            idle.append(cnx)
            return
    cnx.close()
