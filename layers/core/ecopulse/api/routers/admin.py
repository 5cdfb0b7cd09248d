"""City administration: review queue and decisions, dispatch, alerts, carbon credits, users, settings."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from ecopulse.api.auth import AdminDep
from ecopulse.api.dependencies import CarbonCreditsDep, CommunityDep, ReportsDep, TenantsDep, UsersDep, Vehicles
from ecopulse.api.errors import ERROR_RESPONSES, ApiError, ErrorResponse
from ecopulse.api.routers.community import CarbonCreditOut
from ecopulse.api.routers.me import Profile
from ecopulse.api.routers.reports import ReportOut
from ecopulse.api.routers.submissions import SubmissionOut, submissions
from ecopulse.api.schemas import Cursor, Limit, LongText, PageOf, ShortText
from ecopulse.carbon import CarbonRequestStatus, review_request
from ecopulse.community import AlertSeverity
from ecopulse.config import deployment
from ecopulse.photos import S3PhotoStore
from ecopulse.reports import ReportStatus, change_status, dispatch_vehicle
from ecopulse.store.models import SubmissionItem, utcnow
from ecopulse.store.review_labels import ReviewLabelRepository
from ecopulse.submissions import Outcome, ReviewDecision, review_label
from ecopulse.tenants import TenantSettings, check_policy
from ecopulse.users import check_status_change
from ecopulse.workflow import TaskClosed, TaskTokens

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)
labels = ReviewLabelRepository()
workflow = TaskTokens()
photos = S3PhotoStore()
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

    @classmethod
    def of(cls, item: SubmissionItem) -> "AdminSubmissionOut":
        return cls(
            **SubmissionOut.of(item).model_dump(),
            verdict=item.verdict.as_dict() if item.verdict else None,
            photo_verdicts=item.photo_verdicts.as_dict() if item.photo_verdicts else {},
            decided_by=item.decided_by,
            review_decision=submissions.decision_of(item),
        )


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


class CarbonDecisionIn(BaseModel):
    approve: bool
    reason: ShortText


class UserStatusIn(BaseModel):
    active: bool


@router.get("/review-queue", response_model=PageOf[AdminSubmissionOut])
def review_queue(caller: AdminDep, limit: Limit = 20, cursor: Cursor = None) -> PageOf[AdminSubmissionOut]:
    """Submissions waiting for a human, oldest first."""
    page = submissions.review_queue(caller.tenant, limit, cursor)
    return PageOf[AdminSubmissionOut](items=[AdminSubmissionOut.of(item) for item in page.items], cursor=page.cursor)


@router.get("/submissions/{submission_id}", response_model=AdminSubmissionOut)
def submission_evidence(submission_id: Identifier, caller: AdminDep) -> AdminSubmissionOut:
    """Any submission of the tenant with its full verdict."""
    return AdminSubmissionOut.of(submissions.get(caller.tenant, submission_id))


@router.get("/submissions/{submission_id}/photos", response_model=SubmissionPhotos)
def submission_photos(submission_id: Identifier, caller: AdminDep) -> SubmissionPhotos:
    """Short-lived links to a submission's private photos, for the reviewer's eyes only: each to the version that
    was verified, whatever was uploaded over it since."""
    item = submissions.get(caller.tenant, submission_id)
    bucket = deployment().uploads_bucket
    verified = item.photo_versions.as_dict() if item.photo_versions else {}

    def link(key: str, version_id: str | None = None) -> dict:
        return {
            "key": key,
            "version_id": version_id,
            "url": photos.presigned_get(bucket, key, PHOTO_LINK_SECONDS, version_id),
            "expires_in": PHOTO_LINK_SECONDS,
        }

    verdict = item.verdict.as_dict() if item.verdict else {}
    duplicate = next((s for s in verdict.get("signals", []) if s["name"] == "near_duplicate" and s["flagged"]), None)
    matches = (duplicate.get("value") or {}).get("matches", []) if duplicate else []
    return SubmissionPhotos(
        photos={
            kind: PhotoLink(**link(key, verified.get(kind) or None))
            for kind, key in (item.photos.as_dict() if item.photos else {}).items()
        },
        duplicates=[
            DuplicateLink(**link(m["photo_key"]), submission_id=m["submission_id"], distance=m["distance"])
            for m in matches
        ],
    )


@router.get("/users/{user_id}/submissions", response_model=PageOf[AdminSubmissionOut])
def user_submissions(
    user_id: Identifier, caller: AdminDep, users: UsersDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[AdminSubmissionOut]:
    """A citizen's track record, newest first, for the reviewer deciding on their next one. A user of another
    tenant is not found, as everything of another tenant is."""
    users.get(caller.tenant, user_id)
    page = submissions.list_by_user(caller.tenant, user_id, limit, cursor)
    return PageOf[AdminSubmissionOut](items=[AdminSubmissionOut.of(item) for item in page.items], cursor=page.cursor)


@router.post(
    "/submissions/{submission_id}/decision",
    response_model=AdminSubmissionOut,
    responses={
        409: {
            "model": ErrorResponse,
            "description": "`decision_conflict`: another decision was taken, or the submission is not in review; "
            "`details` hold its status and the decision taken. `review_closed`: the review timed out meanwhile",
        }
    },
)
def decide(submission_id: Identifier, body: DecisionIn, caller: AdminDep) -> AdminSubmissionOut:
    """Takes the first admin decision on a submission in review and resumes its waiting workflow with it. The
    same outcome again answers 200 with the submission as it is; another is 409 (``admits_decision``).
    The decision becomes the tenant's review label for the verifier to learn from."""
    decision = ReviewDecision(outcome=body.outcome, reason=body.reason, reviewer=caller.user_id, decided_at=utcnow())
    item, taken = submissions.take_decision(caller.tenant, submission_id, decision)
    if taken:
        deliver(caller.tenant, item, decision)
    stored = submissions.decision_of(item)
    if stored is not None:
        # A repeat writes the label again, a no-op once written: a label lost to a failure after the
        # delivery is written by the admin's retry.
        verdict = item.verdict.as_dict() if item.verdict else {}
        facts = item.photo_facts.as_dict() if item.photo_facts else {}
        labels.record(caller.tenant, review_label(item.submission_id, stored, verdict, facts))
    return AdminSubmissionOut.of(item)


