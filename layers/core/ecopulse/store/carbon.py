"""The ``CarbonCredits`` port on DynamoDB: purchase requests, reviewed by the tenant's admins."""

import uuid

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ecopulse.carbon import AlreadyReviewed, CarbonRequest, CarbonRequestNotFound, CarbonRequestStatus, NewCarbonRequest
from ecopulse.paging import Page
from ecopulse.store.audit import audit_entry
from ecopulse.store.models import CarbonCreditItem, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.store.transactions import failed_on_condition, transact


def carbon_request_of(item: CarbonCreditItem) -> CarbonRequest:
    return CarbonRequest(
        request_id=item.request_id,
        organisation=item.organisation,
        tonnes=float(item.tonnes),
        price_per_tonne=float(item.price_per_tonne),
        requested_by=item.requested_by,
        status=item.status,
        reviewed_by=item.reviewed_by,
        review_reason=item.review_reason,
        created_at=item.created_at,
    )


class CarbonCreditRepository:
    def create(self, tenant: str, request: NewCarbonRequest) -> CarbonRequest:
        now, request_id = utcnow(), str(uuid.uuid4())
        pk, sk = CarbonCreditItem.keys(tenant, request_id)
        item = CarbonCreditItem(
            pk, sk, tenant=tenant, request_id=request_id, organisation=request.organisation, tonnes=request.tonnes,
            price_per_tonne=request.price_per_tonne, requested_by=request.requested_by, status="pending",
            created_at=now, gsi1pk=tenant_key(tenant, "CARBON", "pending"), gsi1sk=sort_stamp(now, request_id),
        )  # fmt: skip
        item.save(condition=CarbonCreditItem.pk.does_not_exist())
        return carbon_request_of(item)

    def get(self, tenant: str, request_id: str) -> CarbonRequest:
        return carbon_request_of(self._item(tenant, request_id))

    def list(self, tenant: str, status: CarbonRequestStatus, limit: int, cursor: str | None) -> Page[CarbonRequest]:
        page: Page[CarbonCreditItem] = paged(
            CarbonCreditItem.gsi1.query, tenant, ("CARBON", status), limit, cursor, newest_first=True
        )
        return Page([carbon_request_of(item) for item in page.items], page.cursor)

    def review(self, tenant: str, request_id: str, approved: bool, reviewer: str, reason: str) -> CarbonRequest:
        request = self._item(tenant, request_id)
        status = "approved" if approved else "rejected"
        audit = audit_entry(tenant, "carbon", request_id, reviewer, status, request.status, status, reason)

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                request,
                actions=[
                    CarbonCreditItem.status.set(status),
                    CarbonCreditItem.reviewed_by.set(reviewer),
                    CarbonCreditItem.review_reason.set(reason),
                    CarbonCreditItem.gsi1pk.set(tenant_key(tenant, "CARBON", status)),
                ],
                condition=CarbonCreditItem.status == "pending",
            )
            transaction.save(audit)

        if request.status != "pending":
            raise AlreadyReviewed(request_id)
        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            raise AlreadyReviewed(request_id) from error
        return self.get(tenant, request_id)

    @staticmethod
    def _item(tenant: str, request_id: str) -> CarbonCreditItem:
        try:
            return CarbonCreditItem.get(*CarbonCreditItem.keys(tenant, request_id), consistent_read=True)
        except DoesNotExist as error:
            raise CarbonRequestNotFound(request_id) from error
