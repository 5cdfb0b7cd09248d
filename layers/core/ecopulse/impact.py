"""Impact credits backed by verified cleanups.

Each approved cleanup adds its verified impact to the city's impact ledger: its category, the kilograms the
city estimates a cleanup of that category removes, its place and its date. A sponsor asks for credits (one
credit is one kilogram of verified cleanup) in a zone and period at the city's price; an admin records the
payment and approves, which allocates whole cleanups, oldest first, to the request (never one cleanup to two
requests), and retires the credits on chain once, under the request's id. What is certified is verified
cleanups as the city estimates them, never tonnes of CO2.

``ecopulse.store.impact.ImpactRepository`` is the DynamoDB adapter of ``ImpactStore``;
``ecopulse.chain.retirements.Web3Retirements`` the chain adapter of ``Retirements``.
"""

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, Protocol

from ecopulse.geo import Zone, zone_of
from ecopulse.paging import Page
from ecopulse.submissions import Submission
from ecopulse.waste import WasteType

CreditStatus = Literal["pending", "approved", "issued", "rejected"]
MAX_CLEANUPS_PER_REQUEST = 99
"""A request's allocation is one DynamoDB transaction with the request itself: at most 100 items."""
ALLOCATION_ATTEMPTS = 3
DEFAULT_KG_PER_CATEGORY: dict[WasteType, float] = {
    WasteType.PLASTIC: 2.0,
    WasteType.GLASS: 4.0,
    WasteType.METAL: 3.0,
    WasteType.PAPER: 1.5,
    WasteType.ORGANIC: 3.0,
    WasteType.E_WASTE: 5.0,
    WasteType.MIXED: 2.5,
}
"""Kilograms a verified cleanup of each category is counted as, until the city sets its own estimates."""
PLACE_DECIMALS = 3
"""A certificate shows places rounded to 0.001 degree, about 100 m, as the public sees reports."""


class CreditRequestNotFound(LookupError):
    pass


class AlreadyReviewed(Exception):
    """The request was decided otherwise already (rejected, or approved when rejecting)."""

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(f"impact-credit request {request_id} is {status}")
        self.status = status

    @property
    def details(self) -> list[dict[str, Any]]:
        return [{"status": self.status}]


class InsufficientImpact(Exception):
    """Not enough unallocated verified impact in the request's zone and period: nothing was allocated."""

    def __init__(self, requested: int, available_kg: float, cleanups: int) -> None:
        self.message = (
            f"{requested} credits asked, {available_kg:g} kg of unallocated verified cleanups available"
            f" ({cleanups} cleanups, at most {MAX_CLEANUPS_PER_REQUEST} per request)"
        )
        super().__init__(self.message)
        self.requested, self.available_kg, self.cleanups = requested, available_kg, cleanups

    @property
    def details(self) -> list[dict[str, Any]]:
        return [{"requested": self.requested, "available_kg": self.available_kg, "cleanups": self.cleanups}]


class InvalidCreditRequest(ValueError):
    """A request for a zone the city does not have, or for a period that ends before it starts."""

    @property
    def message(self) -> str:
        return str(self)


class AllocationRaced(Exception):
    """Another approval took one of the chosen cleanups first: the allocation was not written."""


class RetirementUnavailable(Exception):
    """The chain did not take or confirm the retirement; the request stays approved and is issued on a retry."""


@dataclass(frozen=True)
class ImpactEntry:
    """One approved cleanup's verified impact, allocated to at most one credit request."""

    tenant: str
    submission_id: str
    category: str
    kilograms: float
    lat: float | None
    lng: float | None
    zone_id: str | None
    verified_at: datetime
    allocated_to: str | None = None


@dataclass(frozen=True)
class NewCreditRequest:
    sponsor_id: str
    organisation: str
    credits: int
    zone_id: str | None
    period_start: date
    period_end: date
    sponsor_wallet: str | None
    price_per_credit: Decimal
    currency: str
    total_price: Decimal


@dataclass(frozen=True)
class CreditRequest:
    tenant: str
    request_id: str
    sponsor_id: str
    organisation: str
    credits: int
    zone_id: str | None
    period_start: date
    period_end: date
    sponsor_wallet: str | None
    price_per_credit: Decimal
    currency: str
    total_price: Decimal
    status: CreditStatus
    created_at: datetime
    reviewed_by: str | None = None
    review_reason: str | None = None
    payment_reference: str | None = None
    cleanups: tuple[str, ...] = field(default_factory=tuple)
    allocated_kg: float = 0.0
    cleanups_hash: str | None = None
    retirement_tx: str | None = None
    retired_at: datetime | None = None
    certificate_sha256: str | None = None


