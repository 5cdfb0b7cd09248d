"""City administration: review queue and decisions, dispatch, alerts, users, settings."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from ecopulse.api.auth import ACTIVE, AdminDep
from ecopulse.api.dependencies import (
    CommunityDep,
    MergesDep,
    PhotoBoardDep,
    PhotoLinksDep,
    ReportPhotoLinksDep,
    ReportsDep,
    ReviewLabelsDep,
    SubmissionsDep,
    TaskTokensDep,
    TenantsDep,
    TimelineDep,
    UsersDep,
    Vehicles,
    VersionedSettingsDep,
)
from ecopulse.api.errors import ERROR_RESPONSES, ErrorResponse
from ecopulse.api.routers.me import LedgerEntry, Profile
from ecopulse.api.routers.reports import ReportOut, TimelineEntryOut
from ecopulse.api.routers.submissions import SubmissionOut
from ecopulse.api.schemas import Cursor, Limit, LongText, PageOf, ShortText
from ecopulse.citizen_record import citizen_record
from ecopulse.community import AlertSeverity, broadcast_alert
from ecopulse.config import deployment
from ecopulse.duplicates import merge_reports
from ecopulse.reports import ReportStatus, change_status, dispatch_vehicle, set_text_hidden
from ecopulse.settings_history import SettingsVersion, history_with_authors
from ecopulse.submissions import Outcome, ReviewDecision, decide_review
from ecopulse.tenants import TenantSettings
from ecopulse.timeline import set_comment_hidden
from ecopulse.users import User
from ecopulse.zones import save_settings

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)
PHOTO_LINK_SECONDS = 300
Identifier = Annotated[str, Field(max_length=64)]


class PhotoLink(BaseModel):
    key: str
    version_id: str | None = Field(default=None, description="The object version that was verified")
    url: str
    expires_in: int


class DuplicateLink(PhotoLink):
    submission_id: str
    distance: int


class SubmissionPhotos(BaseModel):
    photos: dict[str, PhotoLink]
    duplicates: list[DuplicateLink] = Field(description="Earlier photos of the tenant this one matches")


class AdminSubmissionOut(SubmissionOut):
    """A submission with the evidence it was judged on, for admins only."""

    verdict: dict[str, Any] | None = Field(
        description="The verifier's full verdict: decision, confidence, reasons, checks, features, and the after "
        "photo's model outputs, flags, signals and facts"
    )
    photo_verdicts: dict[str, Any] = Field(description="Each photo's own verdict, by slot (before, after, report)")
    decided_by: str | None = Field(description="model, system or intake, or the admin who decided")
    review_decision: ReviewDecision | None = Field(description="The admin decision taken, the first that came")


class DecisionIn(BaseModel):
    outcome: Outcome
    reason: ShortText


class DispatchIn(BaseModel):
    vehicle_id: Identifier
    note: LongText | None = None


class ReportStatusIn(BaseModel):
    status: Literal[ReportStatus.VERIFIED, ReportStatus.RESOLVED, ReportStatus.REJECTED]
    reason: ShortText


class AlertIn(BaseModel):
    zone: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,32}$")]
    message: Annotated[str, Field(min_length=1, max_length=1000)]
    severity: AlertSeverity = "info"


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    zone: str
    message: str
    severity: str
    recipients: int
    sent_at: datetime


@router.get("/review-queue", response_model=PageOf[AdminSubmissionOut])
def review_queue(
    caller: AdminDep, submissions: SubmissionsDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[AdminSubmissionOut]:
    """Submissions waiting for a human, oldest first."""
    page = submissions.review_queue(caller.tenant, limit, cursor)
    return PageOf[AdminSubmissionOut](items=[AdminSubmissionOut.of(s) for s in page.items], cursor=page.cursor)


@router.get("/submissions/{submission_id}", response_model=AdminSubmissionOut)
def submission_evidence(submission_id: Identifier, caller: AdminDep, submissions: SubmissionsDep) -> AdminSubmissionOut:
    """Any submission of the tenant with its full verdict."""
    return AdminSubmissionOut.of(submissions.get(caller.tenant, submission_id))


@router.get("/submissions/{submission_id}/photos", response_model=SubmissionPhotos)
def submission_photos(
    submission_id: Identifier, caller: AdminDep, submissions: SubmissionsDep, photos: PhotoLinksDep
) -> SubmissionPhotos:
    """Short-lived links to a submission's private photos, for the reviewer's eyes only: each to the version that
    was verified, whatever was uploaded over it since."""
    submission = submissions.get(caller.tenant, submission_id)
    bucket = deployment().uploads_bucket

    def link(key: str, version_id: str | None = None) -> dict[str, Any]:
        return {
            "key": key,
            "version_id": version_id,
            "url": photos.presigned_get(bucket, key, PHOTO_LINK_SECONDS, version_id),
            "expires_in": PHOTO_LINK_SECONDS,
        }

    return SubmissionPhotos(
        photos={
            kind: PhotoLink(**link(key, submission.photo_versions.get(kind) or None))
            for kind, key in submission.photos.items()
        },
        duplicates=[
            DuplicateLink(**link(m["photo_key"]), submission_id=m["submission_id"], distance=m["distance"])
            for m in submission.duplicate_matches()
        ],
    )


@router.get("/users/{user_id}/submissions", response_model=PageOf[AdminSubmissionOut])
def user_submissions(
    user_id: Identifier,
    caller: AdminDep,
    users: UsersDep,
    submissions: SubmissionsDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> PageOf[AdminSubmissionOut]:
    """A citizen's track record, newest first, for the reviewer deciding on their next one. A user of another
    tenant is not found, as everything of another tenant is."""
    users.get(caller.tenant, user_id)
    page = submissions.list_by_user(caller.tenant, user_id, limit, cursor)
    return PageOf[AdminSubmissionOut](items=[AdminSubmissionOut.of(s) for s in page.items], cursor=page.cursor)


class DuplicateMatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    submission_id: str = Field(description="The citizen's cleanup")
    matched_submission_id: str = Field(description="The earlier cleanup of the city its after photo matches")
    distance: int = Field(description="Perceptual-hash distance: 0 is the same picture")


class CitizenRecordOut(BaseModel):
    profile: Profile
    reports: list[ReportOut] = Field(description="Newest first, the latest 50")
    submissions: list[AdminSubmissionOut] = Field(description="Newest first, the latest 50")
    rewards: list[LedgerEntry] = Field(description="Newest first, the latest 50")
    approved: int = Field(description="Of those submissions, how many were approved")
    rejected: int = Field(description="Of those submissions, how many were rejected")
    duplicates: list[DuplicateMatchOut]


@router.get("/users/{user_id}/record", response_model=CitizenRecordOut)
def user_record(
    user_id: Identifier,
    caller: AdminDep,
    users: UsersDep,
    reports: ReportsDep,
    submissions: SubmissionsDep,
    community: CommunityDep,
    links: ReportPhotoLinksDep,
) -> CitizenRecordOut:
    """A user's profile with their latest reports, cleanups (and how they were decided), rewards and
    near-duplicate matches. A user of another tenant is not found."""
    record = citizen_record(users, reports, submissions, community, caller.tenant, user_id)
    return CitizenRecordOut(
        profile=Profile.model_validate(record.profile),
        reports=[ReportOut.seen_by(caller, report, links) for report in record.reports],
        submissions=[AdminSubmissionOut.of(submission) for submission in record.submissions],
        rewards=[LedgerEntry.model_validate(entry) for entry in record.rewards],
        approved=record.approved,
        rejected=record.rejected,
        duplicates=[DuplicateMatchOut.model_validate(match) for match in record.duplicates],
    )


@router.post(
    "/submissions/{submission_id}/decision",
    dependencies=[ACTIVE],
    response_model=AdminSubmissionOut,
    responses={
        409: {
            "model": ErrorResponse,
            "description": "`decision_conflict`: another decision was taken, or the submission is not in review; "
            "`details` hold its status and the decision taken. `review_closed`: the review timed out meanwhile",
        }
    },
)
def decide(
    submission_id: Identifier,
    body: DecisionIn,
    caller: AdminDep,
    submissions: SubmissionsDep,
    tokens: TaskTokensDep,
    labels: ReviewLabelsDep,
) -> AdminSubmissionOut:
    """Takes the first admin decision on a submission in review and resumes its waiting workflow with it. The
    same outcome again answers 200 with the submission as it is; another is 409 (``admits_decision``).
    The decision becomes the tenant's review label for the verifier to learn from."""
    decided = decide_review(
        submissions, tokens, labels, caller.tenant, submission_id, body.outcome, body.reason, caller.user_id
    )
    return AdminSubmissionOut.of(decided)


