# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The API under real concurrency: several transactions at once, each on its own
cursor as on separate workers, on committed data."""

import functools
import hashlib
import json
import threading

from werkzeug.datastructures import Headers

from odoo import SUPERUSER_ID
from odoo import api
from odoo.service.model import retrying
from odoo.tests import TransactionCase
from odoo.tests import tagged

from ..models.api.integration_api_auth import DEFAULT_RATE_LIMIT
from ..models.api.integration_api_auth import RATE_LIMIT_PARAM
from ..tools.api_envelope import ApiRequest
from .concurrency_common import assert_own_connection
from .concurrency_common import registry_lock_as_when_serving

THREADS = 6
HITS = 5


@tagged("post_install", "-at_install")
class TestApiConcurrency(TransactionCase):
    def test_rate_limit_counts_every_concurrent_request(self):
        digest = hashlib.sha256(f"concurrency-{id(self)}".encode()).hexdigest()
        key = f"api:{digest[:32]}"
        self.addCleanup(self._delete_counters, key)
        barrier = threading.Barrier(THREADS)
        remaining, errors = [], []

        def worker():
            try:
                with self.registry.cursor() as cr:
                    assert_own_connection(cr)
                    Api = api.Environment(cr, SUPERUSER_ID, {})["integration.api"]
                    # Hold this request's own transaction open while counting, as a
                    # worker serving a request does.
                    cr.execute("SELECT 1")
                    barrier.wait(timeout=30)
                    for _hit in range(HITS):
                        headers = Api._rate_limit(digest)
                        remaining.append(int(headers["RateLimit-Remaining"]))
            except Exception as error:  # reported below, with its type
                errors.append(repr(error))

        threads = [threading.Thread(target=worker) for _i in range(THREADS)]
        with registry_lock_as_when_serving():
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        self.assertFalse(errors)
        total = THREADS * HITS
        # Each request got its own count: none lost, none counted twice.
        limit = self._committed_limit()
        self.assertEqual(sorted(remaining), list(range(limit - total, limit)))

    def _delete_counters(self, key):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM integration_rate_limit WHERE key = %s", (key,))

    def test_concurrent_duplicates_create_one_booking(self):
        reference = f"CONC-{id(self)}"
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            admin = env.ref("base.user_admin")
            api_key = (
                env["res.users.apikeys"]
                .with_user(admin)
                .sudo()
                ._generate(None, reference, None)
            )
            guest = env["res.partner"].create({"name": reference, "is_guest": True})
            guest_id, admin_id = guest.id, admin.id
        self.addCleanup(self._delete_committed, reference, guest_id, admin_id)
        digest = hashlib.sha256(api_key.encode()).hexdigest()
        self.addCleanup(self._delete_counters, f"api:{digest[:32]}")
        body = json.dumps(
            {
                "data": {
                    "type": "booking",
                    "attributes": {
                        "reference": reference,
                        "check_in": "2026-09-01",
                        "check_out": "2026-09-03",
                    },
                    "relationships": {
                        "guest": {"data": {"type": "guest", "id": str(guest_id)}}
                    },
                }
            }
        ).encode()
        barrier = threading.Barrier(THREADS)
        answers, errors = [], []

        def worker(number, wait=True):
            request = ApiRequest(
                method="POST",
                path="/api/v1/bookings",
                collection="bookings",
                record_id=None,
                query={},
                headers=Headers(
                    {
                        "Authorization": f"Bearer {api_key}",
                        "Content-Type": "application/json",
                        "Idempotency-Key": reference,
                    }
                ),
                body=body,
                request_id=f"conc-request-{number:04d}",
            )
            try:
                with self.registry.cursor() as cr:
                    assert_own_connection(cr)
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    Api = env["integration.api"]
                    if wait:
                        barrier.wait(timeout=30)
                    # As Odoo serves a request: retried on serialisation failures.
                    answer = retrying(functools.partial(Api._dispatch, request), env)
                    answers.append(answer)
            except Exception as error:  # reported below, with its type
                errors.append(repr(error))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        with registry_lock_as_when_serving():
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertFalse(errors)
        self.assertEqual(len(answers), THREADS)
        created = [a for a in answers if a.status == 201]
        first = [a for a in created if "Idempotent-Replayed" not in a.headers]
        # One request did the work; the others were replayed its answer or told
        # it was still running. Never a second booking.
        self.assertEqual(len(first), 1, [a.status for a in answers])
        for answer in answers:
            self.assertIn(answer.status, (201, 409))
            if answer.status == 201:
                self.assertEqual(answer.body, first[0].body)
            else:
                self.assertEqual(
                    json.loads(answer.body)["error"]["code"], "idempotency_in_progress"
                )
        # Once the first is done, a late duplicate gets its answer replayed.
        worker(THREADS, wait=False)
        late = answers[-1]
        self.assertEqual(
            (late.status, late.headers.get("Idempotent-Replayed")), (201, "true")
        )
        self.assertEqual(late.body, first[0].body)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            bookings = env["integration.booking"].search([("name", "=", reference)])
            self.assertEqual(len(bookings), 1)
            self.assertEqual(
                env["integration.api.log"].search_count([("res_id", "=", bookings.id)]),
                1,
            )

    def _delete_committed(self, reference, guest_id, admin_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            bookings = env["integration.booking"].search([("name", "=", reference)])
            env["integration.api.log"].search(
                [
                    ("res_model", "=", "integration.booking"),
                    ("res_id", "in", bookings.ids),
                ]
            ).unlink()
            bookings.unlink()
            env["res.partner"].browse(guest_id).unlink()
            env["integration.idempotency.key"].search(
                [("scope", "=", f"api:{admin_id}"), ("key", "=", reference)]
            ).unlink()
            env["res.users.apikeys"].search([("name", "=", reference)])._remove()

    def _committed_limit(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            param = env["ir.config_parameter"].get_param(RATE_LIMIT_PARAM)
        return int(param or DEFAULT_RATE_LIMIT)
