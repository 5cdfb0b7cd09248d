"""The impact-credit ports in memory: the store's conditional writes are the rules applied in place, the chain
keeps one retirement per request id as the contract does."""

import hashlib
import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

from ecopulse.impact import (
    AllocationRaced,
    AlreadyReviewed,
    CreditRequest,
    CreditRequestNotFound,
    CreditStatus,
    ImpactEntry,
    NewCreditRequest,
    Retirement,
    RetirementUnavailable,
)
from ecopulse.paging import Page

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def an_entry(submission_id: str, day: int, kilograms: float = 2.0, zone_id: str | None = "old-town") -> ImpactEntry:
    return ImpactEntry(
        tenant="lahore",
        submission_id=submission_id,
        category="plastic",
        kilograms=kilograms,
        lat=31.52041,
        lng=74.35872,
        zone_id=zone_id,
        verified_at=datetime(2026, 2, day, 9, 0, tzinfo=UTC),
    )


class MemoryImpactStore:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str], CreditRequest] = {}
        self.ledger: dict[tuple[str, str], ImpactEntry] = {}
        self.take_before_allocating: list[str] = []
        """Submission ids another approval allocates just before this store's next allocation is written."""

    def add_entry(self, entry: ImpactEntry) -> None:
        self.ledger[(entry.tenant, entry.submission_id)] = entry

    def create(self, tenant: str, request: NewCreditRequest) -> CreditRequest:
        created = CreditRequest(tenant=tenant, request_id=str(uuid.uuid4()), status="pending", created_at=NOW,
                                **request.__dict__)  # fmt: skip
        self.requests[(tenant, created.request_id)] = created
        return created

    def get(self, tenant: str, request_id: str) -> CreditRequest:
        try:
            return self.requests[(tenant, request_id)]
        except KeyError as error:
            raise CreditRequestNotFound(request_id) from error

    def by_status(self, tenant: str, status: CreditStatus, limit: int, cursor: str | None) -> Page[CreditRequest]:
        found = [r for (t, _), r in self.requests.items() if t == tenant and r.status == status]
        return Page(found[:limit], None)

    def list_for_sponsor(self, tenant: str, sponsor_id: str, limit: int, cursor: str | None) -> Page[CreditRequest]:
        found = [r for (t, _), r in self.requests.items() if t == tenant and r.sponsor_id == sponsor_id]
        return Page(found[:limit], None)

    def unallocated(self, tenant: str, zone_id: str | None, start: date, end: date, limit: int) -> list[ImpactEntry]:
        found = sorted(
            (
                entry
                for (t, _), entry in self.ledger.items()
                if t == tenant
                and entry.allocated_to is None
                and start <= entry.verified_at.date() <= end
                and (zone_id is None or entry.zone_id == zone_id)
            ),
            key=lambda entry: (entry.verified_at, entry.submission_id),
        )
        return found[:limit]

    def entries(self, tenant: str, submission_ids: tuple[str, ...]) -> list[ImpactEntry]:
        return sorted(
            (self.ledger[(tenant, i)] for i in submission_ids), key=lambda e: (e.verified_at, e.submission_id)
        )

    def allocate(
        self, tenant: str, request_id: str, entries: list[ImpactEntry], cleanups_hash: str, payment_reference: str,
        reviewer: str,
    ) -> CreditRequest:  # fmt: skip
        for taken in self.take_before_allocating:
            self.ledger[(tenant, taken)] = replace(self.ledger[(tenant, taken)], allocated_to="another-request")
        self.take_before_allocating = []
        request = self.get(tenant, request_id)
        if request.status != "pending":
            raise AlreadyReviewed(request_id, request.status)
        if any(self.ledger[(tenant, entry.submission_id)].allocated_to is not None for entry in entries):
            raise AllocationRaced(request_id)
        for entry in entries:
            self.ledger[(tenant, entry.submission_id)] = replace(entry, allocated_to=request_id)
        approved = replace(
            request, status="approved", reviewed_by=reviewer, payment_reference=payment_reference,
            cleanups=tuple(entry.submission_id for entry in entries), cleanups_hash=cleanups_hash,
            allocated_kg=sum(entry.kilograms for entry in entries),
        )  # fmt: skip
        self.requests[(tenant, request_id)] = approved
        return approved

    def reject(self, tenant: str, request_id: str, reviewer: str, reason: str) -> CreditRequest:
        request = self.get(tenant, request_id)
        if request.status != "pending":
            raise AlreadyReviewed(request_id, request.status)
        rejected = replace(request, status="rejected", reviewed_by=reviewer, review_reason=reason)
        self.requests[(tenant, request_id)] = rejected
        return rejected

    def record_issue(self, tenant: str, request_id: str, retirement: Retirement, certificate_sha256: str) -> None:
        request = self.get(tenant, request_id)
        self.requests[(tenant, request_id)] = replace(
            request, status="issued", retirement_tx=retirement.tx_hash, retired_at=retirement.retired_at,
            certificate_sha256=certificate_sha256,
        )  # fmt: skip


class MemoryRetirements:
    """One retirement per request id, as the contract keeps them; ``down`` refuses like an unreachable node."""

    def __init__(self) -> None:
        self.records: dict[str, Retirement] = {}
        self.sent = 0
        self.down = False

    def retire(self, request_id: str, sponsor: str | None, amount: int, cleanups_hash: str) -> Retirement:
        if self.down:
            raise RetirementUnavailable("the node refused the connection")
        if request_id not in self.records:
            self.sent += 1
            self.records[request_id] = Retirement(
                request_id, sponsor or "0x" + "00" * 20, amount, cleanups_hash, f"0x{self.sent:064x}", self.sent, NOW
            )
        return self.records[request_id]

    def record_of(self, request_id: str) -> Retirement | None:
        return self.records.get(request_id)


class JsonCertificates:
    """A stand-in certificate: the fields it shows, as JSON, so tests see what a certificate depends on."""

    def render(self, request: CreditRequest, entries: list[ImpactEntry], retirement: Retirement) -> bytes:
        shown = {
            "request": request.request_id,
            "credits": request.credits,
            "cleanups": [entry.submission_id for entry in entries],
            "tx": retirement.tx_hash,
        }
        return json.dumps(shown, sort_keys=True).encode()

    @staticmethod
    def sha256(request: CreditRequest, entries: list[ImpactEntry], retirement: Retirement) -> str:
        return hashlib.sha256(JsonCertificates().render(request, entries, retirement)).hexdigest()