@router.post("/reports/{report_id}/dispatch", response_model=ReportOut, dependencies=[ACTIVE])
def dispatch(
    report_id: Identifier,
    body: DispatchIn,
    caller: AdminDep,
    reports: ReportsDep,
    fleet: Vehicles,
    links: ReportPhotoLinksDep,
) -> ReportOut:
    dispatched = dispatch_vehicle(reports, fleet, caller.tenant, report_id, body.vehicle_id, caller.user_id, body.note)
    return ReportOut.seen_by(caller, dispatched, links)


@router.post("/reports/{report_id}/status", response_model=ReportOut, dependencies=[ACTIVE])
def change_report_status(
    report_id: Identifier,
    body: ReportStatusIn,
    caller: AdminDep,
    reports: ReportsDep,
    fleet: Vehicles,
    links: ReportPhotoLinksDep,
) -> ReportOut:
    changed = change_status(reports, fleet, caller.tenant, report_id, body.status, caller.user_id, body.reason)
    return ReportOut.seen_by(caller, changed, links)


class VisibilityIn(BaseModel):
    text_hidden: bool = Field(description="true hides the description and address from everyone but staff")
    reason: ShortText


@router.put("/reports/{report_id}/visibility", response_model=ReportOut, dependencies=[ACTIVE])
def set_report_visibility(
    report_id: Identifier, body: VisibilityIn, caller: AdminDep, reports: ReportsDep, links: ReportPhotoLinksDep
) -> ReportOut:
    """Hides a report's text and photos from other citizens and Open311, or shows them again; the change is in its
    history."""
    changed = set_text_hidden(reports, caller.tenant, report_id, body.text_hidden, caller.user_id, body.reason)
    return ReportOut.seen_by(caller, changed, links)


