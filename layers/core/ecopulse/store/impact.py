"""The ``ImpactStore`` port on DynamoDB: the impact ledger (one entry per approved cleanup, written in the
approval's transaction) and the sponsors' credit requests, whose approval allocates entries conditionally."""

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ecopulse.impact import (
    AllocationRaced,
    AlreadyReviewed,
    CreditRequest,
    CreditRequestNotFound,
    CreditStatus,
    ImpactEntry,
    NewCreditRequest,
    Retirement,
)
from ecopulse.paging import Page
from ecopulse.store.audit import audit_entry
from ecopulse.store.models import _Item, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.store.transactions import failed_on_condition, transact

UNALLOCATED = "IMPACT_UNALLOCATED"


class ImpactItem(_Item):
    """An approved cleanup's impact. Listed by gsi1 (oldest first) while unallocated; the allocation removes
    those keys in the same write that sets ``allocated_to``, conditional on it being absent."""

    submission_id = UnicodeAttribute()
    category = UnicodeAttribute()
    kilograms = NumberAttribute()
    lat = NumberAttribute(null=True)
    lng = NumberAttribute(null=True)
    zone_id = UnicodeAttribute(null=True)
    verified_at = UTCDateTimeAttribute()
    allocated_to = UnicodeAttribute(null=True)

    @staticmethod
    def keys(tenant: str, submission_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "IMPACT", submission_id), "IMPACT"


class CreditRequestItem(_Item):
    request_id = UnicodeAttribute()
    sponsor_id = UnicodeAttribute()
    organisation = UnicodeAttribute()
    credits = NumberAttribute()
    zone_id = UnicodeAttribute(null=True)
    period_start = UnicodeAttribute()
    period_end = UnicodeAttribute()
    sponsor_wallet = UnicodeAttribute(null=True)
    price_per_credit = UnicodeAttribute()
    currency = UnicodeAttribute()
    total_price = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")
    reviewed_by = UnicodeAttribute(null=True)
    review_reason = UnicodeAttribute(null=True)
    payment_reference = UnicodeAttribute(null=True)
    cleanups: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    allocated_kg = NumberAttribute(null=True)
    cleanups_hash = UnicodeAttribute(null=True)
    retirement_tx = UnicodeAttribute(null=True)
    retired_at = UTCDateTimeAttribute(null=True)
    certificate_sha256 = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @staticmethod
    def keys(tenant: str, request_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "CREDIT", request_id), "CREDIT"


def write_impact(transaction: TransactWrite, entry: ImpactEntry) -> None:
    """The cleanup's entry, once: in the approval's transaction, which fails whole if it was written before."""
    pk, sk = ImpactItem.keys(entry.tenant, entry.submission_id)
    transaction.save(
        ImpactItem(
            pk,
            sk,
            tenant=entry.tenant,
            submission_id=entry.submission_id,
            category=entry.category,
            kilograms=entry.kilograms,
            lat=entry.lat,
            lng=entry.lng,
            zone_id=entry.zone_id,
            verified_at=entry.verified_at,
            gsi1pk=tenant_key(entry.tenant, UNALLOCATED),
            gsi1sk=sort_stamp(entry.verified_at, entry.submission_id),
        ),
        condition=ImpactItem.pk.does_not_exist(),
    )


def impact_entry_of(item: ImpactItem) -> ImpactEntry:
    return ImpactEntry(
        tenant=item.tenant,
        submission_id=item.submission_id,
        category=item.category,
        kilograms=float(item.kilograms),
        lat=None if item.lat is None else float(item.lat),
        lng=None if item.lng is None else float(item.lng),
        zone_id=item.zone_id,
        verified_at=item.verified_at,
        allocated_to=item.allocated_to,
    )


