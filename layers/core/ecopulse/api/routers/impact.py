"""Impact credits: sponsors request credits backed by verified cleanups, admins approve them against a payment,
the credits are retired on chain once, and anyone can verify a certificate."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address
from fastapi import APIRouter, Path, Query, Response, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ecopulse.api.auth import ACTIVE, AdminDep, Group, SponsorDep, SponsorOrAdminDep
from ecopulse.api.dependencies import TenantsDep
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.impact_dependencies import CertificatesDep, ImpactStoreDep, RetirementsDep
from ecopulse.api.schemas import Cursor, Limit, PageOf, ShortText
from ecopulse.impact import (
    CreditStatus,
    approve_request,
    certificate_of,
    new_request,
    read_request,
    reject_request,
    verify_certificate,
)

router = APIRouter(tags=["impact"], responses=ERROR_RESPONSES)
RequestId = Annotated[str, Path(max_length=64)]
MAX_CREDITS = 100_000


def _wallet(value: str) -> str:
    digits = value[2:]
    mixed_case = digits != digits.lower() and digits != digits.upper()
    if not is_hex_address(value) or (mixed_case and not is_checksum_address(value)) or int(value, 16) == 0:
        raise ValueError("not a valid address (mixed case must match its EIP-55 checksum; not the zero address)")
    return to_checksum_address(value)


Wallet = Annotated[str, Field(min_length=42, max_length=42), AfterValidator(_wallet)]


class CreditRequestIn(BaseModel):
    organisation: ShortText
    credits: Annotated[int, Field(ge=1, le=MAX_CREDITS, description="One credit is one kilogram of verified cleanup")]
    zone_id: Annotated[str | None, Field(pattern=r"^[a-z0-9-]{1,32}$", description="None: the whole city")] = None
    period_start: date
    period_end: date
    sponsor_wallet: Wallet | None = Field(default=None, description="The address the chain's record names")

    @model_validator(mode="after")
    def period_is_short_enough(self) -> "CreditRequestIn":
        if (self.period_end - self.period_start).days > 366:
            raise ValueError("a period is at most a year")
        return self


class CreditRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    reviewed_by: str | None
    review_reason: str | None
    payment_reference: str | None
    cleanups: list[str] = Field(description="The verified cleanups (submission ids) the credits are allocated from")
    allocated_kg: float
    cleanups_hash: str | None = Field(description="SHA-256 of the sorted cleanup ids, as recorded on chain")
    retirement_tx: str | None
    retired_at: datetime | None
    certificate_sha256: str | None


class CreditDecisionIn(BaseModel):
    approve: bool
    payment_reference: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    reason: Annotated[str | None, Field(min_length=1, max_length=200)] = None

    @model_validator(mode="after")
    def approval_names_its_payment(self) -> "CreditDecisionIn":
        if self.approve and self.payment_reference is None:
            raise ValueError("an approval records the payment's reference")
        if not self.approve and self.reason is None:
            raise ValueError("a rejection gives its reason")
        return self


class RetirementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sponsor: str
    amount: int
    cleanups_hash: str
    tx_hash: str
    block_number: int
    retired_at: datetime


class VerificationOut(BaseModel):
    request_id: str
    tenant: str
    organisation: str
    credits: int
    verified: bool = Field(description="The chain's record, the city's allocation and the certificate agree")
    chain: RetirementOut | None
    expected_cleanups_hash: str
    certificate_sha256: str | None = Field(description="The SHA-256 of the certificate as rendered now")
    recorded_certificate_sha256: str | None = Field(description="Its SHA-256 when the credits were issued")


def _out(request: object) -> CreditRequestOut:
    return CreditRequestOut.model_validate(request)


@router.post(
    "/impact-credits", status_code=status.HTTP_201_CREATED, response_model=CreditRequestOut, dependencies=[ACTIVE]
)
def request_credits(
    body: CreditRequestIn, caller: SponsorDep, store: ImpactStoreDep, tenants: TenantsDep
) -> CreditRequestOut:
    """A sponsor asks for credits in a zone (or the whole city) and period, priced at the city's price per credit
    (`price_per_credit` and `credit_currency` in its settings). One request is backed by at most 99 cleanups."""
    settings = tenants.settings(caller.tenant)
    request = new_request(
        caller.user_id, body.organisation, body.credits, body.zone_id, body.period_start, body.period_end,
        body.sponsor_wallet, settings.price_per_credit, settings.credit_currency, settings.zone_list(),
    )  # fmt: skip
    return _out(store.create(caller.tenant, request))


@router.get("/impact-credits", response_model=PageOf[CreditRequestOut])
def my_requests(
    caller: SponsorDep, store: ImpactStoreDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[CreditRequestOut]:
    """The sponsor's own requests, newest first."""
    page = store.list_for_sponsor(caller.tenant, caller.user_id, limit, cursor)
    return PageOf[CreditRequestOut](items=[_out(request) for request in page.items], cursor=page.cursor)