@dataclass(frozen=True)
class Retirement:
    """What the chain holds for a request: written once, read back on every retry."""

    request_id: str
    sponsor: str
    amount: int
    cleanups_hash: str
    tx_hash: str
    block_number: int
    retired_at: datetime


class ImpactStore(Protocol):
    def create(self, tenant: str, request: NewCreditRequest) -> CreditRequest: ...

    def get(self, tenant: str, request_id: str) -> CreditRequest: ...

    def by_status(self, tenant: str, status: CreditStatus, limit: int, cursor: str | None) -> Page[CreditRequest]:
        """The requests in ``status``, newest first."""
        ...

    def list_for_sponsor(self, tenant: str, sponsor_id: str, limit: int, cursor: str | None) -> Page[CreditRequest]:
        """A sponsor's own requests, newest first."""
        ...

    def unallocated(self, tenant: str, zone_id: str | None, start: date, end: date, limit: int) -> list[ImpactEntry]:
        """Up to ``limit`` unallocated entries verified between ``start`` and ``end`` (inclusive), in the zone
        when one is named, oldest first."""
        ...

    def entries(self, tenant: str, submission_ids: tuple[str, ...]) -> list[ImpactEntry]: ...

    def allocate(
        self,
        tenant: str,
        request_id: str,
        entries: list[ImpactEntry],
        cleanups_hash: str,
        payment_reference: str,
        reviewer: str,
    ) -> CreditRequest:
        """In one transaction: each entry allocated to the request only if it is allocated to nothing yet, and
        the request approved only if it is still pending. ``AllocationRaced`` when an entry was taken,
        ``AlreadyReviewed`` when the request was decided meanwhile."""
        ...

    def reject(self, tenant: str, request_id: str, reviewer: str, reason: str) -> CreditRequest:
        """Rejects a pending request; ``AlreadyReviewed`` when it was decided otherwise."""
        ...

    def record_issue(self, tenant: str, request_id: str, retirement: Retirement, certificate_sha256: str) -> None:
        """The request is issued: its retirement's transaction and its certificate's hash."""
        ...


class Retirements(Protocol):
    def retire(self, request_id: str, sponsor: str | None, amount: int, cleanups_hash: str) -> Retirement:
        """Retires ``amount`` credits under ``request_id`` once: a request retired already is read back as it
        was, never retired again. ``RetirementUnavailable`` when the chain cannot be reached."""
        ...

    def record_of(self, request_id: str) -> Retirement | None:
        """The chain's retirement for the request, if any."""
        ...


class Certificates(Protocol):
    def render(self, request: CreditRequest, entries: list[ImpactEntry], retirement: Retirement) -> bytes:
        """The certificate's PDF: the same bytes for the same request, entries and retirement."""
        ...


def kilograms_for(category: str, kg_per_category: Mapping[WasteType, float]) -> float:
    """The city's estimate for the category, its default otherwise; an unknown category counts as mixed."""
    kind = WasteType(category) if category in set(WasteType) else WasteType.MIXED
    return kg_per_category.get(kind, DEFAULT_KG_PER_CATEGORY[kind])


def impact_of(
    submission: Submission, kg_per_category: Mapping[WasteType, float], zones: list[Zone], verified_at: datetime
) -> ImpactEntry:
    """What an approved cleanup adds to the ledger: the model's waste type of its "before" photo as category
    (mixed when unknown), the zone of the place its photos were taken (the "after" photo first), and that place
    rounded to about 100 m: the ledger outlives a citizen who leaves, and never needs where they stood."""
    before = (submission.photo_verdicts.get("before") or {}).get("model") or {}
    category = before.get("waste_type") if before.get("waste_type") in set(WasteType) else WasteType.MIXED
    lat, lng = _place(submission)
    return ImpactEntry(
        tenant=submission.tenant,
        submission_id=submission.submission_id,
        category=str(category),
        kilograms=kilograms_for(str(category), kg_per_category),
        lat=None if lat is None else round(lat, PLACE_DECIMALS),
        lng=None if lng is None else round(lng, PLACE_DECIMALS),
        zone_id=zone_of(lat, lng, zones) if lat is not None and lng is not None else None,
        verified_at=verified_at,
    )