def deliver(tenant: str, item: SubmissionItem, decision: ReviewDecision) -> None:
    """Resumes the workflow waiting on the submission's review with the stored decision.

    When the workflow does not take it, the stored decision is withdrawn. It timed out meanwhile (the
    submission is rejected, or waits again under a new token for a decision sent there), or the call failed.
    Kept, the decision would stand for one never taken: a retry of it would answer 200 and change nothing,
    and an admin answering the reopened review would be refused as conflicting. Withdrawn after a call that
    reached the workflow although its answer was lost, the decision still takes effect and only its record
    is missing; a later decision then finds the token spent and is told ``review_closed``."""
    try:
        if decision.outcome is Outcome.APPROVED:
            workflow.resume(
                item.task_token, {"outcome": "approved", "reason": decision.reason, "reviewer": decision.reviewer}
            )
        else:
            workflow.fail(item.task_token, "ReviewRejected", decision.reason)
    except Exception as error:
        submissions.withdraw_decision(tenant, item.submission_id, decision)
        if isinstance(error, TaskClosed):
            raise ApiError(409, "review_closed", "the review has timed out or was decided already") from error
        raise


@router.post("/reports/{report_id}/dispatch", response_model=ReportOut)
def dispatch(
    report_id: Identifier, body: DispatchIn, caller: AdminDep, reports: ReportsDep, fleet: Vehicles
) -> ReportOut:
    dispatched = dispatch_vehicle(reports, fleet, caller.tenant, report_id, body.vehicle_id, caller.user_id, body.note)
    return ReportOut.model_validate(dispatched)


@router.post("/reports/{report_id}/status", response_model=ReportOut)
def change_report_status(
    report_id: Identifier, body: ReportStatusIn, caller: AdminDep, reports: ReportsDep, fleet: Vehicles
) -> ReportOut:
    changed = change_status(reports, fleet, caller.tenant, report_id, body.status, caller.user_id, body.reason)
    return ReportOut.model_validate(changed)


@router.post("/alerts", response_model=AlertOut, status_code=201)
def broadcast(body: AlertIn, caller: AdminDep, community: CommunityDep) -> AlertOut:
    alert = community.broadcast(caller.tenant, body.zone, body.message, body.severity, caller.user_id)
    return AlertOut.model_validate(alert)


@router.get("/carbon-credits", response_model=PageOf[CarbonCreditOut])
def carbon_requests(
    caller: AdminDep,
    credits: CarbonCreditsDep,
    status: Annotated[CarbonRequestStatus, Query()] = "pending",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> PageOf[CarbonCreditOut]:
    page = credits.list(caller.tenant, status, limit, cursor)
    return PageOf[CarbonCreditOut](items=[CarbonCreditOut.model_validate(r) for r in page.items], cursor=page.cursor)


@router.post("/carbon-credits/{request_id}/decision", response_model=CarbonCreditOut)
def review_carbon(
    request_id: Identifier, body: CarbonDecisionIn, caller: AdminDep, credits: CarbonCreditsDep
) -> CarbonCreditOut:
    reviewed = review_request(credits, caller.tenant, request_id, body.approve, caller.user_id, body.reason)
    return CarbonCreditOut.model_validate(reviewed)


@router.get("/users", response_model=PageOf[Profile])
def list_users(caller: AdminDep, users: UsersDep, limit: Limit = 50, cursor: Cursor = None) -> PageOf[Profile]:
    page = users.list(caller.tenant, limit, cursor)
    return PageOf[Profile](items=[Profile.model_validate(user) for user in page.items], cursor=page.cursor)


@router.patch("/users/{user_id}", response_model=Profile)
def set_user_status(user_id: Identifier, body: UserStatusIn, caller: AdminDep, users: UsersDep) -> Profile:
    check_status_change(caller.user_id, user_id, body.active)
    return Profile.model_validate(users.set_active(caller.tenant, user_id, body.active))


@router.get("/settings", response_model=TenantSettings)
def get_settings(caller: AdminDep, tenants: TenantsDep) -> TenantSettings:
    return tenants.settings(caller.tenant)


@router.put("/settings", response_model=TenantSettings)
def put_settings(body: TenantSettings, caller: AdminDep, tenants: TenantsDep) -> TenantSettings:
    check_policy(body)
    return tenants.save(caller.tenant, body)
