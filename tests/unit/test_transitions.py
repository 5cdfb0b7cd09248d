"""The two status transition tables: which moves a submission and a report may make, and which never."""

import pytest

from ecopulse.reports import ReportStatus
from ecopulse.reports import sources_for as report_sources
from ecopulse.submissions import Outcome, Status, status_for
from ecopulse.submissions import sources_for as submission_sources

SUBMISSION_MOVES = {
    (Status.AWAITING_UPLOAD, Status.RECEIVED),
    (Status.AWAITING_UPLOAD, Status.REJECTED),
    (Status.RECEIVED, Status.IN_REVIEW),
    (Status.RECEIVED, Status.APPROVED),
    (Status.RECEIVED, Status.REJECTED),
    (Status.IN_REVIEW, Status.IN_REVIEW),
    (Status.IN_REVIEW, Status.APPROVED),
    (Status.IN_REVIEW, Status.REJECTED),
}
REPORT_MOVES = {
    (ReportStatus.SUBMITTED, ReportStatus.VERIFIED),
    (ReportStatus.SUBMITTED, ReportStatus.DISPATCHED),
    (ReportStatus.VERIFIED, ReportStatus.DISPATCHED),
    (ReportStatus.SUBMITTED, ReportStatus.RESOLVED),
    (ReportStatus.VERIFIED, ReportStatus.RESOLVED),
    (ReportStatus.DISPATCHED, ReportStatus.RESOLVED),
    (ReportStatus.SUBMITTED, ReportStatus.REJECTED),
    (ReportStatus.VERIFIED, ReportStatus.REJECTED),
    (ReportStatus.DISPATCHED, ReportStatus.REJECTED),
    (ReportStatus.SUBMITTED, ReportStatus.DUPLICATE),
    (ReportStatus.VERIFIED, ReportStatus.DUPLICATE),
    (ReportStatus.DISPATCHED, ReportStatus.DUPLICATE),
}


@pytest.mark.parametrize("source", list(Status))
@pytest.mark.parametrize("target", [status for status in Status if status is not Status.AWAITING_UPLOAD])
def test_a_submission_moves_only_as_the_table_says(source, target):
    assert (source in submission_sources(target)) == ((source, target) in SUBMISSION_MOVES)


def test_a_decided_submission_never_moves_again_and_a_review_may_wait_again():
    for target in (Status.RECEIVED, Status.IN_REVIEW, Status.APPROVED, Status.REJECTED):
        assert not submission_sources(target) & {Status.APPROVED, Status.REJECTED}
    assert Status.IN_REVIEW in submission_sources(Status.IN_REVIEW), "an escalated review waits under a new token"


def test_an_outcome_names_the_status_it_leads_to():
    assert [status_for(outcome) for outcome in Outcome] == [Status.APPROVED, Status.REJECTED]


@pytest.mark.parametrize("source", list(ReportStatus))
@pytest.mark.parametrize("target", [status for status in ReportStatus if status is not ReportStatus.SUBMITTED])
def test_a_report_moves_only_as_the_table_says(source, target):
    assert (source in report_sources(target)) == ((source, target) in REPORT_MOVES)