def _place(submission: Submission) -> tuple[float | None, float | None]:
    for photo in ("after", "before"):
        location = (submission.photo_facts.get(photo) or {}).get("location")
        if location:
            return float(location["lat"]), float(location["lng"])
    return None, None


def price_of(credits: int, price_per_credit: Decimal) -> Decimal:
    """The request's total, to the cent."""
    return (price_per_credit * credits).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def new_request(
    sponsor_id: str,
    organisation: str,
    credits: int,
    zone_id: str | None,
    period_start: date,
    period_end: date,
    sponsor_wallet: str | None,
    price_per_credit: Decimal,
    currency: str,
    zones: list[Zone],
) -> NewCreditRequest:
    """A sponsor's request priced at the city's price; a zone the city does not have or a period that ends
    before it starts is refused."""
    if period_end < period_start:
        raise InvalidCreditRequest("the period ends before it starts")
    if zone_id is not None and zone_id not in {zone.zone_id for zone in zones}:
        raise InvalidCreditRequest(f"the city has no zone {zone_id}")
    return NewCreditRequest(
        sponsor_id=sponsor_id,
        organisation=organisation,
        credits=credits,
        zone_id=zone_id,
        period_start=period_start,
        period_end=period_end,
        sponsor_wallet=sponsor_wallet,
        price_per_credit=price_per_credit,
        currency=currency,
        total_price=price_of(credits, price_per_credit),
    )


def choose_cleanups(candidates: list[ImpactEntry], credits: int) -> list[ImpactEntry]:
    """Whole cleanups, oldest first, until they cover ``credits`` kilograms; the surplus of the last one is not
    sold again (a cleanup backs one request). ``InsufficientImpact`` when they do not cover it."""
    chosen: list[ImpactEntry] = []
    covered = 0.0
    for entry in sorted(candidates, key=lambda entry: (entry.verified_at, entry.submission_id)):
        if covered >= credits or len(chosen) == MAX_CLEANUPS_PER_REQUEST:
            break
        if entry.allocated_to is None:
            chosen.append(entry)
            covered += entry.kilograms
    if covered < credits:
        raise InsufficientImpact(credits, round(covered, 3), len(chosen))
    return chosen


def cleanups_hash(submission_ids: tuple[str, ...] | list[str]) -> str:
    """What the chain commits to: SHA-256 of the allocated submission ids, sorted, one per line (0x-prefixed)."""
    return "0x" + hashlib.sha256("\n".join(sorted(submission_ids)).encode()).hexdigest()


def chain_request_id(request_id: str) -> str:
    """The request's id as the chain keys it: the canonical UUID string (its keccak is taken by the adapter)."""
    return str(uuid.UUID(request_id))


def approve_request(
    store: ImpactStore,
    retirements: Retirements,
    certificates: Certificates,
    tenant: str,
    request_id: str,
    payment_reference: str,
    reviewer: str,
) -> CreditRequest:
    """Approves a pending request once its payment is recorded: allocates its cleanups (retried when a racing
    approval took one), then issues it. Approving an approved request again retries only its issue, so a
    retirement the chain did not take is sent again, and one it took is read back, never retired twice."""
    request = store.get(tenant, request_id)
    if request.status == "rejected":
        raise AlreadyReviewed(request_id, request.status)
    for attempt in range(ALLOCATION_ATTEMPTS):
        if request.status != "pending":
            break
        candidates = store.unallocated(
            tenant, request.zone_id, request.period_start, request.period_end, MAX_CLEANUPS_PER_REQUEST
        )
        chosen = choose_cleanups(candidates, request.credits)
        ids = tuple(entry.submission_id for entry in chosen)
        try:
            request = store.allocate(tenant, request_id, chosen, cleanups_hash(ids), payment_reference, reviewer)
        except AllocationRaced:
            if attempt == ALLOCATION_ATTEMPTS - 1:
                raise
            request = store.get(tenant, request_id)
        except AlreadyReviewed:
            # Another admin decided it meanwhile: an approval goes on to the issue, a rejection is refused below.
            request = store.get(tenant, request_id)
    if request.status == "rejected":
        raise AlreadyReviewed(request_id, request.status)
    return issue(store, retirements, certificates, request)