@router.put(
    "/reports/{report_id}/comments/{entry_id}/visibility", response_model=TimelineEntryOut, dependencies=[ACTIVE]
)
def set_comment_visibility(
    report_id: Identifier, entry_id: Identifier, body: VisibilityIn, caller: AdminDep, reports: ReportsDep,
    timeline: TimelineDep,
) -> TimelineEntryOut:  # fmt: skip
    """Hides a comment's text (`entry_id` of the report's timeline) from everyone but staff, or shows it again; the
    change is in the report's history. An entry that is no comment is 404 `comment_not_found`."""
    changed = set_comment_hidden(
        reports, timeline, caller.tenant, report_id, entry_id, body.text_hidden, caller.user_id, body.reason
    )
    return TimelineEntryOut.of(changed)


class MergeIn(BaseModel):
    into: Identifier = Field(description="The report that stays (the master)")
    reason: ShortText | None = Field(default=None, description="Needed to merge reports of different categories")


@router.post(
    "/reports/{report_id}/merge",
    response_model=ReportOut,
    dependencies=[ACTIVE],
    responses={
        409: {
            "model": ErrorResponse,
            "description": "`master_closed`, `already_merged` (into another master: `details`), `category_mismatch` "
            "(give a reason), `invalid_transition` (the duplicate is closed), `conflict` (changed meanwhile; retry)",
        }
    },
)
def merge_report(
    report_id: Identifier,
    body: MergeIn,
    caller: AdminDep,
    reports: ReportsDep,
    merges: MergesDep,
    fleet: Vehicles,
    board: PhotoBoardDep,
    links: ReportPhotoLinksDep,
) -> ReportOut:
    """Merges the report, a duplicate, into `into`: it becomes `duplicate` with `merged_into`, its votes (a citizen
    who voted on both counts once), followers and photos go to the master, its reporter follows the master, and its
    followers are told. The same merge again answers 200; a report of another city is 404."""
    merged = merge_reports(
        reports, merges, fleet, board, caller.tenant, report_id, body.into, caller.user_id, body.reason
    )
    return ReportOut.seen_by(caller, merged, links)