def credit_request_of(item: CreditRequestItem) -> CreditRequest:
    return CreditRequest(
        tenant=item.tenant,
        request_id=item.request_id,
        sponsor_id=item.sponsor_id,
        organisation=item.organisation,
        credits=int(item.credits),
        zone_id=item.zone_id,
        period_start=date.fromisoformat(item.period_start),
        period_end=date.fromisoformat(item.period_end),
        sponsor_wallet=item.sponsor_wallet,
        price_per_credit=Decimal(item.price_per_credit),
        currency=item.currency,
        total_price=Decimal(item.total_price),
        status=item.status,  # type: ignore[arg-type]
        created_at=item.created_at,
        reviewed_by=item.reviewed_by,
        review_reason=item.review_reason,
        payment_reference=item.payment_reference,
        cleanups=tuple(item.cleanups),
        allocated_kg=float(item.allocated_kg or 0),
        cleanups_hash=item.cleanups_hash,
        retirement_tx=item.retirement_tx,
        retired_at=item.retired_at,
        certificate_sha256=item.certificate_sha256,
    )


def _day_start(day: date) -> str:
    return sort_stamp(datetime.combine(day, time.min, UTC), "")


def _day_end(day: date) -> str:
    return sort_stamp(datetime.combine(day, time.max, UTC), "~")


