"""Litter reports: create (idempotent for offline retries), read, list, nearby, vote, history."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, Field

from ecopulse import geo
from ecopulse.api.auth import CallerDep, CitizenOrAdminDep
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.idempotency import once
from ecopulse.api.schemas import Cursor, Latitude, Limit, Longitude, LongText, PageOf, ShortText
from ecopulse.reports import Priority, ReportStatus, check_vote
from ecopulse.store.audit import history
from ecopulse.store.models import ReportItem
from ecopulse.store.reports import NewReport, ReportRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.uploads import REPORT_PHOTO_KEY_PATTERN, check_report_photos
from ecopulse.waste import WasteType

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)
reports = ReportRepository()
tenants = TenantRepository()


class ReportIn(BaseModel):
    waste_type: WasteType
    lat: Latitude
    lng: Longitude
    description: LongText | None = None
    address: ShortText | None = None
    photo_keys: list[Annotated[str, Field(pattern=REPORT_PHOTO_KEY_PATTERN)]] = Field(
        default_factory=list, max_length=5
    )
    priority: Priority = Priority.NORMAL


class ReportOut(BaseModel):
    report_id: str
    reporter_id: str
    waste_type: str
    status: ReportStatus
    lat: float
    lng: float
    geohash: str
    zone: str | None
    description: str | None
    address: str | None
    photo_keys: list[str]
    priority: str
    ai_type: str | None
    ai_confidence: float | None
    votes_up: int
    votes_down: int
    vehicle_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, item: ReportItem) -> "ReportOut":
        return cls(
            **{name: getattr(item, name) for name in cls.model_fields if name not in ("votes_up", "votes_down")},
            votes_up=int(item.votes_up or 0),
            votes_down=int(item.votes_down or 0),
        )


class NearbyReport(BaseModel):
    report: ReportOut
    distance_m: float


class VoteIn(BaseModel):
    agrees: bool = Field(description="true corroborates the report, false disputes it")


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    old: str | None
    new: str | None
    reason: str | None


def create_report(tenant: str, caller_id: str, body: ReportIn, source: str = "app") -> ReportOut:
    """Shared by the app's route and Open311: photos must be the caller's own uploads."""
    check_report_photos(tenant, caller_id, body.photo_keys)
    zone = geo.zone_of(body.lat, body.lng, tenants.settings(tenant).zone_list())
    new = NewReport(
        report_id=str(uuid.uuid4()),
        reporter_id=caller_id,
        waste_type=body.waste_type.value,
        lat=body.lat,
        lng=body.lng,
        description=body.description,
        address=body.address,
        photo_keys=body.photo_keys,
        priority=body.priority.value,
        zone=zone,
        source=source,
    )
    return ReportOut.of(reports.create(tenant, new))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReportOut)
def post_report(
    body: ReportIn,
    caller: CitizenOrAdminDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=128, pattern=r"^[A-Za-z0-9_.:-]{8,128}$")] = None,
) -> ReportOut:
    """Send an `Idempotency-Key` header to retry safely: the same key returns the first answer."""
    if idempotency_key is None:
        return create_report(caller.tenant, caller.user_id, body)
    created, replayed = once(
        "report",
        caller,
        idempotency_key,
        body.model_dump(mode="json"),
        lambda: create_report(caller.tenant, caller.user_id, body).model_dump(mode="json"),
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ReportOut.model_validate(created)


@router.get("", response_model=PageOf[ReportOut])
def list_reports(
    caller: CallerDep,
    status_filter: Annotated[ReportStatus, Query(alias="status")] = ReportStatus.SUBMITTED,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> PageOf[ReportOut]:
    page = reports.list_by_status(caller.tenant, status_filter, limit, cursor)
    return PageOf[ReportOut](items=[ReportOut.of(item) for item in page.items], cursor=page.cursor)


@router.get("/nearby", response_model=list[NearbyReport])
def nearby_reports(
    caller: CallerDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lng: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[float, Query(gt=0, le=geo.MAX_NEARBY_RADIUS_M)] = 1000,
    limit: Limit = 50,
) -> list[NearbyReport]:
    found = reports.nearby(caller.tenant, lat, lng, radius_m, limit)
    return [NearbyReport(report=ReportOut.of(item), distance_m=round(distance, 1)) for item, distance in found]


@router.get("/{report_id}", response_model=ReportOut)
def get_report(report_id: Annotated[str, Field(max_length=64)], caller: CallerDep) -> ReportOut:
    return ReportOut.of(reports.get(caller.tenant, report_id))


@router.post("/{report_id}/votes", response_model=ReportOut, status_code=status.HTTP_201_CREATED)
def vote(report_id: Annotated[str, Field(max_length=64)], body: VoteIn, caller: CitizenOrAdminDep) -> ReportOut:
    report = reports.get(caller.tenant, report_id)
    check_vote(report.reporter_id, caller.user_id)
    return ReportOut.of(reports.vote(caller.tenant, report, caller.user_id, body.agrees))


@router.get("/{report_id}/history", response_model=list[HistoryEntry])
def report_history(report_id: Annotated[str, Field(max_length=64)], caller: CallerDep) -> list[HistoryEntry]:
    reports.get(caller.tenant, report_id)
    return [
        HistoryEntry(at=e.created_at, actor=e.actor, action=e.action, old=e.old, new=e.new, reason=e.reason)
        for e in history(caller.tenant, "report", report_id)
    ]
