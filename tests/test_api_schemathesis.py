# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The served OpenAPI document tells the truth: schemathesis, run as its command
line runs it (every check, every phase: examples, coverage, fuzzing, stateful),
finds nothing against the live API."""

import re
import time

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status
from schemathesis.engine import events
from schemathesis.engine import from_schema
from schemathesis.engine.phases import PhaseName

from odoo.tests import tagged

from .api_common import ApiCase

# Generated requests per operation and phase: enough for every phase to walk each
# parameter, bounded so the run takes about a minute.
MAX_EXAMPLES = 3
# Seconds the whole run may take before the test fails as too slow.
DEADLINE = 240

# positive_data_acceptance sends requests the document allows and expects them
# accepted (2xx), or refused for who the caller is or what exists (401, 403, 404,
# 409). Some refusals depend on data or on earlier requests, which no JSON Schema
# can express; the document lists each for the operations where it may happen:
# - 422 ``validation_failed``: business rules over valid JSON — check-out after
#   check-in, a guest or a currency that exists, an Idempotency-Key reused with
#   another body, a body id that is not the URL's id;
# - 412 ``precondition_failed``: an If-Match naming a version the record no
#   longer has (any well-formed tag is schema-valid, few are current);
# - 304: an If-None-Match naming the current version (the client's cache is
#   fresh: the answer is "not modified", documented on every read).
POSITIVE_DATA_EXPECTED_STATUSES = [
    "2xx",
    "304",
    "401",
    "403",
    "404",
    "409",
    "412",
    "422",
]

CONFIG = f"""
suppress-health-check = ["all"]
seed = 15

[generation]
max-examples = {MAX_EXAMPLES}
deterministic = true
database = "none"

[checks.positive_data_acceptance]
expected-statuses = {POSITIVE_DATA_EXPECTED_STATUSES!r}

[phases.examples]
enabled = true
[phases.coverage]
enabled = true
[phases.fuzzing]
enabled = true
[phases.stateful]
enabled = true
"""


def _shown(headers):
    """``headers`` as generated (the curl line leaves some out), key hidden."""
    return {
        name: value
        for name, value in (headers or {}).items()
        if name.lower() != "authorization"
    }


_INVALID_HEADER = re.compile(r"parameter `([^`]+)` in header")


def _unsent_header(check, interaction):
    """Whether ``check`` blames a header the request did not carry.

    Schemathesis records the header values it generated, but a value that the
    HTTP client cannot send as it is (some non-ASCII ones) leaves the request
    without that header: the server then rightly answers the request it got,
    and negative_data_rejection reports the answer to one it did not get.
    """
    if check.name != "negative_data_rejection" or interaction is None:
        return False
    blamed = _INVALID_HEADER.search(check.failure_info.failure.message or "")
    if not blamed:
        return False
    sent = {name.lower() for name in interaction.request.headers}
    return blamed.group(1).lower() not in sent


def run_schemathesis(url, headers):
    """Run every check in every phase against the document at ``url``; return
    ``(failures, statuses, phases run)``: failures as readable text."""
    config = SchemathesisConfig.from_str(CONFIG)
    # What the command line's --checks all and --header set.
    config.projects.override.checks.update(included_check_names=["all"])
    config.projects.override.update(headers=headers, request_timeout=30)
    schema = schemathesis.openapi.from_url(url, config=config)
    failures = []
    statuses = []
    phases = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            phases.add(event.phase)
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                if interaction.response is not None:
                    statuses.append(interaction.response.status_code)
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE and not _unsent_header(
                        check, recorder.interactions.get(case_id)
                    ):
                        case = recorder.cases[case_id].value
                        failures.append(
                            f"{event.phase.value} {check.name}: "
                            f"{check.failure_info.failure.title}\n"
                            f"{check.failure_info.failure.message}\n"
                            f"{check.failure_info.code_sample}\n"
                            f"headers sent: {_shown(case.headers)}"
                        )
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.phase} {event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}")
    return failures, statuses, phases


@tagged("post_install", "-at_install")
class TestApiSchemathesis(ApiCase):
    def test_schemathesis_every_check_every_phase_finds_nothing(self):
        self.booking(status="confirmed")
        self.booking(status="tentative", name="API-TRUTH-2")
        self.env["ir.config_parameter"].sudo().set_param(
            "integration_hub.api_rate_limit", "1000000"
        )
        # Requests without a key (ignored_auth) must get 401, not the 429 that
        # protects against floods of wrong keys.
        self.env["ir.config_parameter"].sudo().set_param(
            "integration_hub.api_unauthenticated_rate_limit", "1000000"
        )
        started = time.monotonic()
        failures, statuses, phases = run_schemathesis(
            f"{self.base_url()}/api/v1/openapi.json",
            {"Authorization": f"Bearer {self.key}"},
        )
        elapsed = time.monotonic() - started
        self.assertFalse(
            failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:10])
        )
        self.assertEqual(phases, set(PhaseName.defaults()))
        self.assertIn(200, statuses)
        self.assertIn(201, statuses)
        self.assertLess(elapsed, DEADLINE)
