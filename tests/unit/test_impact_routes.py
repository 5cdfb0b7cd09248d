"""The impact-credit routes with their ports in memory: who may request, decide and read, and every refusal as
the API answers it."""

import hashlib

import pytest
from starlette.testclient import TestClient

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import tenant_repository
from ecopulse.api.impact_dependencies import certificates, impact_store, retirements
from ecopulse.tenants import TenantSettings, ZoneSettings
from tests.unit.function_apps import function_app
from tests.unit.impact_fakes import JsonCertificates, MemoryImpactStore, MemoryRetirements, an_entry
from tests.unit.test_people import client

OLD_TOWN = ZoneSettings(zone_id="old-town", name="Old town", min_lat=31.5, min_lng=74.3, max_lat=31.6, max_lng=74.4)
BODY = {"organisation": "Acme", "credits": 3, "zone_id": "old-town", "period_start": "2026-02-01",
        "period_end": "2026-02-28"}  # fmt: skip


class PricedCity:
    def settings(self, tenant: str) -> TenantSettings:
        return TenantSettings(price_per_credit="2.25", credit_currency="PKR", zones=[OLD_TOWN])

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings:
        return settings


@pytest.fixture
def store() -> MemoryImpactStore:
    store = MemoryImpactStore()
    for submission_id, day in (("a", 1), ("b", 2), ("c", 3)):
        store.add_entry(an_entry(submission_id, day))
    return store


@pytest.fixture
def chain() -> MemoryRetirements:
    return MemoryRetirements()


@pytest.fixture
def as_(store, chain):
    def signed_in(user: str, group: Group, tenant: str = "lahore"):
        ports = {
            impact_store: store,
            retirements: chain,
            certificates: JsonCertificates(),
            tenant_repository: PricedCity(),
        }
        return client("impact_api", user, group, ports, tenant)

    return signed_in


def filed(as_) -> str:
    answer = as_("acme", Group.SPONSOR).post("/impact-credits", json=BODY)
    assert answer.status_code == 201, answer.text
    return answer.json()["request_id"]


def approve(as_, request_id: str, tenant: str = "lahore", reference: str = "INV-9"):
    body = {"approve": True, "payment_reference": reference}
    return as_("amina", Group.ADMIN, tenant).post(f"/admin/impact-credits/{request_id}/decision", json=body)


def test_a_sponsors_request_is_priced_at_the_citys_price(as_):
    answer = as_("acme", Group.SPONSOR).post("/impact-credits", json=BODY)
    assert answer.status_code == 201, answer.text
    shown = answer.json()
    assert (shown["price_per_credit"], shown["currency"], shown["total_price"], shown["status"]) == (
        "2.25", "PKR", "6.75", "pending",
    )  # fmt: skip
    assert [r["request_id"] for r in as_("acme", Group.SPONSOR).get("/impact-credits").json()["items"]] == [
        shown["request_id"]
    ]
    assert as_("globex", Group.SPONSOR).get("/impact-credits").json()["items"] == []


@pytest.mark.parametrize("group", [Group.CITIZEN, Group.DRIVER, Group.ADMIN])
def test_only_a_sponsor_requests_credits(as_, store, group):
    answer = as_("mallory", group).post("/impact-credits", json=BODY)
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden")
    assert store.requests == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credits": 0}, "body.credits"),
        ({"credits": -3}, "body.credits"),
        ({"credits": 100_001}, "body.credits"),
        ({"credits": "many"}, "body.credits"),
        ({"period_end": "2028-01-01"}, "body"),
        ({"sponsor_wallet": "0x1234"}, "body.sponsor_wallet"),
    ],
)
def test_bad_amounts_and_periods_are_refused(as_, store, change, field):
    answer = as_("acme", Group.SPONSOR).post("/impact-credits", json={**BODY, **change})
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_request")
    assert field in [detail["field"] for detail in answer.json()["error"]["details"]]
    assert store.requests == {}


@pytest.mark.parametrize("change", [{"zone_id": "harbour"}, {"period_start": "2026-03-01", "period_end": "2026-02-01"}])
def test_a_zone_the_city_does_not_have_or_a_backward_period_is_refused(as_, store, change):
    answer = as_("acme", Group.SPONSOR).post("/impact-credits", json={**BODY, **change})
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_credit_request")
    assert store.requests == {}


def test_an_admin_approves_with_the_payment_and_the_credits_are_allocated_and_retired_once(as_, store, chain):
    request_id = filed(as_)
    first = approve(as_, request_id)
    assert first.status_code == 200, first.text
    shown = first.json()
    assert (shown["status"], shown["cleanups"], shown["payment_reference"]) == ("issued", ["a", "b"], "INV-9")
    assert shown["retirement_tx"] == chain.records[request_id].tx_hash and shown["allocated_kg"] == 4.0
    again = approve(as_, request_id, reference="INV-10")
    assert (again.status_code, again.json()["retirement_tx"], chain.sent) == (200, shown["retirement_tx"], 1)
    listed = as_("amina", Group.ADMIN).get("/admin/impact-credits?status=issued").json()["items"]
    assert [r["request_id"] for r in listed] == [request_id]


