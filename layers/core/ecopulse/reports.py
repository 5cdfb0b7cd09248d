"""A litter report's lifecycle: submitted → verified → dispatched → resolved, or rejected while open."""

from enum import StrEnum


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class InvalidReportTransition(Exception):
    """The report is not in a status the requested change may start from."""


class OwnReportVote(Exception):
    """A reporter's vote would corroborate their own report."""


def check_vote(reporter_id: str, voter_id: str) -> None:
    """Votes say that someone else saw the problem too: a reporter cannot vote on their own report."""
    if reporter_id == voter_id:
        raise OwnReportVote(f"{voter_id} filed this report")


_ALLOWED_FROM = {
    ReportStatus.VERIFIED: {ReportStatus.SUBMITTED},
    ReportStatus.DISPATCHED: {ReportStatus.SUBMITTED, ReportStatus.VERIFIED},
    ReportStatus.RESOLVED: {ReportStatus.DISPATCHED, ReportStatus.VERIFIED, ReportStatus.SUBMITTED},
    ReportStatus.REJECTED: {ReportStatus.SUBMITTED, ReportStatus.VERIFIED, ReportStatus.DISPATCHED},
}

STATS_COUNTER = {
    ReportStatus.DISPATCHED: "reports_dispatched",
    ReportStatus.RESOLVED: "reports_resolved",
    ReportStatus.REJECTED: "reports_rejected",
}


def sources_for(target: ReportStatus) -> set[ReportStatus]:
    return _ALLOWED_FROM[target]
