"""Carbon-credit purchase requests, reviewed by the tenant's admins."""

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from ecopulse.paging import Page
from ecopulse.store.audit import audit_entry
from ecopulse.store.models import CarbonCreditItem, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.store.transactions import transact


class CarbonRequestNotFound(LookupError):
    pass


class AlreadyReviewed(Exception):
    pass


class CarbonCreditRepository:
    def create(self, tenant: str, request: CarbonCreditItem) -> CarbonCreditItem:
        now = utcnow()
        request.pk, request.sk = CarbonCreditItem.keys(tenant, request.request_id)
        request.tenant, request.created_at, request.status = tenant, now, "pending"
        request.gsi1pk, request.gsi1sk = tenant_key(tenant, "CARBON", "pending"), sort_stamp(now, request.request_id)
        request.save(condition=CarbonCreditItem.pk.does_not_exist())
        return request

    def get(self, tenant: str, request_id: str) -> CarbonCreditItem:
        try:
            return CarbonCreditItem.get(*CarbonCreditItem.keys(tenant, request_id), consistent_read=True)
        except DoesNotExist as error:
            raise CarbonRequestNotFound(request_id) from error

    def list(self, tenant: str, status: str, limit: int, cursor: str | None) -> Page[CarbonCreditItem]:
        return paged(
            CarbonCreditItem.gsi1.query,
            tenant,
            (
                "CARBON",
                status,
            ),
            limit,
            cursor,
            newest_first=True,
        )

    def review(self, tenant: str, request: CarbonCreditItem, approved: bool, reviewer: str, reason: str):
        status = "approved" if approved else "rejected"
        audit = audit_entry(tenant, "carbon", request.request_id, reviewer, status, request.status, status, reason)

        def write(transaction):
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
            raise AlreadyReviewed(request.request_id)
        try:
            transact(write)
        except TransactWriteError as error:
            raise AlreadyReviewed(request.request_id) from error
        return self.get(tenant, request.request_id)