def test_an_approval_without_a_payment_reference_or_a_rejection_without_a_reason_is_refused(as_, store):
    request_id = filed(as_)
    admin = as_("amina", Group.ADMIN)
    for body in ({"approve": True}, {"approve": False}, {"approve": True, "payment_reference": ""}):
        answer = admin.post(f"/admin/impact-credits/{request_id}/decision", json=body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_request")
    assert store.get("lahore", request_id).status == "pending"


@pytest.mark.parametrize("group", [Group.SPONSOR, Group.CITIZEN, Group.DRIVER])
def test_only_an_admin_decides_or_lists_requests(as_, store, chain, group):
    request_id = filed(as_)
    caller = as_("acme", group)
    decided = caller.post(
        f"/admin/impact-credits/{request_id}/decision", json={"approve": True, "payment_reference": "x"}
    )
    assert (decided.status_code, decided.json()["error"]["code"]) == (403, "forbidden")
    assert caller.get("/admin/impact-credits").status_code == 403
    assert store.get("lahore", request_id).status == "pending" and chain.records == {}


def test_another_citys_admin_finds_no_request(as_, store, chain):
    request_id = filed(as_)
    answer = approve(as_, request_id, tenant="karachi")
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "credit_request_not_found")
    shown = as_("omar", Group.ADMIN, "karachi").get(f"/impact-credits/{request_id}")
    assert (shown.status_code, shown.json()["error"]["code"]) == (404, "credit_request_not_found")
    assert as_("omar", Group.ADMIN, "karachi").get("/admin/impact-credits").json()["items"] == []
    assert store.get("lahore", request_id).status == "pending" and chain.records == {}


def test_not_enough_impact_is_refused_and_allocates_nothing(as_, store, chain):
    answer = as_("acme", Group.SPONSOR).post("/impact-credits", json={**BODY, "credits": 7})
    refused = approve(as_, answer.json()["request_id"])
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "insufficient_impact")
    assert refused.json()["error"]["details"] == [{"requested": 7, "available_kg": 6.0, "cleanups": 3}]
    assert all(entry.allocated_to is None for entry in store.ledger.values()) and chain.records == {}


def test_a_chain_that_does_not_answer_leaves_the_request_approved_for_a_retry(as_, store, chain):
    request_id = filed(as_)
    chain.down = True
    refused = approve(as_, request_id)
    assert (refused.status_code, refused.json()["error"]["code"]) == (503, "chain_unavailable")
    assert store.get("lahore", request_id).status == "approved"
    chain.down = False
    assert approve(as_, request_id).json()["status"] == "issued" and chain.sent == 1


def test_a_rejected_request_is_not_approved_and_an_issued_one_not_rejected(as_, store):
    rejected, issued = filed(as_), filed(as_)
    admin = as_("amina", Group.ADMIN)
    answer = admin.post(f"/admin/impact-credits/{rejected}/decision", json={"approve": False, "reason": "unpaid"})
    assert (answer.status_code, answer.json()["status"]) == (200, "rejected")
    assert (approve(as_, rejected).status_code, approve(as_, rejected).json()["error"]["code"]) == (
        409, "already_reviewed",
    )  # fmt: skip
    approve(as_, issued)
    answer = admin.post(f"/admin/impact-credits/{issued}/decision", json={"approve": False, "reason": "oops"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "already_reviewed")


def test_the_certificate_goes_to_its_sponsor_and_admins_only(as_):
    request_id = filed(as_)
    pending = as_("acme", Group.SPONSOR).get(f"/impact-credits/{request_id}/certificate")
    assert (pending.status_code, pending.json()["error"]["code"]) == (404, "credit_request_not_found")
    approve(as_, request_id)
    pdf = as_("acme", Group.SPONSOR).get(f"/impact-credits/{request_id}/certificate")
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert as_("amina", Group.ADMIN).get(f"/impact-credits/{request_id}/certificate").content == pdf.content
    for user, group, refusal in (("globex", Group.SPONSOR, (404, "credit_request_not_found")),
                                 ("alice", Group.CITIZEN, (403, "forbidden"))):  # fmt: skip
        refused = as_(user, group).get(f"/impact-credits/{request_id}/certificate")
        assert (refused.status_code, refused.json()["error"]["code"]) == refusal


def test_the_public_verification_matches_the_certificate_and_the_chain(store, chain, as_):
    request_id = filed(as_)
    approve(as_, request_id)
    pdf = as_("acme", Group.SPONSOR).get(f"/impact-credits/{request_id}/certificate").content
    public = function_app("impact_api")
    public.dependency_overrides.update(
        {impact_store: lambda: store, retirements: lambda: chain, certificates: lambda: JsonCertificates()}
    )
    anyone = TestClient(public)
    url = f"/public/impact-credits/lahore/{request_id}/verification"
    checked = anyone.get(url, params={"sha256": hashlib.sha256(pdf).hexdigest()})
    assert checked.status_code == 200, checked.text
    shown = checked.json()
    assert shown["verified"] and shown["chain"]["cleanups_hash"] == shown["expected_cleanups_hash"]
    assert shown["certificate_sha256"] == shown["recorded_certificate_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert not anyone.get(url, params={"sha256": "0" * 64}).json()["verified"]
    assert anyone.get(url, params={"sha256": "not-a-hash"}).status_code == 422
    foreign = anyone.get(f"/public/impact-credits/karachi/{request_id}/verification")
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (404, "credit_request_not_found")
