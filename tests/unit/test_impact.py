"""Impact credits: pricing, whole cleanups allocated oldest first and never twice, retirement exactly once, and
the public verification of a certificate."""

import dataclasses
import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ecopulse.geo import Zone
from ecopulse.impact import (
    AlreadyReviewed,
    CreditRequestNotFound,
    InsufficientImpact,
    RetirementUnavailable,
    approve_request,
    certificate_of,
    choose_cleanups,
    cleanups_hash,
    impact_of,
    kilograms_for,
    new_request,
    price_of,
    read_request,
    reject_request,
    verify_certificate,
)
from tests.unit.impact_fakes import JsonCertificates, MemoryImpactStore, MemoryRetirements, an_entry
from tests.unit.submission_fakes import a_submission

OLD_TOWN = Zone("old-town", "Old town", ((((74.3, 31.5), (74.4, 31.5), (74.4, 31.6), (74.3, 31.6), (74.3, 31.5)),),))
FEBRUARY = (date(2026, 2, 1), date(2026, 2, 28))


@pytest.fixture
def store() -> MemoryImpactStore:
    return MemoryImpactStore()


@pytest.fixture
def chain() -> MemoryRetirements:
    return MemoryRetirements()


def requested(store: MemoryImpactStore, credits: int, zone_id: str | None = "old-town", sponsor: str = "acme"):
    request = new_request(sponsor, "Acme", credits, zone_id, *FEBRUARY, None, Decimal("1.50"), "EUR", [OLD_TOWN])
    return store.create("lahore", request)


def approved(store, chain, request_id: str, reference: str = "INV-1"):
    return approve_request(store, chain, JsonCertificates(), "lahore", request_id, reference, "amina")


def test_a_request_is_priced_at_the_citys_price_to_the_cent():
    assert price_of(3, Decimal("0.335")) == Decimal("1.01")
    request = new_request("acme", "Acme", 40, None, *FEBRUARY, None, Decimal("2.50"), "PKR", [])
    assert (request.total_price, request.currency) == (Decimal("100.00"), "PKR")


def test_a_request_for_a_zone_the_city_does_not_have_or_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="no zone"):
        new_request("acme", "Acme", 1, "moon", *FEBRUARY, None, Decimal(1), "EUR", [OLD_TOWN])
    with pytest.raises(ValueError, match="ends before"):
        new_request("acme", "Acme", 1, None, FEBRUARY[1], FEBRUARY[0], None, Decimal(1), "EUR", [])


def test_a_cleanup_counts_for_the_citys_estimate_of_its_category_and_the_default_otherwise():
    assert kilograms_for("glass", {"glass": 7.5}) == 7.5
    assert kilograms_for("plastic", {"glass": 7.5}) == 2.0
    assert kilograms_for("unknown", {}) == 2.5


def test_an_approved_cleanups_impact_takes_its_category_zone_and_rounded_place_from_its_photos():
    submission = dataclasses.replace(
        a_submission(),
        photo_verdicts={"before": {"model": {"waste_type": "glass"}}},
        photo_facts={"after": {"location": {"lat": 31.520412, "lng": 74.358719}}},
    )
    verified_at = datetime(2026, 2, 3, tzinfo=UTC)
    entry = impact_of(submission, {"glass": 6.0}, [OLD_TOWN], verified_at)
    assert (entry.category, entry.kilograms, entry.zone_id) == ("glass", 6.0, "old-town")
    assert (entry.lat, entry.lng) == (31.52, 74.359), "the ledger keeps the place to about 100 m only"


def test_a_cleanup_without_a_place_or_a_known_category_is_mixed_and_in_no_zone():
    entry = impact_of(a_submission(), {}, [OLD_TOWN], datetime(2026, 2, 3, tzinfo=UTC))
    assert (entry.category, entry.kilograms, entry.lat, entry.zone_id) == ("mixed", 2.5, None, None)


def test_whole_cleanups_are_chosen_oldest_first_until_they_cover_the_credits():
    entries = [an_entry("c", 3), an_entry("a", 1), an_entry("b", 2), an_entry("d", 4)]
    assert [entry.submission_id for entry in choose_cleanups(entries, 5)] == ["a", "b", "c"]


def test_choosing_more_credits_than_the_cleanups_cover_is_refused():
    with pytest.raises(InsufficientImpact) as refused:
        choose_cleanups([an_entry("a", 1), an_entry("b", 2)], 5)
    assert (refused.value.available_kg, refused.value.cleanups) == (4.0, 2)


def test_the_cleanups_hash_does_not_depend_on_their_order():
    assert cleanups_hash(["b", "a"]) == cleanups_hash(("a", "b")) != cleanups_hash(["a"])


def test_an_approval_allocates_the_oldest_cleanups_of_the_zone_and_period_and_retires_them_once(store, chain):
    for entry in [an_entry("late", 20), an_entry("early", 2), an_entry("elsewhere", 1, zone_id="river")]:
        store.add_entry(entry)
    store.add_entry(dataclasses.replace(an_entry("march", 1), verified_at=datetime(2026, 3, 1, tzinfo=UTC)))
    request = requested(store, 2)
    issued = approved(store, chain, request.request_id)
    assert issued.status == "issued" and issued.cleanups == ("early",) and issued.payment_reference == "INV-1"
    record = chain.records[request.request_id]
    assert (record.amount, record.cleanups_hash, issued.retirement_tx) == (2, cleanups_hash(["early"]), record.tx_hash)
    assert store.ledger[("lahore", "early")].allocated_to == request.request_id
    assert store.ledger[("lahore", "late")].allocated_to is None
    assert issued.certificate_sha256 == JsonCertificates.sha256(issued, store.entries("lahore", ("early",)), record)


