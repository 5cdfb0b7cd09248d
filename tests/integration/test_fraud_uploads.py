"""Fraud through the real presigned flow: one attempt of every kind of ml/fraud_set.py, posted with the forms the
API hands out to a running `ecopulse local`, is never approved without a human; an honest cleanup is paid alone
where the city trusts the rules enough."""

import uuid
from datetime import UTC, datetime

import fraud_set
import httpx
import pytest

from tests.integration.citizens import TOKEN, Citizen, ecocoin, trusting_the_rules
from tests.integration.photos import honest_pair
from tests.support import wait_until


@pytest.fixture(scope="module")
def one_of_each_kind() -> list[fraud_set.Upload]:
    """Honest first, dated from now: the module's tests upload them within minutes."""
    return fraud_set.uploads(datetime.now(UTC))


def city(local_system) -> str:
    """A new tenant with the fraud set's service area and the default evidence settings."""
    tenant = f"fraud-{uuid.uuid4().hex[:6]}"
    admin = local_system.bearer("amina", "admin", tenant)
    current = httpx.get(local_system.api + "/admin/settings", headers=admin).json()
    saved = httpx.put(
        local_system.api + "/admin/settings", headers=admin, json={**current, "service_area": fraud_set.SERVICE_AREA}
    )
    assert saved.status_code == 200, saved.text
    return tenant


def test_no_fraud_attempt_of_any_kind_is_approved_through_the_presigned_flow(local_system, one_of_each_kind):
    tenant = city(local_system)
    outcomes = {}
    for upload in one_of_each_kind:
        citizen = Citizen(local_system, tenant)
        outcomes[upload.kind] = citizen.submit_cleanup(upload.before, upload.after)
    frauds = {kind: found for kind, found in outcomes.items() if kind != "honest"}
    assert len(frauds) == len(fraud_set.FRAUD_KINDS) >= 10
    assert {kind: found["status"] for kind, found in frauds.items() if found["status"] == "approved"} == {}
    assert all(found["status"] in ("in_review", "rejected") for found in frauds.values())


@pytest.mark.parametrize("kind", ["after_only_unrelated", "gps_outside"])
def test_the_citizen_reads_why_a_fraud_attempt_waits_for_a_human(local_system, one_of_each_kind, kind):
    tenant = city(local_system)
    upload = next(upload for upload in one_of_each_kind if upload.kind == kind)
    found = Citizen(local_system, tenant).submit_cleanup(upload.before, upload.after)
    assert found["status"] in ("in_review", "rejected")
    expected = {
        "after_only_unrelated": "a cleanup needs a before photo as well as an after photo",
        "gps_outside": "outside the city's service area",
    }[kind]
    assert any(expected in reason for reason in found["outcome"]["reasons"]), found["outcome"]["reasons"]


def test_an_honest_cleanup_where_the_city_trusts_the_rules_is_approved_and_paid_with_no_human(local_system):
    tenant = f"trusting-{uuid.uuid4().hex[:6]}"
    trusting_the_rules(local_system, tenant)
    token = ecocoin(local_system)
    citizen = Citizen.with_wallet(local_system, tenant)
    found = citizen.submit_cleanup(*honest_pair())
    assert found["status"] == "approved", found["outcome"]["reasons"]
    wait_until(lambda: citizen.submission(found["submission_id"])["mint_tx"], timeout=40)
    assert token.functions.balanceOf(citizen.wallet).call() == 10 * TOKEN
    note = wait_until(lambda: citizen.api("GET", "/me/inbox").json()["items"], timeout=20)[0]
    assert "10 ECO were sent" in note["body"]
