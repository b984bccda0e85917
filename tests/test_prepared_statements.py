# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Statements prepared once per worker on the module's own connections: planned
once, and a connection the database closed is replaced."""

import psycopg2

from odoo.tests import TransactionCase
from odoo.tests import tagged

from ..tools import prepared

ECHO = prepared.Statement(
    "integration_hub_test_echo",
    "SELECT %(number)s::int + 1, pg_backend_pid(), %(number)s::int * 2",
    idempotent=True,
)
ECHO_ONCE_ONLY = prepared.Statement(
    "integration_hub_test_echo_once", "SELECT %(number)s::int, pg_backend_pid()"
)
PREPARED_HERE = prepared.Statement(
    "integration_hub_test_prepared_here",
    "SELECT count(*) FROM pg_prepared_statements WHERE name = %(name)s::text",
)


@tagged("post_install", "-at_install")
class TestPreparedStatements(TransactionCase):
    def terminate(self, pid):
        self.env.cr.execute("SELECT pg_terminate_backend(%s)", (pid,))
        self.assertTrue(self.env.cr.fetchone()[0])

    def test_statement_is_prepared_once_on_a_connection_of_its_own(self):
        ((plus_one, pid, double),) = ECHO.run(self.env, {"number": 20})
        self.assertEqual((plus_one, double), (21, 40), "a parameter used twice")
        self.env.cr.execute("SELECT pg_backend_pid()")
        self.assertNotEqual(pid, self.env.cr.fetchone()[0], "not the ORM's cursor")
        ((plus_one, same_pid, _double),) = ECHO.run(self.env, {"number": 1})
        self.assertEqual((plus_one, same_pid), (2, pid), "the connection is kept")
        ((count,),) = PREPARED_HERE.run(self.env, {"name": ECHO.name})
        self.assertEqual(count, 1, "prepared once on that connection")

    def test_idempotent_statement_survives_a_closed_connection(self):
        ((_value, pid, _double),) = ECHO.run(self.env, {"number": 1})
        self.terminate(pid)
        ((value, new_pid, _double),) = ECHO.run(self.env, {"number": 2})
        self.assertEqual(value, 3)
        self.assertNotEqual(new_pid, pid, "run again on a new connection")

    def test_other_statement_fails_on_a_closed_connection(self):
        ((_value, pid),) = ECHO_ONCE_ONLY.run(self.env, {"number": 1})
        self.terminate(pid)
        with self.assertRaises(psycopg2.OperationalError):
            ECHO_ONCE_ONLY.run(self.env, {"number": 2})
        ((value, new_pid),) = ECHO_ONCE_ONLY.run(self.env, {"number": 3})
        self.assertEqual(value, 3, "the next run opens a new connection")
        self.assertNotEqual(new_pid, pid)

    def test_test_mode_prepares_on_the_test_connection(self):
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        self.cr.execute("SAVEPOINT before_prepare")
        ((_value, pid, _double),) = ECHO.run(self.env, {"number": 1})
        self.env.cr.execute("SELECT pg_backend_pid()")
        self.assertEqual(pid, self.env.cr.fetchone()[0], "the test's transaction")
        # A test rolling back to its savepoint keeps what was prepared.
        self.cr.execute("ROLLBACK TO SAVEPOINT before_prepare")
        ((plus_one, _pid, _double),) = ECHO.run(self.env, {"number": 4})
        self.assertEqual(plus_one, 5)
        ((count,),) = PREPARED_HERE.run(self.env, {"name": ECHO.name})
        self.assertEqual(count, 1, "prepared once on the test's connection")
