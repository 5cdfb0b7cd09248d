"""Schemathesis against the running system's own OpenAPI document: every operation, as each role of one tenant
and with no token, through the gateway and its JWT authorizer. No answer may be a 5xx, and every answer must be
one the document declares, in a declared media type and shape; that includes the gateway's own 401, which the
document declares beside the API's.

Each role is one test with a subtest per operation: `schemathesis.pytest.from_fixture` would make a test per
operation, but it renames tests through `Function._nodeid`, which pytest 9.2 no longer has.
"""

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.slow

# A tenant of its own: fuzzed settings, users and vehicles stay out of the tenants other tests read.
TENANT = "fuzz"
ROLES = ["citizen", "driver", "admin", None]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Valid and invalid requests mixed, per operation and role: enough to reach the answers every operation
# documents, few enough that all roles take about two minutes on two shared cores and create few entities.
FUZZ_SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
CASES_RUN: Counter[str] = Counter()


@pytest.fixture(scope="module")
def api_schema(local_system):
    return schemathesis.openapi.from_url(local_system.api + "/openapi.json")


def fuzz(operation, headers: dict[str, str], tally: Counter[str]) -> None:
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @FUZZ_SETTINGS
    @given(case=cases)
    def call_and_check(case):
        tally[operation.label] += 1
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

    call_and_check()


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "no token")
def test_every_answer_is_a_documented_one(local_system, api_schema, role, subtests, capsys):
    headers = local_system.bearer(f"fuzz-{role}", role, TENANT) if role else {}
    operations = [api_schema[path][method] for path in api_schema for method in api_schema[path]]
    tally: Counter[str] = Counter()
    for operation in operations:
        with subtests.test(operation.label):
            fuzz(operation, headers, tally)

    CASES_RUN[role or "no token"] = tally.total()
    with capsys.disabled():
        print(f"\nfuzz cases run as {role or 'no token'}: {tally.total()} over {len(tally)} operations", end="")
        print(f" ({CASES_RUN.total()} in this module so far)")
    assert set(tally) == {operation.label for operation in operations}