def issue(
    store: ImpactStore, retirements: Retirements, certificates: Certificates, request: CreditRequest
) -> CreditRequest:
    """Retires an approved request's credits on chain once and records the certificate of what it funded."""
    if request.status == "issued" or request.cleanups_hash is None:
        return request
    retirement = retirements.retire(
        chain_request_id(request.request_id), request.sponsor_wallet, request.credits, request.cleanups_hash
    )
    if retirement.cleanups_hash != request.cleanups_hash or retirement.amount != request.credits:
        raise RetirementMismatch(request.request_id, retirement)
    entries = store.entries(request.tenant, request.cleanups)
    issued = issued_as(request, retirement)
    certificate = certificates.render(issued, entries, retirement)
    store.record_issue(request.tenant, request.request_id, retirement, hashlib.sha256(certificate).hexdigest())
    return store.get(request.tenant, request.request_id)


def issued_as(request: CreditRequest, retirement: Retirement) -> CreditRequest:
    """The request as its certificate shows it once retired."""
    return replace(request, status="issued", retirement_tx=retirement.tx_hash, retired_at=retirement.retired_at)


class RetirementMismatch(Exception):
    """The chain holds another retirement under this request's id: nothing is certified."""

    def __init__(self, request_id: str, retirement: Retirement) -> None:
        super().__init__(
            f"the chain retired {retirement.amount} credits with cleanups {retirement.cleanups_hash}"
            f" under request {request_id}, which the city's record does not match"
        )


@dataclass(frozen=True)
class Verification:
    """What the public verification shows: the city's record, the chain's, and whether they agree."""

    request: CreditRequest
    retirement: Retirement | None
    expected_cleanups_hash: str
    certificate_sha256: str | None
    checked_sha256: str | None

    @property
    def verified(self) -> bool:
        return (
            self.request.status == "issued"
            and self.retirement is not None
            and self.retirement.cleanups_hash == self.expected_cleanups_hash == self.request.cleanups_hash
            and self.retirement.amount == self.request.credits
            and self.retirement.tx_hash == self.request.retirement_tx
            and self.certificate_sha256 == self.request.certificate_sha256
            and (self.checked_sha256 is None or self.checked_sha256 == self.certificate_sha256)
        )


def verify_certificate(
    store: ImpactStore,
    retirements: Retirements,
    certificates: Certificates,
    tenant: str,
    request_id: str,
    checked_sha256: str | None,
) -> Verification:
    """Anyone may check an issued certificate: the chain's retirement under the request's id must commit to the
    hash of the cleanups the city allocated, and the certificate rendered again from both must have the hash
    recorded when it was issued (and the one the caller holds, when given). A request not issued is not found."""
    request = store.get(tenant, request_id)
    if request.status != "issued":
        raise CreditRequestNotFound(request_id)
    retirement = retirements.record_of(chain_request_id(request_id))
    certificate_sha256 = None
    if retirement is not None:
        entries = store.entries(tenant, request.cleanups)
        certificate_sha256 = hashlib.sha256(certificates.render(request, entries, retirement)).hexdigest()
    return Verification(request, retirement, cleanups_hash(request.cleanups), certificate_sha256, checked_sha256)


def certificate_of(
    store: ImpactStore, retirements: Retirements, certificates: Certificates, tenant: str, request_id: str
) -> bytes:
    """An issued request's certificate, rendered again from the city's record and the chain's."""
    request = store.get(tenant, request_id)
    retirement = retirements.record_of(chain_request_id(request_id)) if request.status == "issued" else None
    if retirement is None:
        raise CreditRequestNotFound(request_id)
    return certificates.render(request, store.entries(tenant, request.cleanups), retirement)


def read_request(store: ImpactStore, tenant: str, request_id: str, reader_id: str, reads_any: bool) -> CreditRequest:
    """A sponsor reads only their own requests; admins any of the city's. Another's is not found."""
    request = store.get(tenant, request_id)
    if not reads_any and request.sponsor_id != reader_id:
        raise CreditRequestNotFound(request_id)
    return request


def reject_request(store: ImpactStore, tenant: str, request_id: str, reviewer: str, reason: str) -> CreditRequest:
    """A pending request is rejected once; rejecting it again is answered as it is."""
    request = store.get(tenant, request_id)
    if request.status == "rejected":
        return request
    if request.status != "pending":
        raise AlreadyReviewed(request_id, request.status)
    return store.reject(tenant, request_id, reviewer, reason)
