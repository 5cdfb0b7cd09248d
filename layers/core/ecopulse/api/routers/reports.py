"""Litter reports: create (idempotent for offline retries), read, list, nearby, vote, history, timeline and
comments, and the reporter's (or an agreeing voter's) answer to a resolution: confirmed, or reopened."""

from datetime import datetime
from typing import Annotated, Literal, Self

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecopulse import geo, privacy
from ecopulse.api.auth import ACTIVE, Caller, CallerDep, CitizenOrAdminDep, Group, require
from ecopulse.api.dependencies import (
    AgreementDep,
    FollowersDep,
    MergesDep,
    NowDep,
    PhotoBoardDep,
    ReportPhotoLinksDep,
    ReportsDep,
    TenantsDep,
    TimelineDep,
    Vehicles,
)
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.idempotency import once
from ecopulse.api.schemas import Cursor, Latitude, Limit, Longitude, LongText, PageOf, ShortText
from ecopulse.config import deployment
from ecopulse.duplicates import file_report_finding_duplicates
from ecopulse.follow_up import answer_resolution
from ecopulse.report_notices import follow, unfollow
from ecopulse.report_photos import PhotoBoard, PhotoLinks, PhotoStatus, attach_photos, photo_links
from ecopulse.reports import Priority, Report, Reports, ReportStatus, TimelineEntry, cast_vote
from ecopulse.tenants import CategoryCode, Tenants
from ecopulse.timeline import MAX_COMMENT_LENGTH, add_comment, read_timeline
from ecopulse.uploads import REPORT_PHOTO_KEY_PATTERN

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)
ReportId = Annotated[str, Field(max_length=64)]


class ReportIn(BaseModel):
    waste_type: CategoryCode = Field(description="One of the city's enabled categories (`code`, in its settings)")
    lat: Latitude
    lng: Longitude
    description: LongText | None = None
    address: ShortText | None = None
    photo_keys: list[Annotated[str, Field(pattern=REPORT_PHOTO_KEY_PATTERN)]] = Field(
        default_factory=list, max_length=5
    )
    priority: Priority = Priority.NORMAL


class PhotoOut(BaseModel):
    """One of a report's photos: short-lived links (15 minutes) to its resized copies, which carry no EXIF, and
    what the verifier saw in it."""

    thumbnail_url: str | None = Field(description="320 px JPEG; none until the photo is verified")
    display_url: str | None = Field(description="1280 px JPEG; none until the photo is verified")
    original_url: str | None = Field(
        default=None, description="The upload as verified, EXIF and all: for the city's admins only"
    )
    status: PhotoStatus = Field(description="pending until the verifier has seen it; refused with the reasons")
    ai_type: str | None = Field(description="The waste type the model sees")
    ai_confidence: float | None = Field(description="How far the photo supports a report of litter, 0 to 1")
    reasons: list[str] = Field(
        default_factory=list, description="For the reporter and staff: what was flagged, or why it was refused"
    )


class ReportOut(BaseModel):
    """A report as the caller may see it (``ecopulse.privacy``): its reporter and the city's staff see it as filed;
    anyone else sees no reporter, only the copies of its verified photos, the place rounded to about 100 m and the
    times to the hour."""

    model_config = ConfigDict(from_attributes=True)

    report_id: str
    reporter_id: str | None = Field(description="Shown to the reporter and staff only")
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
    # Defaults for answers stored before these fields, replayed to their reporter by an Idempotency-Key.
    text_hidden: bool = Field(default=False, description="Staff hid the description and address from all but staff")
    exact: bool = Field(default=True, description="Place and times as filed (false: rounded to ~100 m and the hour)")
    resolved_at: datetime | None = Field(
        default=None,
        description="When it was last resolved: the city's `reopen_window_days` to confirm or reopen run from here",
    )
    merged_into: str | None = Field(default=None, description="A duplicate's master: follow, vote and comment there")
    priority_points: int = Field(
        default=0,
        description="Base priority, agreeing minus disputing votes and merged duplicates' witnesses; the queues add "
        "one per day waited (README, Duplicates and priority)",
    )
    duplicates_merged: int = 0
    photos: list[PhotoOut] = Field(default_factory=list, description="In the order of `photo_keys`")

    @classmethod
    def seen_by(cls, caller: Caller, report: Report, links: PhotoLinks) -> "ReportOut":
        return cls.of_view(caller, privacy.view_report(report, viewer(caller)), links)

    @classmethod
    def of_view(cls, caller: Caller, view: privacy.ReportView, links: PhotoLinks) -> "ReportOut":
        fields = {name: getattr(view, name) for name in cls.model_fields if name != "photos"}
        return cls.model_validate(
            {**fields, "photos": [photo_out(caller, view, photo, links) for photo in view.photos]}
        )


