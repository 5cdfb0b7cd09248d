"""Carbon-credit purchase requests: an organisation asks to buy, an admin of the city decides once.
``ecopulse.store.carbon.CarbonCreditRepository`` is the DynamoDB adapter of the ``CarbonCredits`` port."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from ecopulse.paging import Page

CarbonRequestStatus = Literal["pending", "approved", "rejected"]


class CarbonRequestNotFound(LookupError):
    pass


class AlreadyReviewed(Exception):
    """The request has been approved or rejected already."""


@dataclass(frozen=True)
class NewCarbonRequest:
    organisation: str
    tonnes: float
    price_per_tonne: float
    requested_by: str


@dataclass(frozen=True)
class CarbonRequest:
    request_id: str
    organisation: str
    tonnes: float
    price_per_tonne: float
    requested_by: str
    status: str
    reviewed_by: str | None
    review_reason: str | None
    created_at: datetime


class CarbonCredits(Protocol):
    def create(self, tenant: str, request: NewCarbonRequest) -> CarbonRequest:
        """Files the request as pending."""
        ...

    def get(self, tenant: str, request_id: str) -> CarbonRequest: ...

    def list(self, tenant: str, status: CarbonRequestStatus, limit: int, cursor: str | None) -> Page[CarbonRequest]:
        """The requests in ``status``, newest first."""
        ...

    def review(self, tenant: str, request_id: str, approved: bool, reviewer: str, reason: str) -> CarbonRequest:
        """Decides a pending request, atomically: ``AlreadyReviewed`` when another decision came first."""
        ...


def review_request(
    credits: CarbonCredits, tenant: str, request_id: str, approved: bool, reviewer: str, reason: str
) -> CarbonRequest:
    """A request is decided once; a second decision, even the same one, is refused."""
    if credits.get(tenant, request_id).status != "pending":
        raise AlreadyReviewed(request_id)
    return credits.review(tenant, request_id, approved, reviewer, reason)
