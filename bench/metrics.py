"""Per-endpoint 24 h stats and p95 over 1,000,000 attempts: SQL against naive Python.

Fills ``integration_delivery_attempt`` with ``ATTEMPTS`` rows (1,000,000, or
``BENCH_ATTEMPTS``) spread over ``ENDPOINTS`` endpoints and the last 7 days (one
``INSERT ... SELECT generate_series``), then times, best of ``ROUNDS``:

- sql: ``integration.metrics._window_stats("24h")``, the grouped query the module
  uses (counts, success rate, average and ``percentile_cont`` p95 per endpoint);
- naive: fetch the 24 h attempts (endpoint, outcome, duration) into Python, group
  them per endpoint, sort the durations and interpolate the p95 the same way.

Both must agree. Also printed: the time of a Prometheus scrape, whose counters
and histogram cover every attempt; then, with the rows of the other flows added
(:func:`flows`: 200,000 inbound messages of 20 sources, 30 days of refusals, of
REST API and of backend call counts per minute, 10,000 sync runs), the time of
a scrape of every flow. The Odoo server the harness starts is not used: only
its database, read through ``server.env()``. Ends with ``RESULT
sql_s=<seconds> naive_s=<seconds> ratio=<naive/sql> scrape_s=<every flow>``.
"""

import math
import os
import sys
import time
from collections import defaultdict
from datetime import timedelta

sys.path.insert(0, os.path.dirname(__file__))
import _harness

from odoo import fields

ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", 1_000_000))
ENDPOINTS = 50
ROUNDS = 3
WINDOW = timedelta(hours=24)


def setup(env):
    """Endpoints, one delivery each, and the attempt log (returns endpoint ids)."""
    params = env["ir.config_parameter"]
    params.set_param("integration_hub.allowed_networks", "127.0.0.0/8")
    params.set_param("integration_hub.allow_http", "True")
    event_type = env["integration.event.type"].create({"code": "bench.metrics"})
    endpoints = env["integration.endpoint"].create(
        [
            {
                "name": f"bench endpoint {number:02d}",
                "url": f"http://127.0.0.1:9/{number}",
                "event_type_ids": [(6, 0, event_type.ids)],
            }
            for number in range(ENDPOINTS)
        ]
    )
    event = env["integration.event"]._create_event(event_type.code, {}, endpoints)
    env.flush_all()
    # One statement: row g goes to endpoint g % n, at a time spread evenly over
    # the last 7 days, with a latency range that grows with the endpoint's slot
    # and 10 % of retries; setseed makes every run insert the same rows.
    env.cr.execute("SELECT setseed(0.42)")
    env.cr.execute(
        """
        INSERT INTO integration_delivery_attempt
               (delivery_id, endpoint_id, attempt_number, attempted_at, duration_ms,
                status_code, outcome, create_uid, write_uid, create_date, write_date)
        SELECT d.id, d.endpoint_id, 1,
               (now() AT TIME ZONE 'UTC')
                   - make_interval(secs => s.g * 604800.0 / %(attempts)s),
               (5 + random() * (50 + 20 * d.slot))::int,
               CASE WHEN s.r < 0.9 THEN 200 ELSE 503 END,
               CASE WHEN s.r < 0.9 THEN 'delivered' ELSE 'retry' END,
               1, 1, now(), now()
          FROM (SELECT g, random() AS r
                  FROM generate_series(0, %(attempts)s - 1) AS g) s
          JOIN (SELECT id, endpoint_id,
                       row_number() OVER (ORDER BY id) - 1 AS slot
                  FROM integration_delivery
                 WHERE event_id = %(event)s) d
            ON d.slot = s.g %% %(endpoints)s
        """,
        {"attempts": ATTEMPTS, "endpoints": ENDPOINTS, "event": event.id},
    )
    env.cr.execute("ANALYZE integration_delivery_attempt")
    return endpoints.ids


SOURCE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # nosec B105  # a bench's
# The inbound, REST API and sync rows of a busy month, relative to %(now)s.
FLOWS = """
    INSERT INTO integration_inbound_message
           (source_id, event_type, state, create_date, processed_at)
    SELECT s.ids[1 + g %% 20], 'booking.created',
           CASE WHEN g %% 10 = 0 THEN 'failed' ELSE 'done' END,
           %(now)s - make_interval(secs => g * 3.0),
           CASE WHEN g %% 10 <> 0
                THEN %(now)s - make_interval(secs => g * 3.0 - g %% 60) END
      FROM generate_series(1, 200000) g,
           (SELECT array_agg(id ORDER BY id) AS ids
              FROM integration_inbound_source WHERE id = ANY(%(sources)s)) s;
    INSERT INTO integration_inbound_audit (logged_at, slug, code, http_status, count)
    SELECT %(minute)s - make_interval(mins => m), 'bench-' || (m %% 20), c, 401, 2
      FROM generate_series(0, 43199) m,
           unnest(ARRAY['invalid_signature', 'stale_timestamp', 'no_header']) c;
    INSERT INTO integration_api_traffic
           (minute, route, status_code, status_class, latency_bucket, call_count,
            duration_sum_ms)
    SELECT %(minute)s - make_interval(mins => m), r.route, r.status, r.class,
           r.bucket, 10, 10 * (5 + 10 * r.bucket)
      FROM generate_series(0, 43199) m,
           (VALUES ('GET /api/v1/bookings', 200, '2xx', 1),
                   ('GET /api/v1/bookings/{id}', 200, '2xx', 0),
                   ('POST /api/v1/bookings', 201, '2xx', 2),
                   ('GET /api/v1/bookings', 429, '4xx', 0))
               AS r(route, status, class, bucket);
    INSERT INTO integration_backend_call
           (minute, backend_ref, outcome, status_code, latency_bucket, call_count,
            duration_sum_ms)
    SELECT %(minute)s - make_interval(mins => m), %(backend)s, o.outcome, o.status,
           o.bucket, 3, 3 * (5 + 20 * o.bucket)
      FROM generate_series(0, 43199) m,
           (VALUES ('ok', 0, 2), ('ok', 0, 3), ('error', 503, 1))
               AS o(outcome, status, bucket);
    INSERT INTO integration_sync_run
           (backend_id, company_id, kind, state, started_at, created_count,
            updated_count, error_count)
    SELECT %(backend)s, %(company)s, 'delta', 'done',
           %(now)s - make_interval(mins => g * 4), g %% 7, g %% 5, g %% 2
      FROM generate_series(1, 10000) g;
    ANALYZE integration_inbound_message;
    ANALYZE integration_inbound_audit;
    ANALYZE integration_api_traffic;
    ANALYZE integration_backend_call;
    ANALYZE integration_sync_run;
"""