class ImpactRepository:
    def create(self, tenant: str, request: NewCreditRequest) -> CreditRequest:
        now, request_id = utcnow(), str(uuid.uuid4())
        pk, sk = CreditRequestItem.keys(tenant, request_id)
        item = CreditRequestItem(
            pk, sk, tenant=tenant, request_id=request_id, sponsor_id=request.sponsor_id,
            organisation=request.organisation, credits=request.credits, zone_id=request.zone_id,
            period_start=request.period_start.isoformat(), period_end=request.period_end.isoformat(),
            sponsor_wallet=request.sponsor_wallet, price_per_credit=str(request.price_per_credit),
            currency=request.currency, total_price=str(request.total_price), status="pending", created_at=now,
            gsi1pk=tenant_key(tenant, "CREDITS", "pending"), gsi1sk=sort_stamp(now, request_id),
            gsi3pk=tenant_key(tenant, "USER", request.sponsor_id, "CREDITS"), gsi3sk=sort_stamp(now, request_id),
        )  # fmt: skip
        item.save(condition=CreditRequestItem.pk.does_not_exist())
        return credit_request_of(item)

    def get(self, tenant: str, request_id: str) -> CreditRequest:
        return credit_request_of(self._item(tenant, request_id))

    def by_status(self, tenant: str, status: CreditStatus, limit: int, cursor: str | None) -> Page[CreditRequest]:
        page: Page[CreditRequestItem] = paged(
            CreditRequestItem.gsi1.query, tenant, ("CREDITS", status), limit, cursor, newest_first=True
        )
        return Page([credit_request_of(item) for item in page.items], page.cursor)

    def list_for_sponsor(self, tenant: str, sponsor_id: str, limit: int, cursor: str | None) -> Page[CreditRequest]:
        page: Page[CreditRequestItem] = paged(
            CreditRequestItem.gsi3.query, tenant, ("USER", sponsor_id, "CREDITS"), limit, cursor, newest_first=True
        )
        return Page([credit_request_of(item) for item in page.items], page.cursor)

    def unallocated(self, tenant: str, zone_id: str | None, start: date, end: date, limit: int) -> list[ImpactEntry]:
        condition = ImpactItem.zone_id == zone_id if zone_id is not None else None
        found = []
        for item in ImpactItem.gsi1.query(
            tenant_key(tenant, UNALLOCATED),
            ImpactItem.gsi1sk.between(_day_start(start), _day_end(end)),
            filter_condition=condition,
        ):
            found.append(impact_entry_of(item))
            if len(found) == limit:
                break
        return found

    def entries(self, tenant: str, submission_ids: tuple[str, ...]) -> list[ImpactEntry]:
        keys = [ImpactItem.keys(tenant, submission_id) for submission_id in submission_ids]
        found = [impact_entry_of(item) for item in ImpactItem.batch_get(keys, consistent_read=True)]
        return sorted(found, key=lambda entry: (entry.verified_at, entry.submission_id))

    def allocate(
        self,
        tenant: str,
        request_id: str,
        entries: list[ImpactEntry],
        cleanups_hash: str,
        payment_reference: str,
        reviewer: str,
    ) -> CreditRequest:
        request = self._item(tenant, request_id)
        if request.status != "pending":
            raise AlreadyReviewed(request_id, request.status)
        ids = [entry.submission_id for entry in entries]
        audit = audit_entry(
            tenant, "credit", request_id, reviewer, "approved", "pending", "approved", payment_reference
        )

        def write(transaction: TransactWrite) -> None:
            for entry in entries:
                transaction.update(
                    ImpactItem(*ImpactItem.keys(tenant, entry.submission_id)),
                    actions=[
                        ImpactItem.allocated_to.set(request_id),
                        ImpactItem.gsi1pk.remove(),
                        ImpactItem.gsi1sk.remove(),
                    ],
                    condition=ImpactItem.pk.exists() & ImpactItem.allocated_to.does_not_exist(),
                )
            transaction.update(
                request,
                actions=[
                    CreditRequestItem.status.set("approved"),
                    CreditRequestItem.reviewed_by.set(reviewer),
                    CreditRequestItem.payment_reference.set(payment_reference),
                    CreditRequestItem.cleanups.set(ids),
                    CreditRequestItem.allocated_kg.set(round(sum(entry.kilograms for entry in entries), 3)),
                    CreditRequestItem.cleanups_hash.set(cleanups_hash),
                    CreditRequestItem.gsi1pk.set(tenant_key(tenant, "CREDITS", "approved")),
                ],
                condition=CreditRequestItem.status == "pending",
            )
            transaction.save(audit)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            status = self._item(tenant, request_id).status
            if status != "pending":
                raise AlreadyReviewed(request_id, status) from error
            raise AllocationRaced(request_id) from error
        return self.get(tenant, request_id)

    def reject(self, tenant: str, request_id: str, reviewer: str, reason: str) -> CreditRequest:
        request = self._item(tenant, request_id)
        audit = audit_entry(tenant, "credit", request_id, reviewer, "rejected", request.status, "rejected", reason)

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                request,
                actions=[
                    CreditRequestItem.status.set("rejected"),
                    CreditRequestItem.reviewed_by.set(reviewer),
                    CreditRequestItem.review_reason.set(reason),
                    CreditRequestItem.gsi1pk.set(tenant_key(tenant, "CREDITS", "rejected")),
                ],
                condition=CreditRequestItem.status == "pending",
            )
            transaction.save(audit)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            raise AlreadyReviewed(request_id, self._item(tenant, request_id).status) from error
        return self.get(tenant, request_id)

    def record_issue(self, tenant: str, request_id: str, retirement: Retirement, certificate_sha256: str) -> None:
        """Two admins issuing at once record the same retirement: the second finds it recorded."""
        request = self._item(tenant, request_id)
        if request.status == "issued":
            return
        try:
            request.update(
                actions=[
                    CreditRequestItem.status.set("issued"),
                    CreditRequestItem.retirement_tx.set(retirement.tx_hash),
                    CreditRequestItem.retired_at.set(retirement.retired_at.astimezone(UTC)),
                    CreditRequestItem.certificate_sha256.set(certificate_sha256),
                    CreditRequestItem.gsi1pk.set(tenant_key(tenant, "CREDITS", "issued")),
                ],
                condition=CreditRequestItem.status == "approved",
                add_version_condition=False,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            if self._item(tenant, request_id).status != "issued":
                raise

    @staticmethod
    def _item(tenant: str, request_id: str) -> CreditRequestItem:
        try:
            return CreditRequestItem.get(*CreditRequestItem.keys(tenant, request_id), consistent_read=True)
        except DoesNotExist as error:
            raise CreditRequestNotFound(request_id) from error
