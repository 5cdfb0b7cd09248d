"""The impact ledger and credit requests against moto and DynamoDB Local: an approval writes a cleanup's impact
once, and of approvals racing for the last unallocated cleanup exactly one allocates it."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from threading import Barrier

import pytest
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ecopulse.impact import (
    AllocationRaced,
    AlreadyReviewed,
    ImpactEntry,
    InsufficientImpact,
    NewCreditRequest,
    Retirement,
    approve_request,
    cleanups_hash,
)
from ecopulse.store.impact import ImpactRepository, write_impact
from ecopulse.store.models import _Item
from tests.unit.impact_fakes import JsonCertificates, MemoryRetirements

FEBRUARY = (date(2026, 2, 1), date(2026, 2, 28))


def a_city() -> str:
    return f"city-{uuid.uuid4().hex[:8]}"


def recorded(tenant: str, submission_id: str, day: int, kilograms: float = 2.0, zone_id: str | None = "canal"):
    entry = ImpactEntry(
        tenant, submission_id, "plastic", kilograms, 31.5204, 74.3587, zone_id, datetime(2026, 2, day, tzinfo=UTC)
    )
    with TransactWrite(connection=_Item._get_connection().connection) as transaction:
        write_impact(transaction, entry)
    return entry


def requested(store: ImpactRepository, tenant: str, credits: int, zone_id: str | None = "canal"):
    request = NewCreditRequest(
        "acme", "Acme", credits, zone_id, *FEBRUARY, None, Decimal("1.50"), "EUR", Decimal("1.50") * credits
    )
    return store.create(tenant, request)


def test_a_cleanups_impact_is_written_once(app_table):
    tenant = a_city()
    recorded(tenant, "sub-1", 3)
    with pytest.raises(TransactWriteError):
        recorded(tenant, "sub-1", 4)
    (entry,) = ImpactRepository().unallocated(tenant, None, *FEBRUARY, 10)
    assert (entry.submission_id, entry.verified_at.day, entry.allocated_to) == ("sub-1", 3, None)


def test_unallocated_impact_is_listed_oldest_first_within_the_zone_and_period(app_table):
    tenant, store = a_city(), ImpactRepository()
    recorded(tenant, "late", 20)
    recorded(tenant, "early", 2)
    recorded(tenant, "river", 1, zone_id="river")
    recorded(tenant, "first", 1)
    store_ids = [entry.submission_id for entry in store.unallocated(tenant, "canal", *FEBRUARY, 10)]
    assert store_ids == ["first", "early", "late"]
    assert [e.submission_id for e in store.unallocated(tenant, None, date(2026, 2, 2), date(2026, 2, 2), 10)] == [
        "early"
    ]
    assert store.unallocated(a_city(), None, *FEBRUARY, 10) == []


def test_an_approval_allocates_and_approves_in_one_write_and_lists_the_request_as_approved(app_table):
    tenant, store = a_city(), ImpactRepository()
    entry = recorded(tenant, "sub-1", 3)
    request = requested(store, tenant, 2)
    approved = store.allocate(tenant, request.request_id, [entry], cleanups_hash(["sub-1"]), "INV-7", "amina")
    assert (approved.status, approved.cleanups, approved.payment_reference) == ("approved", ("sub-1",), "INV-7")
    assert store.unallocated(tenant, None, *FEBRUARY, 10) == []
    assert store.entries(tenant, ("sub-1",))[0].allocated_to == request.request_id
    assert [r.request_id for r in store.by_status(tenant, "approved", 10, None).items] == [request.request_id]
    assert [r.request_id for r in store.list_for_sponsor(tenant, "acme", 10, None).items] == [request.request_id]
    with pytest.raises(AlreadyReviewed):
        store.reject(tenant, request.request_id, "omar", "late")


def test_of_two_allocations_racing_for_the_last_cleanup_exactly_one_takes_it(isolated_transactions):
    tenant, store = a_city(), ImpactRepository()
    entry = recorded(tenant, "last", 5)
    first, second = requested(store, tenant, 2), requested(store, tenant, 2)
    start = Barrier(2)

    def allocate(request_id: str) -> str:
        start.wait()
        try:
            return store.allocate(tenant, request_id, [entry], cleanups_hash(["last"]), "INV", "amina").status
        except AllocationRaced:
            return "raced"

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(allocate, [first.request_id, second.request_id]))
    assert answers == ["approved", "raced"]
    (allocated_to,) = {e.allocated_to for e in store.entries(tenant, ("last",))}
    winner = next(r for r in (first, second) if r.request_id == allocated_to)
    loser = second if winner is first else first
    assert store.get(tenant, loser.request_id).status == "pending"


def test_of_two_approvals_racing_for_the_last_impact_one_is_issued_and_the_other_refused(isolated_transactions):
    tenant, store, chain = a_city(), ImpactRepository(), MemoryRetirements()
    recorded(tenant, "last", 5)
    requests = [requested(store, tenant, 2), requested(store, tenant, 2)]
    start = Barrier(2)

    def approve(request_id: str) -> str:
        start.wait()
        try:
            return approve_request(store, chain, JsonCertificates(), tenant, request_id, "INV", "amina").status
        except InsufficientImpact:
            return "insufficient"

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(approve, [request.request_id for request in requests]))
    assert answers == ["insufficient", "issued"]
    assert chain.sent == 1
    statuses = sorted(store.get(tenant, request.request_id).status for request in requests)
    assert statuses == ["issued", "pending"]


def test_admins_issuing_one_request_together_record_it_once_without_an_error(isolated_transactions):
    tenant, store = a_city(), ImpactRepository()
    entry = recorded(tenant, "sub-1", 3)
    request = requested(store, tenant, 2)
    store.allocate(tenant, request.request_id, [entry], cleanups_hash(["sub-1"]), "INV", "amina")
    retirement = Retirement(
        request.request_id, "0x" + "00" * 20, 2, cleanups_hash(["sub-1"]), "0x" + "ab" * 32, 7, datetime.now(UTC)
    )
    start = Barrier(4)

    def issue(_: int) -> None:
        start.wait()
        store.record_issue(tenant, request.request_id, retirement, "c" * 64)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(issue, range(4)))
    issued = store.get(tenant, request.request_id)
    assert (issued.status, issued.retirement_tx, issued.certificate_sha256) == ("issued", "0x" + "ab" * 32, "c" * 64)
