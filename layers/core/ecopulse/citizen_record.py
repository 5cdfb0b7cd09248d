"""A citizen's record as the city's admins see it when deciding about them: their profile, their latest reports,
cleanups and rewards, how their cleanups were decided, and which of them matched earlier photos of the city."""

from dataclasses import dataclass
from typing import Any

from ecopulse.community import Community, LedgerEntry
from ecopulse.reports import Report, Reports
from ecopulse.submissions import Status, Submission, Submissions
from ecopulse.users import User, Users

RECORD_LENGTH = 50


@dataclass(frozen=True)
class DuplicateMatch:
    """A cleanup whose "after" photo matched an earlier photo of the city."""

    submission_id: str
    matched_submission_id: str
    distance: int


@dataclass(frozen=True)
class CitizenRecord:
    profile: User
    reports: list[Report]
    submissions: list[Submission]
    rewards: list[LedgerEntry]
    approved: int
    rejected: int
    duplicates: list[DuplicateMatch]


def _matches(submission: Submission) -> list[DuplicateMatch]:
    found: list[dict[str, Any]] = submission.duplicate_matches()
    return [DuplicateMatch(submission.submission_id, m["submission_id"], int(m["distance"])) for m in found]


def citizen_record(
    users: Users, reports: Reports, submissions: Submissions, community: Community, tenant: str, user_id: str
) -> CitizenRecord:
    """The newest ``RECORD_LENGTH`` of each, counted over those. A user of another tenant is not found."""
    profile = users.get(tenant, user_id)
    cleanups = submissions.list_by_user(tenant, user_id, RECORD_LENGTH, None).items
    return CitizenRecord(
        profile=profile,
        reports=reports.list_by_reporter(tenant, user_id, RECORD_LENGTH, None).items,
        submissions=cleanups,
        rewards=community.ledger(tenant, user_id, RECORD_LENGTH, None).items,
        approved=sum(s.status == Status.APPROVED for s in cleanups),
        rejected=sum(s.status == Status.REJECTED for s in cleanups),
        duplicates=[match for s in cleanups for match in _matches(s)],
    )
