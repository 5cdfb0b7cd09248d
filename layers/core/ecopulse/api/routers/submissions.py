"""Cleanup submissions: open one (against a report or a free task), upload its photos, follow it."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel, Field, model_validator

from ecopulse.api.auth import ACTIVE, Caller, CallerDep, CitizenOrAdminDep, CleanerDep, Group
from ecopulse.api.dependencies import ReportsDep, SubmissionsDep, UploadFormsDep, UsersDep
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.idempotency import once
from ecopulse.api.routers.uploads import UploadRequest, upload_form
from ecopulse.api.schemas import Cursor, Limit, PageOf, UploadForm
from ecopulse.reports import Reports
from ecopulse.submissions import Status, Submission, Submissions, Task, check_form_renewal, read_submission
from ecopulse.submissions import open_submission as open_pending
from ecopulse.uploads import AFTER_PHOTO, BEFORE_PHOTO, UploadKey
from ecopulse.users import Users

router = APIRouter(prefix="/submissions", tags=["submissions"], responses=ERROR_RESPONSES)


class SubmissionIn(BaseModel):
    task: Task = Task.CLEANUP
    report_id: Annotated[str | None, Field(max_length=64)] = None
    photos: UploadRequest = Field(default_factory=lambda: UploadRequest(content_type="image/jpeg"))

    @model_validator(mode="after")
    def report_task_names_a_report(self) -> "SubmissionIn":
        if self.task is Task.REPORT and not self.report_id:
            raise ValueError("a report task names the report it cleans up")
        return self


class VerificationOutcome(BaseModel):
    """What verification concluded, in words: scores, thresholds, hashes and photo facts are for admins, who
    see them at /admin/submissions/{id}. A forger learns nothing here to tune the next attempt against."""

    decision: Literal["approve", "review", "reject"] | None = Field(
        description="The verifier's conclusion; none until the photos are verified"
    )
    reasons: list[str] = Field(description='Plain sentences, e.g. "the after photo was taken 40 km from the before"')

    @classmethod
    def of(cls, verdict: dict[str, Any] | None) -> "VerificationOutcome":
        verdict = verdict or {}
        return cls(decision=verdict.get("decision"), reasons=[str(reason) for reason in verdict.get("reasons") or []])


class SubmissionOut(BaseModel):
    """A submission as its citizen sees it: where it stands, and why in plain words."""

    submission_id: str
    user_id: str
    task: str | None
    report_id: str | None
    status: Status
    photos: dict[str, str]
    outcome: VerificationOutcome
    rejection_reason: str | None
    reward: float | None
    mint_tx: str | None
    created_at: datetime
    updated_at: datetime
    closeout: bool = Field(
        default=False, description="A driver's close-out of a dispatched job: its `before` is the report's photo"
    )

    @classmethod
    def of(cls, submission: Submission) -> Self:
        """The submission's fields this view names (a subclass may name more), and its outcome in words."""
        return cls.model_validate({**asdict(submission), "outcome": VerificationOutcome.of(submission.verdict)})


class OpenedSubmission(BaseModel):
    submission: SubmissionOut
    uploads: dict[str, UploadForm] = Field(description="Upload `before` (optional) first, then `after`.")


def _open(
    submissions: Submissions, users: Users, reports: Reports, caller: Caller, body: SubmissionIn
) -> SubmissionOut:
    opened = open_pending(
        submissions, users, reports, caller.tenant, caller.user_id, caller.username, caller.email,
        list(caller.groups), body.task, body.report_id,
    )  # fmt: skip
    return SubmissionOut.of(opened)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OpenedSubmission, dependencies=[ACTIVE])
def open_submission(
    body: SubmissionIn,
    caller: CitizenOrAdminDep,
    response: Response,
    users: UsersDep,
    submissions: SubmissionsDep,
    reports: ReportsDep,
    forms: UploadFormsDep,
    idempotency_key: Annotated[str | None, Header(max_length=128, pattern=r"^[A-Za-z0-9_.:-]{8,128}$")] = None,
) -> OpenedSubmission:
    """Send an `Idempotency-Key` header to retry safely: the same key returns the first submission, with fresh
    upload forms (the first ones may have expired by the time a phone retries)."""
    if idempotency_key is None:
        opened = _open(submissions, users, reports, caller, body)
    else:
        created, replayed = once(
            "submission",
            caller,
            idempotency_key,
            body.model_dump(mode="json"),
            lambda: _open(submissions, users, reports, caller, body).model_dump(mode="json"),
        )
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        opened = SubmissionOut.model_validate(created)
    uploads = {
        photo: upload_form(
            forms, UploadKey(caller.tenant, caller.user_id, opened.submission_id, photo), body.photos.content_type
        )
        for photo in (BEFORE_PHOTO, AFTER_PHOTO)
    }
    return OpenedSubmission(submission=opened, uploads=uploads)


@router.get("", response_model=PageOf[SubmissionOut])
def list_submissions(
    caller: CallerDep, submissions: SubmissionsDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[SubmissionOut]:
    page = submissions.list_by_user(caller.tenant, caller.user_id, limit, cursor)
    return PageOf[SubmissionOut](items=[SubmissionOut.of(s) for s in page.items], cursor=page.cursor)


@router.get("/{submission_id}", response_model=SubmissionOut)
def get_submission(
    submission_id: Annotated[str, Field(max_length=64)], caller: CallerDep, submissions: SubmissionsDep
) -> SubmissionOut:
    """A citizen reads their own submission; an admin any of the city's."""
    read = read_submission(submissions, caller.tenant, submission_id, caller.user_id, caller.is_in(Group.ADMIN))
    return SubmissionOut.of(read)


@router.post(
    "/{submission_id}/uploads/{photo}",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadForm,
    dependencies=[ACTIVE],
)
def renew_upload_form(
    submission_id: Annotated[str, Field(max_length=64)],
    photo: Literal["before", "after"],
    body: UploadRequest,
    caller: CleanerDep,
    submissions: SubmissionsDep,
    forms: UploadFormsDep,
) -> UploadForm:
    """A new form for one photo of the caller's submission (a driver's: of their close-out), when the one it was
    opened with has expired (forms live minutes; a cleanup may take longer). Refused once that photo has been
    verified, and for a close-out's `before`, which is the report's photo."""
    check_form_renewal(submissions, caller.tenant, submission_id, caller.user_id, photo)
    return upload_form(forms, UploadKey(caller.tenant, caller.user_id, submission_id, photo), body.content_type.value)
