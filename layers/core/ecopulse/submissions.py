"""The life of a cleanup submission: which status may follow which, and which admin decision is taken."""

import base64
import math
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

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
