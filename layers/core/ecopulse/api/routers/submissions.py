"""Cleanup submissions: open one (against a report or a free task), upload its photos, follow it."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, model_validator

from ecopulse.api.auth import CallerDep, CitizenOrAdminDep, Group
from ecopulse.api.dependencies import UsersDep
from ecopulse.api.errors import ERROR_RESPONSES, ApiError
from ecopulse.api.routers.uploads import UploadRequest, upload_form
from ecopulse.api.schemas import Cursor, Limit, PageOf, UploadForm
from ecopulse.store.models import SubmissionItem
from ecopulse.store.reports import ReportRepository
from ecopulse.store.submissions import SubmissionRepository
from ecopulse.submissions import Status, Task, check_slot_open
from ecopulse.uploads import AFTER_PHOTO, BEFORE_PHOTO, UploadKey

router = APIRouter(prefix="/submissions", tags=["submissions"], responses=ERROR_RESPONSES)
submissions = SubmissionRepository()
reports = ReportRepository()


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
    def of(cls, verdict: dict | None) -> "VerificationOutcome":
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

    @classmethod
    def of(cls, item: SubmissionItem) -> "SubmissionOut":
        return cls(
            submission_id=item.submission_id,
            user_id=item.user_id,
            task=item.task,
            report_id=item.report_id,
            status=Status(item.status),
            photos=item.photos.as_dict() if item.photos else {},
            outcome=VerificationOutcome.of(item.verdict.as_dict() if item.verdict else None),
            rejection_reason=item.rejection_reason,
            reward=float(item.reward) if item.reward is not None else None,
            mint_tx=item.mint_tx,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )


class OpenedSubmission(BaseModel):
    submission: SubmissionOut
    uploads: dict[str, UploadForm] = Field(description="Upload `before` (optional) first, then `after`.")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OpenedSubmission)
def open_submission(body: SubmissionIn, caller: CitizenOrAdminDep, users: UsersDep) -> OpenedSubmission:
    users.ensure(caller.tenant, caller.user_id, caller.username, caller.email, list(caller.groups))
    if body.report_id:
        reports.get(caller.tenant, body.report_id)
    submission_id = str(uuid.uuid4())
    item = submissions.create_pending(caller.tenant, submission_id, caller.user_id, body.task.value, body.report_id)
    forms = {
        photo: upload_form(UploadKey(caller.tenant, caller.user_id, submission_id, photo), body.photos.content_type)
        for photo in (BEFORE_PHOTO, AFTER_PHOTO)
    }
    return OpenedSubmission(submission=SubmissionOut.of(item), uploads=forms)


@router.get("", response_model=PageOf[SubmissionOut])
def list_submissions(caller: CallerDep, limit: Limit = 20, cursor: Cursor = None) -> PageOf[SubmissionOut]:
    page = submissions.list_by_user(caller.tenant, caller.user_id, limit, cursor)
    return PageOf[SubmissionOut](items=[SubmissionOut.of(item) for item in page.items], cursor=page.cursor)


@router.get("/{submission_id}", response_model=SubmissionOut)
def get_submission(submission_id: Annotated[str, Field(max_length=64)], caller: CallerDep) -> SubmissionOut:
    item = submissions.get(caller.tenant, submission_id)
    if item.user_id != caller.user_id and not caller.is_in(Group.ADMIN):
        raise ApiError(404, "submission_not_found", "no such submission")
    return SubmissionOut.of(item)


@router.post("/{submission_id}/uploads/{photo}", status_code=status.HTTP_201_CREATED, response_model=UploadForm)
def renew_upload_form(
    submission_id: Annotated[str, Field(max_length=64)],
    photo: Literal["before", "after"],
    body: UploadRequest,
    caller: CitizenOrAdminDep,
) -> UploadForm:
    """A new form for one photo of the caller's submission, when the one it was opened with has expired (forms
    live minutes; a cleanup may take longer). Refused once that photo has been verified."""
    item = submissions.get(caller.tenant, submission_id)
    if item.user_id != caller.user_id:
        raise ApiError(404, "submission_not_found", "no such submission")
    verified = set(item.photo_versions.as_dict()) if item.photo_versions else set()
    check_slot_open(Status(item.status), verified, photo)
    return upload_form(UploadKey(caller.tenant, caller.user_id, submission_id, photo), body.content_type.value)