def flows(env):
    """Rows of the inbound, REST API and sync flows, as a busy month leaves them."""
    sources = env["integration.inbound.source"].create(
        [
            {"name": f"bench source {n}", "slug": f"bench-{n}", "secret": SOURCE_SECRET}
            for n in range(20)
        ]
    )
    backend = env["integration.backend"].create(
        {"name": "bench backend", "base_url": "http://127.0.0.1:9"}
    )
    env.flush_all()
    now = fields.Datetime.now()
    env.cr.execute(
        FLOWS,
        {
            "now": now,
            "minute": now.replace(second=0),
            "sources": sources.ids,
            "backend": backend.id,
            "company": backend.company_id.id,
        },
    )


def naive(env, now):
    """The figures of ``_window_stats`` computed in Python from fetched rows."""
    env.cr.execute(
        """
        SELECT endpoint_id, outcome, duration_ms
          FROM integration_delivery_attempt
         WHERE attempted_at > %s
        """,
        (now - WINDOW,),
    )
    durations = defaultdict(list)
    delivered = defaultdict(int)
    for endpoint_id, outcome, duration in env.cr.fetchall():
        durations[endpoint_id].append(duration)
        delivered[endpoint_id] += outcome == "delivered"
    result = {}
    for endpoint_id, values in durations.items():
        values.sort()
        position = 0.95 * (len(values) - 1)
        low = math.floor(position)
        high = min(low + 1, len(values) - 1)
        p95 = values[low] + (values[high] - values[low]) * (position - low)
        result[endpoint_id] = {
            "total": len(values),
            "success_rate": delivered[endpoint_id] / len(values),
            "avg_ms": sum(values) / len(values),
            "p95_ms": p95,
        }
    return result


def best_of(function):
    """Best wall time of ``ROUNDS`` calls, and the last result."""
    best, result = math.inf, None
    for _round in range(ROUNDS):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def main():
    with _harness.OdooServer("metrics", workers=0) as server:
        with server.env() as env:
            started = time.perf_counter()
            setup(env)
            print(
                f"inserted {ATTEMPTS} attempts in {time.perf_counter() - started:.1f} s"
            )
        with server.env() as env:
            now = fields.Datetime.now()
            metrics = env["integration.metrics"]
            sql_s, (_overall, by_sql) = best_of(
                lambda: metrics._window_stats("24h", now=now)
            )
            naive_s, by_python = best_of(lambda: naive(env, now))
            scrape_s, _text = best_of(metrics._prometheus_text)
        with server.env() as env:
            started = time.perf_counter()
            flows(env)
            seconds = time.perf_counter() - started
            print(f"inserted the other flows' rows in {seconds:.1f} s")
        with server.env() as env:
            all_s, _text = best_of(env["integration.metrics"]._prometheus_text)
        assert set(by_sql) == set(by_python), "both ways see the same endpoints"
        for endpoint_id, expected in by_python.items():
            for key, value in expected.items():
                assert math.isclose(by_sql[endpoint_id][key], value, rel_tol=1e-9), (
                    endpoint_id,
                    key,
                )
        rows = sum(stats["total"] for stats in by_python.values())
        print(f"24 h window: {rows} attempts, {len(by_python)} endpoints")
        print(f"sql   (grouped query, percentile_cont): {sql_s:.3f} s")
        print(f"naive (fetch, group and sort in Python): {naive_s:.3f} s")
        print(f"Prometheus scrape (all-time, {ATTEMPTS} attempts): {scrape_s:.3f} s")
        print(f"Prometheus scrape of every flow, with their rows: {all_s:.3f} s")
        ratio = naive_s / sql_s
        print(f"ratio naive/sql: {ratio:.1f}")
        print(
            f"RESULT sql_s={sql_s:.3f} naive_s={naive_s:.3f} ratio={ratio:.1f} "
            f"scrape_s={all_s:.3f}"
        )


if __name__ == "__main__":
    main()