def photo_out(caller: Caller, view: privacy.ReportView, photo: privacy.ShownPhoto, links: PhotoLinks) -> PhotoOut:
    """Links to the copies for whoever sees the photo; to the original for admins only."""
    result = photo.result
    made = photo_links(links, deployment().uploads_bucket, photo.photo_key, result, caller.is_in(Group.ADMIN))
    return PhotoOut(
        thumbnail_url=made.thumbnail_url,
        display_url=made.display_url,
        original_url=made.original_url,
        status=result.status,
        ai_type=result.ai_type,
        ai_confidence=result.ai_confidence,
        reasons=list(result.reasons) if view.exact else [],
    )


def viewer(caller: Caller) -> privacy.Viewer:
    """Admins and drivers are the city's staff."""
    return privacy.Viewer(caller.user_id, staff=caller.is_in(Group.ADMIN, Group.DRIVER))


class NearbyReport(BaseModel):
    report: ReportOut
    distance_m: float


class VoteIn(BaseModel):
    agrees: bool = Field(description="true corroborates the report, false disputes it")


class HistoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime = Field(description="To the hour for anyone but the reporter and staff")
    actor: str = Field(description="Who acted; for anyone but the reporter and staff, a role: reporter or staff")
    action: str
    old: str | None
    new: str | None
    reason: str | None


class TimelineEntryOut(BaseModel):
    """A change of the report (``old`` → ``new``, with its ``reason``) or a comment (action ``commented``, with its
    ``text``)."""

    model_config = ConfigDict(from_attributes=True)

    entry_id: str
    at: datetime = Field(description="To the hour for anyone but the reporter and staff")
    actor: str = Field(description="Who acted; for anyone but the reporter and staff, a role: reporter or staff")
    action: str
    old: str | None
    new: str | None
    reason: str | None
    text: str | None = Field(description="A comment's text; null once staff hid it, for anyone but staff")
    internal: bool = Field(description="A comment for staff only; never shown to anyone else")
    text_hidden: bool

    @classmethod
    def of(cls, entry: TimelineEntry) -> Self:
        return cls.model_validate(entry)


CommentText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_COMMENT_LENGTH)]


class CommentIn(BaseModel):
    text: CommentText
    internal: bool = Field(default=False, description="For the city's staff only (staff alone may set it)")


class ReopeningIn(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="What is still there"
    )


class PossibleDuplicate(BaseModel):
    report_id: str
    distance_m: float = Field(description="To the place the caller is shown")
    status: ReportStatus
    category: str
    created_at: datetime


class FiledReportOut(ReportOut):
    possible_duplicates: list[PossibleDuplicate] = Field(
        default_factory=list,
        description="Open reports of the same category within the city's `duplicate_distance_m`, nearest first: "
        "the app may offer to vote on one of them instead",
    )