@router.post("/alerts", response_model=AlertOut, status_code=201, dependencies=[ACTIVE])
def broadcast(body: AlertIn, caller: AdminDep, community: CommunityDep, tenants: TenantsDep) -> AlertOut:
    """To one of the city's zones; another zone is 404 `zone_not_found`."""
    alert = broadcast_alert(community, tenants, caller.tenant, body.zone, body.message, body.severity, caller.user_id)
    return AlertOut.model_validate(alert)


@router.get("/users", response_model=PageOf[Profile])
def list_users(caller: AdminDep, users: UsersDep, limit: Limit = 50, cursor: Cursor = None) -> PageOf[Profile]:
    page = users.list(caller.tenant, limit, cursor)
    return PageOf[Profile](items=[Profile.model_validate(user) for user in page.items], cursor=page.cursor)


# --- settings and their history ------------------------------------------------------------------------------

IfMatch = Annotated[
    str | None,
    Header(pattern=r'^(W/)?"?[0-9]{1,10}"?$', description="The ETag of the settings read: save only over them"),
]


class SettingChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    setting: str
    before: Any
    after: Any


class SettingsVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    changed_by: str = Field(description="The admin who saved this version: their user id")
    changed_by_name: str | None = Field(
        default=None, description="That admin's display name, else username; null for an account since erased"
    )
    changed_by_email: str | None = Field(default=None, description="That admin's e-mail address, when known")
    changed_at: datetime
    changes: list[SettingChangeOut]

    @classmethod
    def authored(cls, version: SettingsVersion, authors: dict[str, User]) -> "SettingsVersionOut":
        shown = cls.model_validate(version)
        if author := authors.get(version.changed_by):
            shown.changed_by_name, shown.changed_by_email = author.display_name or author.username, author.email
        return shown


def _etag(version: int) -> str:
    return f'"{version}"'


@router.get("/settings", response_model=TenantSettings)
def get_settings(caller: AdminDep, settings: VersionedSettingsDep, response: Response) -> TenantSettings:
    """The `ETag` header names the version read; send it back as `If-Match` when saving."""
    current, version = settings.current(caller.tenant)
    response.headers["ETag"] = _etag(version)
    return current


@router.put("/settings", response_model=TenantSettings, dependencies=[ACTIVE])
def put_settings(
    body: TenantSettings, caller: AdminDep, settings: VersionedSettingsDep, response: Response, if_match: IfMatch = None
) -> TenantSettings:
    """Saves the settings as a new version, recorded in `GET /admin/settings/history`. With `If-Match`, settings
    changed since that version are not overwritten: 409 `settings_changed`, with the version now in `details`. A service
    area or zone that is not a valid polygon (a ring crossing itself) is 422 `invalid_zone`, each problem in `details`
    in plain words with the place it is (`zone "Old town" crosses itself near 31.52000, 74.35000 ...`)."""
    expected = None if if_match is None else int(if_match.removeprefix("W/").strip('"'))
    saved, version = save_settings(settings, caller.tenant, body, caller.user_id, datetime.now(UTC), expected)
    response.headers["ETag"] = _etag(version)
    return saved


@router.get("/settings/history", response_model=PageOf[SettingsVersionOut])
def settings_history(
    caller: AdminDep, settings: VersionedSettingsDep, users: UsersDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[SettingsVersionOut]:
    """Every saved change to the city's settings, newest first: who (by id, name and e-mail), when, and each setting
    before and after."""
    page, authors = history_with_authors(settings, users, caller.tenant, limit, cursor)
    return PageOf[SettingsVersionOut](
        items=[SettingsVersionOut.authored(version, authors) for version in page.items], cursor=page.cursor
    )