@router.get("/impact-credits/{request_id}", response_model=CreditRequestOut)
def get_request(request_id: RequestId, caller: SponsorOrAdminDep, store: ImpactStoreDep) -> CreditRequestOut:
    """A sponsor's own request, or any of the city's for an admin."""
    return _out(read_request(store, caller.tenant, request_id, caller.user_id, caller.is_in(Group.ADMIN)))


@router.get(
    "/impact-credits/{request_id}/certificate",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The certificate (PDF)"}},
)
def get_certificate(
    request_id: RequestId,
    caller: SponsorOrAdminDep,
    store: ImpactStoreDep,
    chain: RetirementsDep,
    certificates: CertificatesDep,
) -> Response:
    """The certificate of an issued request: the cleanups it funded (place rounded to about 100 m, date,
    category), the sponsor, the amount and the transaction that retired it."""
    read_request(store, caller.tenant, request_id, caller.user_id, caller.is_in(Group.ADMIN))
    pdf = certificate_of(store, chain, certificates, caller.tenant, request_id)
    headers = {"Content-Disposition": f'inline; filename="impact-certificate-{request_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/public/impact-credits/{tenant}/{request_id}/verification", response_model=VerificationOut)
def verify(
    tenant: Annotated[str, Path(pattern=r"^[a-z0-9-]{1,64}$")],
    request_id: RequestId,
    store: ImpactStoreDep,
    chain: RetirementsDep,
    certificates: CertificatesDep,
    sha256: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$", description="A certificate's SHA-256")] = None,
) -> VerificationOut:
    """Public, no token: whether an issued request's retirement on chain commits to the cleanups the city
    allocated to it, and whether a certificate (by its SHA-256) is the one issued."""
    check = verify_certificate(store, chain, certificates, tenant, request_id, sha256)
    request = check.request
    return VerificationOut(
        request_id=request.request_id,
        tenant=request.tenant,
        organisation=request.organisation,
        credits=request.credits,
        verified=check.verified,
        chain=RetirementOut.model_validate(check.retirement) if check.retirement else None,
        expected_cleanups_hash=check.expected_cleanups_hash,
        certificate_sha256=check.certificate_sha256,
        recorded_certificate_sha256=request.certificate_sha256,
    )


@router.get("/admin/impact-credits", response_model=PageOf[CreditRequestOut])
def requests_by_status(
    caller: AdminDep,
    store: ImpactStoreDep,
    status: Annotated[CreditStatus, Query()] = "pending",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> PageOf[CreditRequestOut]:
    page = store.by_status(caller.tenant, status, limit, cursor)
    return PageOf[CreditRequestOut](items=[_out(request) for request in page.items], cursor=page.cursor)


@router.post("/admin/impact-credits/{request_id}/decision", response_model=CreditRequestOut, dependencies=[ACTIVE])
def decide(
    request_id: RequestId,
    body: CreditDecisionIn,
    caller: AdminDep,
    store: ImpactStoreDep,
    chain: RetirementsDep,
    certificates: CertificatesDep,
) -> CreditRequestOut:
    """Approving records the payment, allocates verified cleanups (oldest first, none twice) and retires the
    credits on chain; 409 `insufficient_impact` allocates nothing. Approving an approved request again only
    retries its retirement (503 `chain_unavailable` left it approved), and never retires twice."""
    if body.approve and body.payment_reference is not None:
        decided = approve_request(
            store, chain, certificates, caller.tenant, request_id, body.payment_reference, caller.user_id
        )
    else:
        decided = reject_request(store, caller.tenant, request_id, caller.user_id, body.reason or "")
    return _out(decided)