def _file(
    reports: Reports, tenants: Tenants, board: PhotoBoard, links: PhotoLinks, caller: Caller, body: ReportIn
) -> FiledReportOut:
    filed, duplicates = file_report_finding_duplicates(
        reports,
        tenants,
        caller.tenant,
        caller.user_id,
        body.waste_type,
        body.lat,
        body.lng,
        viewer(caller),
        description=body.description,
        address=body.address,
        photo_keys=body.photo_keys,
        report_priority=body.priority.value,
    )
    shown = filed.with_photos(attach_photos(board, caller.tenant, filed.report_id, filed.photo_keys))
    return FiledReportOut(
        **ReportOut.seen_by(caller, shown, links).model_dump(),
        possible_duplicates=[
            PossibleDuplicate(
                report_id=view.report_id,
                distance_m=round(distance, 1),
                status=view.status,
                category=view.waste_type,
                created_at=view.created_at,
            )
            for view, distance in duplicates
        ],
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FiledReportOut, dependencies=[ACTIVE])
def post_report(
    body: ReportIn,
    caller: CitizenOrAdminDep,
    response: Response,
    reports: ReportsDep,
    tenants: TenantsDep,
    board: PhotoBoardDep,
    links: ReportPhotoLinksDep,
    idempotency_key: Annotated[str | None, Header(max_length=128, pattern=r"^[A-Za-z0-9_.:-]{8,128}$")] = None,
) -> FiledReportOut:
    """Send an `Idempotency-Key` header to retry safely: the same key returns the first answer (its photo links
    may have expired by then: `GET /reports/{id}` gives fresh ones). The report is filed whether or not it has
    possible duplicates."""
    if idempotency_key is None:
        return _file(reports, tenants, board, links, caller, body)
    created, replayed = once(
        "report",
        caller,
        idempotency_key,
        body.model_dump(mode="json"),
        lambda: _file(reports, tenants, board, links, caller, body).model_dump(mode="json"),
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return FiledReportOut.model_validate(created)


@router.get("", response_model=PageOf[ReportOut])
def list_reports(
    caller: CallerDep,
    reports: ReportsDep,
    merges: MergesDep,
    links: ReportPhotoLinksDep,
    status_filter: Annotated[ReportStatus, Query(alias="status")] = ReportStatus.SUBMITTED,
    order: Annotated[
        Literal["newest", "priority"],
        Query(description="`priority`: most urgent first, as the review (submitted) and dispatch (verified) queues"),
    ] = "newest",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> PageOf[ReportOut]:
    listing = merges.by_priority if order == "priority" else reports.list_by_status
    page = listing(caller.tenant, status_filter, limit, cursor)
    items = [ReportOut.seen_by(caller, report, links) for report in page.items]
    return PageOf[ReportOut](items=items, cursor=page.cursor)


@router.get("/nearby", response_model=list[NearbyReport])
def nearby_reports(
    caller: CallerDep,
    reports: ReportsDep,
    links: ReportPhotoLinksDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lng: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[float, Query(gt=0, le=geo.MAX_NEARBY_RADIUS_M)] = 1000,
    limit: Limit = 50,
) -> list[NearbyReport]:
    """Distances are to the place the caller is shown."""
    found = privacy.reports_nearby(reports, caller.tenant, viewer(caller), lat, lng, radius_m, limit)
    return [
        NearbyReport(report=ReportOut.of_view(caller, report, links), distance_m=round(distance, 1))
        for report, distance in found
    ]


@router.get("/{report_id}", response_model=ReportOut)
def get_report(report_id: ReportId, caller: CallerDep, reports: ReportsDep, links: ReportPhotoLinksDep) -> ReportOut:
    return ReportOut.seen_by(caller, reports.get(caller.tenant, report_id), links)


@router.post("/{report_id}/votes", response_model=ReportOut, status_code=status.HTTP_201_CREATED, dependencies=[ACTIVE])
def vote(
    report_id: ReportId, body: VoteIn, caller: CitizenOrAdminDep, reports: ReportsDep, links: ReportPhotoLinksDep
) -> ReportOut:
    voted = cast_vote(reports, caller.tenant, report_id, caller.user_id, body.agrees)
    return ReportOut.seen_by(caller, voted, links)


@router.get("/{report_id}/history", response_model=list[HistoryEntry])
def report_history(report_id: ReportId, caller: CallerDep, reports: ReportsDep) -> list[HistoryEntry]:
    trail = privacy.report_history(reports, caller.tenant, report_id, viewer(caller))
    return [HistoryEntry.model_validate(entry) for entry in trail]


@router.get("/{report_id}/timeline", response_model=PageOf[TimelineEntryOut])
def report_timeline(
    report_id: ReportId,
    caller: CallerDep,
    reports: ReportsDep,
    timeline: TimelineDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PageOf[TimelineEntryOut]:
    """Every change and comment, oldest first; internal comments for staff only. `/history` lists the changes
    alone, unpaged."""
    page = read_timeline(reports, timeline, caller.tenant, report_id, viewer(caller), limit, cursor)
    return PageOf[TimelineEntryOut](items=[TimelineEntryOut.of(entry) for entry in page.items], cursor=page.cursor)


@router.post(
    "/{report_id}/comments", response_model=TimelineEntryOut, status_code=status.HTTP_201_CREATED, dependencies=[ACTIVE]
)
def comment(
    report_id: ReportId, body: CommentIn, caller: CallerDep, reports: ReportsDep, timeline: TimelineDep
) -> TimelineEntryOut:
    """The city's staff and the report's reporter comment (anyone else: 403 `comment_not_allowed`); only staff may
    mark a comment `internal` (403 `internal_comment_not_allowed`). A public comment reaches the report's
    followers."""
    staff = viewer(caller).staff
    added = add_comment(reports, timeline, caller.tenant, report_id, caller.user_id, staff, body.text, body.internal)
    return TimelineEntryOut.of(added)


@router.post("/{report_id}/confirmation", response_model=ReportOut, dependencies=[ACTIVE])
def confirm(
    report_id: ReportId,
    caller: CallerDep,
    reports: ReportsDep,
    fleet: Vehicles,
    tenants: TenantsDep,
    agreement: AgreementDep,
    links: ReportPhotoLinksDep,
    now: NowDep,
) -> ReportOut:
    """The reporter, or a citizen who voted that the report was right, confirms its resolution: the report is
    closed as `confirmed`. Within the city's `reopen_window_days` of the resolution (409 `reopen_window_closed`);
    on a resolved report only (409 `invalid_transition`); anyone else is 403 `not_reporter_or_voter`."""
    confirmed = answer_resolution(
        reports, fleet, tenants, agreement, caller.tenant, report_id, caller.user_id, True, None, now
    )
    return ReportOut.seen_by(caller, confirmed, links)


@router.post("/{report_id}/reopening", response_model=ReportOut, dependencies=[ACTIVE])
def reopen(
    report_id: ReportId,
    body: ReopeningIn,
    caller: CallerDep,
    reports: ReportsDep,
    fleet: Vehicles,
    tenants: TenantsDep,
    agreement: AgreementDep,
    links: ReportPhotoLinksDep,
    now: NowDep,
) -> ReportOut:
    """The reporter, or a citizen who voted that the report was right, says the litter is still there: the report is
    `verified` again, back in the city's queue (history action `reopened`). Refused as the confirmation is."""
    reopened = answer_resolution(
        reports, fleet, tenants, agreement, caller.tenant, report_id, caller.user_id, False, body.reason, now
    )
    return ReportOut.seen_by(caller, reopened, links)


CitizenDep = Annotated[Caller, Depends(require(Group.CITIZEN))]


@router.post("/{report_id}/subscription", status_code=status.HTTP_204_NO_CONTENT, dependencies=[ACTIVE])
def subscribe(report_id: ReportId, caller: CitizenDep, reports: ReportsDep, followers: FollowersDep) -> None:
    """Follow the report: each change of its status reaches you as your notification preferences say (its reporter
    and those who voted on it hear of them anyway). Following it again changes nothing."""
    follow(reports, followers, caller.tenant, report_id, caller.user_id)


@router.delete("/{report_id}/subscription", status_code=status.HTTP_204_NO_CONTENT, dependencies=[ACTIVE])
def unsubscribe(report_id: ReportId, caller: CitizenDep, reports: ReportsDep, followers: FollowersDep) -> None:
    unfollow(reports, followers, caller.tenant, report_id, caller.user_id)
