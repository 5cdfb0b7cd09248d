"""The life of a cleanup submission: which status may follow which."""

from enum import StrEnum

from pydantic import BaseModel


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
