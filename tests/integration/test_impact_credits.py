"""Impact credits through `ecopulse local`: a sponsor requests credits, an admin approves them with a payment
reference, they are allocated from distinct verified cleanups and retired on the local chain once (a retry after
the chain refused retires nothing twice), and the certificate's public verification succeeds."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from web3 import HTTPProvider, Web3
from web3.contract import Contract

from tests.integration.citizens import ROOT, Citizen, reviewed_by_a_human
from tests.integration.test_faults import Faults
from tests.support import wait_until

pytestmark = pytest.mark.slow
TENANT = "impact"
KG_EACH = 2.0


def registry(system) -> Contract:
    chain = system.described["chain"]
    abi = json.loads((ROOT / "contracts" / "build" / "ImpactRegistry.json").read_text())["abi"]
    return Web3(HTTPProvider(chain["rpc_url"])).eth.contract(address=chain["registry_address"], abi=abi)


def retirements_of(contract: Contract, request_id: str) -> list:
    key = Web3.keccak(text=request_id)
    return contract.events.Retired().get_logs(from_block=0, argument_filters={"requestId": key})


@pytest.fixture(scope="module")
def city(local_system):
    """A city whose every verdict goes to a human, with a price and a kilogram estimate for every category."""
    reviewed_by_a_human(
        local_system,
        TENANT,
        price_per_credit="1.50",
        credit_currency="EUR",
        impact_kg_per_category={kind: KG_EACH for kind in ("plastic", "glass", "metal", "paper", "organic",
                                                          "e_waste", "mixed")},
    )  # fmt: skip
    return local_system


def approved_cleanups(system, count: int) -> list[str]:
    citizen = Citizen(system, TENANT)
    approved = []
    for _ in range(count):
        submission_id = citizen.submit()
        assert citizen.approve(submission_id).status_code == 200
        wait_until(lambda s=submission_id: citizen.submission(s)["status"] == "approved", timeout=40)
        approved.append(submission_id)
    return approved


def call(system, method: str, path: str, headers: dict | None = None, **kwargs) -> httpx.Response:
    return httpx.request(method, system.api + path, headers=headers or {}, timeout=60, **kwargs)


def test_a_sponsors_credits_are_allocated_from_distinct_cleanups_retired_once_and_verified(city):
    cleanups = approved_cleanups(city, 3)
    sponsor, admin = city.bearer("acme", "sponsor", TENANT), city.bearer("amina", "admin", TENANT)
    today = datetime.now(UTC).date()
    period = {"period_start": str(today - timedelta(days=1)), "period_end": str(today + timedelta(days=1))}
    filed = call(city, "POST", "/impact-credits", sponsor, json={"organisation": "Acme", "credits": 3, **period})
    assert filed.status_code == 201, filed.text
    request = filed.json()
    assert (request["total_price"], request["currency"], request["status"]) == ("4.50", "EUR", "pending")
    decision = f"/admin/impact-credits/{request['request_id']}/decision"
    refused = call(city, "POST", decision, sponsor, json={"approve": True, "payment_reference": "INV-1"})
    assert refused.status_code == 403

    faults = Faults(city)
    try:
        faults.inject(function="ImpactApiFunction", target="chain", effect="unavailable",
                      operation="eth_sendRawTransaction")  # fmt: skip
        down = call(city, "POST", decision, admin, json={"approve": True, "payment_reference": "INV-1"})
        assert (down.status_code, down.json()["error"]["code"]) == (503, "chain_unavailable")
    finally:
        faults.clear()
    waiting = call(city, "GET", f"/impact-credits/{request['request_id']}", admin).json()
    assert waiting["status"] == "approved" and retirements_of(registry(city), request["request_id"]) == []

    issued = call(city, "POST", decision, admin, json={"approve": True, "payment_reference": "INV-1"})
    assert issued.status_code == 200, issued.text
    shown = issued.json()
    assert shown["status"] == "issued" and shown["payment_reference"] == "INV-1"
    assert shown["cleanups"] == cleanups[:2], "the oldest verified cleanups, whole, until they cover 3 kg"
    assert len(set(shown["cleanups"])) == 2 and shown["allocated_kg"] == 2 * KG_EACH

    again = call(city, "POST", decision, admin, json={"approve": True, "payment_reference": "INV-2"})
    assert (again.status_code, again.json()["retirement_tx"]) == (200, shown["retirement_tx"])
    (event,) = retirements_of(registry(city), request["request_id"])
    assert event["transactionHash"].to_0x_hex() == shown["retirement_tx"]
    assert (event["args"]["amount"], "0x" + event["args"]["cleanupsHash"].hex()) == (3, shown["cleanups_hash"])

    more = call(city, "POST", "/impact-credits", sponsor, json={"organisation": "Acme", "credits": 5, **period})
    short = call(city, "POST", f"/admin/impact-credits/{more.json()['request_id']}/decision", admin,
                 json={"approve": True, "payment_reference": "INV-3"})  # fmt: skip
    assert (short.status_code, short.json()["error"]["code"]) == (409, "insufficient_impact")
    assert short.json()["error"]["details"][0]["available_kg"] == KG_EACH

    pdf = call(city, "GET", f"/impact-credits/{request['request_id']}/certificate", sponsor)
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    digest = hashlib.sha256(pdf.content).hexdigest()
    verification = call(
        city, "GET", f"/public/impact-credits/{TENANT}/{request['request_id']}/verification", params={"sha256": digest}
    )
    assert verification.status_code == 200, verification.text
    checked = verification.json()
    assert checked["verified"] and checked["certificate_sha256"] == digest == shown["certificate_sha256"]
    assert checked["chain"]["tx_hash"] == shown["retirement_tx"] and checked["chain"]["amount"] == 3
