# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Threads with cursors of their own, as on a serving Odoo, under either runner.

Odoo's own test runner (``odoo -i ... --test-enable --stop-after-init`` with the
threaded server, as OCA CI and Odoo.sh run it) runs the post-install tests while
the main thread holds ``Registry._lock`` (``ThreadedServer.run``). A thread that
puts an environment on a new cursor looks the registry up by database name
(``api.Environment`` -> ``Registry(dbname)``), which takes that lock, so it would
wait for the end of the test run. A serving Odoo holds no such lock while it
answers requests and runs jobs; pytest-odoo holds none either.
"""

import contextlib
import threading

from odoo.modules.registry import Registry
from odoo.sql_db import Cursor


@contextlib.contextmanager
def registry_lock_as_when_serving():
    """Give the threads started in this block the registry lock a serving Odoo
    has: a real lock, free unless one of them takes it.

    The lock held by the test runner stays held by it (``ThreadedServer.run``
    releases the object it acquired, whatever the attribute holds by then);
    Odoo's own test mode swaps the attribute the same way, for a dummy lock.
    Threads must be joined before the block ends.
    """
    held = Registry._lock
    Registry._lock = threading.RLock()
    try:
        yield
    finally:
        Registry._lock = held


def assert_own_connection(cr):
    """Fail unless ``cr`` is a cursor on a connection of its own.

    In Odoo's test mode (an ``HttpCase`` entered it) ``registry.cursor()`` gives
    a ``TestCursor`` on the test's shared transaction: nothing would run
    concurrently, and a concurrency test would prove nothing.
    """
    if not isinstance(cr, Cursor):
        raise AssertionError(f"{type(cr).__name__} is not a cursor of its own")