def test_approving_again_retires_nothing_twice(store, chain):
    store.add_entry(an_entry("a", 1))
    request = requested(store, 2)
    first = approved(store, chain, request.request_id)
    again = approved(store, chain, request.request_id, reference="INV-2")
    assert chain.sent == 1 and again.retirement_tx == first.retirement_tx and again.payment_reference == "INV-1"


def test_a_retirement_the_chain_did_not_take_is_sent_again_on_the_next_approval(store, chain):
    store.add_entry(an_entry("a", 1))
    request = requested(store, 2)
    chain.down = True
    with pytest.raises(RetirementUnavailable):
        approved(store, chain, request.request_id)
    assert store.get("lahore", request.request_id).status == "approved" and chain.records == {}
    chain.down = False
    assert approved(store, chain, request.request_id).status == "issued" and chain.sent == 1


def test_not_enough_impact_is_refused_and_allocates_nothing(store, chain):
    store.add_entry(an_entry("a", 1))
    request = requested(store, 3)
    with pytest.raises(InsufficientImpact):
        approved(store, chain, request.request_id)
    assert store.get("lahore", request.request_id).status == "pending"
    assert store.ledger[("lahore", "a")].allocated_to is None and chain.records == {}


def test_no_cleanup_backs_two_requests(store, chain):
    for entry in [an_entry("a", 1), an_entry("b", 2)]:
        store.add_entry(entry)
    first, second, third = requested(store, 2), requested(store, 2), requested(store, 2)
    assert approved(store, chain, first.request_id).cleanups == ("a",)
    assert approved(store, chain, second.request_id).cleanups == ("b",)
    with pytest.raises(InsufficientImpact):
        approved(store, chain, third.request_id)


def test_an_approval_that_finds_the_request_approved_meanwhile_goes_on_to_issue_it(store, chain):
    store.add_entry(an_entry("a", 1))
    request = requested(store, 2)
    original = store.allocate

    def approved_by_another_admin_first(*args, **kwargs):
        original(*args, **kwargs)
        return original(*args, **kwargs)

    store.allocate = approved_by_another_admin_first
    assert approved(store, chain, request.request_id).status == "issued" and chain.sent == 1


def test_an_approval_that_loses_a_cleanup_to_a_racing_one_allocates_the_next(store, chain):
    for entry in [an_entry("a", 1), an_entry("b", 2)]:
        store.add_entry(entry)
    request = requested(store, 2)
    store.take_before_allocating = ["a"]
    assert approved(store, chain, request.request_id).cleanups == ("b",)


def test_a_rejected_request_cannot_be_approved_and_an_approved_one_cannot_be_rejected(store, chain):
    store.add_entry(an_entry("a", 1))
    rejected, accepted = requested(store, 1), requested(store, 1)
    reject_request(store, "lahore", rejected.request_id, "amina", "no payment")
    assert reject_request(store, "lahore", rejected.request_id, "amina", "again").review_reason == "no payment"
    with pytest.raises(AlreadyReviewed):
        approved(store, chain, rejected.request_id)
    approved(store, chain, accepted.request_id)
    with pytest.raises(AlreadyReviewed):
        reject_request(store, "lahore", accepted.request_id, "amina", "changed my mind")


def test_a_sponsor_reads_only_their_own_requests(store):
    request = requested(store, 1, sponsor="acme")
    assert read_request(store, "lahore", request.request_id, "acme", reads_any=False) == request
    assert read_request(store, "lahore", request.request_id, "amina", reads_any=True) == request
    with pytest.raises(CreditRequestNotFound):
        read_request(store, "lahore", request.request_id, "globex", reads_any=False)


def test_an_issued_certificate_verifies_against_the_chain(store, chain):
    store.add_entry(an_entry("a", 1))
    request = requested(store, 2)
    issued = approved(store, chain, request.request_id)
    certificates = JsonCertificates()
    pdf = certificate_of(store, chain, certificates, "lahore", request.request_id)
    held = hashlib.sha256(pdf).hexdigest()
    check = verify_certificate(store, chain, certificates, "lahore", request.request_id, held)
    assert check.verified and check.certificate_sha256 == issued.certificate_sha256
    assert not verify_certificate(store, chain, certificates, "lahore", request.request_id, "0" * 64).verified


def test_a_certificate_whose_chain_record_differs_does_not_verify(store, chain):
    store.add_entry(an_entry("a", 1))
    request = requested(store, 2)
    approved(store, chain, request.request_id)
    chain.records[request.request_id] = dataclasses.replace(chain.records[request.request_id], cleanups_hash="0x00")
    assert not verify_certificate(store, chain, JsonCertificates(), "lahore", request.request_id, None).verified


def test_a_request_not_issued_has_no_certificate_and_nothing_to_verify(store, chain):
    request = requested(store, 2)
    with pytest.raises(CreditRequestNotFound):
        certificate_of(store, chain, JsonCertificates(), "lahore", request.request_id)
    with pytest.raises(CreditRequestNotFound):
        verify_certificate(store, chain, JsonCertificates(), "lahore", request.request_id, None)
