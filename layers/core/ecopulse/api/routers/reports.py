"""Litter reports: create (idempotent for offline retries), read, list, nearby, vote, history."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from ecopulse import geo
from ecopulse.api.auth import ACTIVE, Caller, CallerDep, CitizenOrAdminDep
from ecopulse.api.dependencies import ReportsDep, TenantsDep
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.idempotency import once
from ecopulse.api.schemas import Cursor, Latitude, Limit, Longitude, LongText, PageOf, ShortText
from ecopulse.reports import Priority, Reports, ReportStatus, cast_vote, file_report
from ecopulse.tenants import Tenants
from ecopulse.uploads import REPORT_PHOTO_KEY_PATTERN
from ecopulse.waste import WasteType

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)
ReportId = Annotated[str, Field(max_length=64)]


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
    model_config = ConfigDict(from_attributes=True)

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


class NearbyReport(BaseModel):
    report: ReportOut
    distance_m: float


class VoteIn(BaseModel):
    agrees: bool = Field(description="true corroborates the report, false disputes it")


class HistoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    action: str
    old: str | None
    new: str | None
    reason: str | None


def _file(reports: Reports, tenants: Tenants, caller: Caller, body: ReportIn) -> ReportOut:
    filed = file_report(
        reports,
        tenants,
        caller.tenant,
        caller.user_id,
        body.waste_type.value,
        body.lat,
        body.lng,
        description=body.description,
        address=body.address,
        photo_keys=body.photo_keys,
        priority=body.priority.value,
    )
    return ReportOut.model_validate(filed)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReportOut, dependencies=[ACTIVE])
def post_report(
    body: ReportIn,
    caller: CitizenOrAdminDep,
    response: Response,
    reports: ReportsDep,
    tenants: TenantsDep,
    idempotency_key: Annotated[str | None, Header(max_length=128, pattern=r"^[A-Za-z0-9_.:-]{8,128}$")] = None,
) -> ReportOut:
    """Send an `Idempotency-Key` header to retry safely: the same key returns the first answer."""
    if idempotency_key is None:
        return _file(reports, tenants, caller, body)
    created, replayed = once(
        "report",
        caller,
        idempotency_key,
        body.model_dump(mode="json"),
        lambda: _file(reports, tenants, caller, body).model_dump(mode="json"),
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ReportOut.model_validate(created)


@router.get("", response_model=PageOf[ReportOut])
def list_reports(
    caller: CallerDep,
    reports: ReportsDep,
    status_filter: Annotated[ReportStatus, Query(alias="status")] = ReportStatus.SUBMITTED,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> PageOf[ReportOut]:
    page = reports.list_by_status(caller.tenant, status_filter, limit, cursor)
    return PageOf[ReportOut](items=[ReportOut.model_validate(report) for report in page.items], cursor=page.cursor)


@router.get("/nearby", response_model=list[NearbyReport])
def nearby_reports(
    caller: CallerDep,
    reports: ReportsDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lng: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[float, Query(gt=0, le=geo.MAX_NEARBY_RADIUS_M)] = 1000,
    limit: Limit = 50,
) -> list[NearbyReport]:
    found = reports.nearby(caller.tenant, lat, lng, radius_m, limit)
    return [
        NearbyReport(report=ReportOut.model_validate(report), distance_m=round(distance, 1))
        for report, distance in found
    ]


@router.get("/{report_id}", response_model=ReportOut)
def get_report(report_id: ReportId, caller: CallerDep, reports: ReportsDep) -> ReportOut:
    return ReportOut.model_validate(reports.get(caller.tenant, report_id))


@router.post("/{report_id}/votes", response_model=ReportOut, status_code=status.HTTP_201_CREATED, dependencies=[ACTIVE])
def vote(report_id: ReportId, body: VoteIn, caller: CitizenOrAdminDep, reports: ReportsDep) -> ReportOut:
    return ReportOut.model_validate(cast_vote(reports, caller.tenant, report_id, caller.user_id, body.agrees))


@router.get("/{report_id}/history", response_model=list[HistoryEntry])
def report_history(report_id: ReportId, caller: CallerDep, reports: ReportsDep) -> list[HistoryEntry]:
    return [HistoryEntry.model_validate(entry) for entry in reports.history(caller.tenant, report_id)]
