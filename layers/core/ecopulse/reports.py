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
