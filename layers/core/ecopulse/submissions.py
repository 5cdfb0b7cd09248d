"""The life of a cleanup submission: who opens and reads it, which status may follow which, and how an admin's
decision is taken and handed to the workflow waiting on it.

The rules and the ``Submissions`` port; ``ecopulse.store.submissions.SubmissionRepository`` is the DynamoDB
adapter, ``ecopulse.workflow.TaskTokens`` answers the workflow and ``ecopulse.store.review_labels`` keeps the
labels.
"""

import base64
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel

from ecopulse.paging import Page
from ecopulse.uploads import BEFORE_PHOTO
from ecopulse.users import Users
from ecopulse.verification.reviews import ReviewLabel


class Status(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class Task(StrEnum):
    """What the cleanup was: a report cleared, a free cleanup, or work at a community event."""

    CLEANUP = "cleanup"
    REPORT = "report"
    EVENT = "event"


class Outcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class InvalidTransition(Exception):
    """A decision on a submission that is not in a state to take it; the workflow does not retry this."""


_ALLOWED_FROM = {
    Status.RECEIVED: {Status.AWAITING_UPLOAD},
    Status.IN_REVIEW: {Status.RECEIVED, Status.IN_REVIEW},
    Status.APPROVED: {Status.RECEIVED, Status.IN_REVIEW},
    Status.REJECTED: {Status.AWAITING_UPLOAD, Status.RECEIVED, Status.IN_REVIEW},
}


def sources_for(target: Status) -> set[Status]:
    """The statuses from which a submission may move to ``target``."""
    return _ALLOWED_FROM[target]


def status_for(outcome: Outcome) -> Status:
    return Status(outcome.value)


class Decision(BaseModel):
    """How a submission's review ended, by the model's thresholds or by an admin."""

    outcome: Outcome
    reason: str
    reviewer: str


class ReviewDecision(Decision):
    """An admin's decision as the submission keeps it: the first one taken is the one that counts."""

    decided_at: datetime


class DecisionConflict(Exception):
    """An admin decision that contradicts the submission's state: another decision was taken, or the
    submission is not (or no longer) waiting for a human. ``details`` tell the caller what it is now."""

    def __init__(self, status: Status, taken: ReviewDecision | None) -> None:
        super().__init__(f"the submission is {status} and its decision is {taken.outcome if taken else 'none'}")
        self.status, self.taken = status, taken

    @property
    def details(self) -> list[dict[str, Any]]:
        return [{"status": self.status.value, "decision": self.taken.model_dump(mode="json") if self.taken else None}]


def admits_decision(status: Status, taken: ReviewDecision | None, requested: Outcome) -> bool:
    """Whether an admin's ``requested`` outcome is to be taken (True) or is a repeat of the one taken (False).

    The first decision on a submission in review wins; the same outcome again is answered as it was, and any
    other outcome, or a decision on a submission that is not in review and was not decided by an admin (not
    uploaded yet, or decided by the workflow on its own), is a ``DecisionConflict``."""
    if taken is not None:
        if taken.outcome is requested:
            return False
        raise DecisionConflict(status, taken)
    if status is Status.IN_REVIEW:
        return True
    raise DecisionConflict(status, taken)


class SlotTaken(Exception):
    """A new upload form for a photo slot that no longer waits for a photo."""

    def __init__(self, status: Status, photo: str, verified: bool) -> None:
        state = "holds a verified photo" if verified else "takes no photo"
        super().__init__(f"the {photo} photo slot of a submission that is {status} {state}")
        self.status, self.photo, self.verified = status, photo, verified

    @property
    def details(self) -> list[dict[str, Any]]:
        return [{"status": self.status.value, "photo": self.photo, "verified": self.verified}]


def check_slot_open(status: Status, verified_photos: set[str], photo: str) -> None:
    """Upload forms live minutes, so a citizen whose cleanup takes longer asks for a new one; each slot takes
    a form only until its photo has been verified, and only while the submission waits for photos."""
    if status is not Status.AWAITING_UPLOAD or photo in verified_photos:
        raise SlotTaken(status, photo, photo in verified_photos)


def review_label(
    submission_id: str, decision: ReviewDecision, verdict: dict[str, Any], photo_facts: dict[str, Any]
) -> ReviewLabel:
    """The admin's decision as a label to learn from: the verdict's named features (non-numbers and
    non-finite values left out; missing reads as 0 to the learner) and the "after" photo's float16 embedding.
    A submission verified before either was kept gives an empty one."""
    features = {}
    for name, value in (verdict.get("features") or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            features[name] = number
    embedding = (photo_facts.get("after") or {}).get("embedding_f16") or ""
    return ReviewLabel(
        submission_id=submission_id,
        approved=decision.outcome is Outcome.APPROVED,
        decided_at=decision.decided_at,
        features=features,
        embedding=base64.b64decode(embedding),
    )


class SubmissionNotFound(LookupError):
    pass


class TaskClosed(Exception):
    """The workflow no longer waits on this task token: it timed out, was answered already, or never was."""


class ReviewClosed(Exception):
    """An admin decision on a review whose workflow no longer waits for one (timed out, or decided already)."""


@dataclass(frozen=True)
class Submission:
    """A cleanup submission as it stands: what its citizen sees of it, and the evidence admins judge it on."""

    tenant: str
    submission_id: str
    user_id: str
    task: str | None
    report_id: str | None
    status: Status
    photos: dict[str, str]
    verdict: dict[str, Any] | None
    photo_verdicts: dict[str, Any]
    photo_versions: dict[str, str]
    photo_facts: dict[str, Any]
    rejection_reason: str | None
    decided_by: str | None
    review_decision: ReviewDecision | None
    task_token: str | None
    reward: float | None
    mint_tx: str | None
    created_at: datetime
    updated_at: datetime
    closeout: bool = False
    """A driver's close-out of a dispatched job (``ecopulse.jobs``): its "before" photo is the report's."""

    def duplicate_matches(self) -> list[dict[str, Any]]:
        """The earlier photos of the city that the verifier found this one's "after" photo to match."""
        signals = (self.verdict or {}).get("signals") or []
        flagged = next((s for s in signals if s.get("name") == "near_duplicate" and s.get("flagged")), None)
        matches: list[dict[str, Any]] = ((flagged or {}).get("value") or {}).get("matches", [])
        return matches


class Submissions(Protocol):
    def get(self, tenant: str, submission_id: str) -> Submission: ...

    def create_pending(
        self, tenant: str, submission_id: str, user_id: str, task: Task, report_id: str | None, closeout: bool = False
    ) -> Submission: ...

    def list_by_user(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[Submission]:
        """Newest first."""
        ...

    def review_queue(self, tenant: str, limit: int, cursor: str | None = None) -> Page[Submission]:
        """The submissions waiting for an admin, oldest first."""
        ...

    def take_decision(self, tenant: str, submission_id: str, decision: ReviewDecision) -> tuple[Submission, bool]:
        """Stores an admin's decision as ``admits_decision`` rules, of racing requests one only: the submission,
        and whether this call stored the decision (False: the same one was taken already)."""
        ...

    def withdraw_decision(self, tenant: str, submission_id: str, decision: ReviewDecision) -> bool:
        """Removes ``decision`` when it is still the one stored; False when another is stored, or none."""
        ...


class KnownReports(Protocol):
    def get(self, tenant: str, report_id: str) -> object:
        """The report; its not-found error for a report the city does not have."""
        ...


class TaskTokens(Protocol):
    """A waiting workflow step, answered through its task token; ``TaskClosed`` when nobody waits on it."""

    def resume(self, task_token: str, output: dict[str, Any]) -> None: ...

    def fail(self, task_token: str, error: str, cause: str) -> None: ...


class ReviewLabels(Protocol):
    def record(self, tenant: str, label: ReviewLabel) -> bool:
        """Keeps the submission's first label; False when it has one already."""
        ...


class PhotoLinks(Protocol):
    def presigned_get(self, bucket: str, key: str, expires_seconds: int, version_id: str | None = None) -> str:
        """A short-lived link to one private photo, at this version when given."""
        ...


def open_submission(
    submissions: Submissions,
    users: Users,
    reports: KnownReports,
    tenant: str,
    user_id: str,
    username: str,
    email: str | None,
    groups: Sequence[str],
    task: Task,
    report_id: str | None,
) -> Submission:
    """A pending submission, waiting for its photos, by a citizen whose profile exists from now on, against a
    report the city has (when it names one)."""
    users.ensure(tenant, user_id, username, email, groups)
    if report_id:
        reports.get(tenant, report_id)
    return submissions.create_pending(tenant, str(uuid.uuid4()), user_id, task, report_id)


def read_submission(
    submissions: Submissions, tenant: str, submission_id: str, reader_id: str, reads_any: bool
) -> Submission:
    """A citizen reads only their own submission; someone who ``reads_any`` (an admin) any of the city's.
    Another citizen's is not found: whether it exists is not theirs to learn."""
    submission = submissions.get(tenant, submission_id)
    if not reads_any and submission.user_id != reader_id:
        raise SubmissionNotFound(submission_id)
    return submission


def check_form_renewal(submissions: Submissions, tenant: str, submission_id: str, user_id: str, photo: str) -> None:
    """A new upload form goes to the submission's own citizen only (an admin uploads no one else's photos),
    for a photo slot still open (``check_slot_open``). A close-out's "before" is its report's photo: that slot
    takes no upload."""
    submission = read_submission(submissions, tenant, submission_id, user_id, reads_any=False)
    if submission.closeout and photo == BEFORE_PHOTO:
        raise SlotTaken(submission.status, photo, verified=False)
    check_slot_open(submission.status, set(submission.photo_versions), photo)


def decide_review(
    submissions: Submissions,
    tokens: TaskTokens,
    labels: ReviewLabels,
    tenant: str,
    submission_id: str,
    outcome: Outcome,
    reason: str,
    reviewer: str,
) -> Submission:
    """Takes the first admin decision on a submission in review and resumes its waiting workflow with it. The
    same outcome again is answered with the submission as it is; another is a ``DecisionConflict``
    (``admits_decision``). The decision becomes the city's review label for the verifier to learn from."""
    decision = ReviewDecision(outcome=outcome, reason=reason, reviewer=reviewer, decided_at=datetime.now(UTC))
    submission, taken = submissions.take_decision(tenant, submission_id, decision)
    if taken:
        deliver(submissions, tokens, submission, decision)
    stored = submission.review_decision
    if stored is not None:
        # A repeat writes the label again, a no-op once written: a label lost to a failure after the
        # delivery is written by the admin's retry.
        labels.record(tenant, review_label(submission_id, stored, submission.verdict or {}, submission.photo_facts))
    return submission


def deliver(submissions: Submissions, tokens: TaskTokens, submission: Submission, decision: ReviewDecision) -> None:
    """Resumes the workflow waiting on the submission's review with the stored decision.

    When the workflow does not take it, the stored decision is withdrawn. It timed out meanwhile (the
    submission is rejected, or waits again under a new token for a decision sent there), or the call failed.
    Kept, the decision would stand for one never taken: a retry of it would answer 200 and change nothing,
    and an admin answering the reopened review would be refused as conflicting. Withdrawn after a call that
    reached the workflow although its answer was lost, the decision still takes effect and only its record
    is missing; a later decision then finds the token spent and is told ``ReviewClosed``."""
    try:
        if submission.task_token is None:
            raise TaskClosed(f"submission {submission.submission_id} waits on no task token")
        if decision.outcome is Outcome.APPROVED:
            tokens.resume(
                submission.task_token,
                {"outcome": "approved", "reason": decision.reason, "reviewer": decision.reviewer},
            )
        else:
            tokens.fail(submission.task_token, "ReviewRejected", decision.reason)
    except Exception as error:
        submissions.withdraw_decision(submission.tenant, submission.submission_id, decision)
        if isinstance(error, TaskClosed):
            raise ReviewClosed(submission.submission_id) from error
        raise
