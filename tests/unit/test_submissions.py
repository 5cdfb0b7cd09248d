"""Who opens and reads a submission, which admin decision on it is taken, and what it leaves behind as a label;
the ports in memory."""

import base64
from datetime import UTC, datetime

import pytest

from ecopulse.submissions import (
    DecisionConflict,
    Outcome,
    ReviewDecision,
    SlotTaken,
    Status,
    SubmissionNotFound,
    Task,
    admits_decision,
    check_form_renewal,
    open_submission,
    read_submission,
    review_label,
)
from tests.unit.submission_fakes import MemorySubmissions, MemoryUsers, a_submission

DECIDED_AT = datetime(2025, 6, 1, 9, 30, 15, 123456, tzinfo=UTC)


def decision(outcome: Outcome, reviewer: str = "amina") -> ReviewDecision:
    return ReviewDecision(outcome=outcome, reason="looked at it", reviewer=reviewer, decided_at=DECIDED_AT)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_the_first_decision_on_a_submission_in_review_is_taken(outcome):
    assert admits_decision(Status.IN_REVIEW, None, outcome) is True


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.APPROVED, Status.REJECTED])
@pytest.mark.parametrize("outcome", list(Outcome))
def test_the_same_outcome_again_is_a_repeat_whatever_the_status_now(status, outcome):
    assert admits_decision(status, decision(outcome), outcome) is False


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.APPROVED, Status.REJECTED])
def test_another_outcome_than_the_one_taken_is_a_conflict_naming_the_one_taken(status):
    taken = decision(Outcome.APPROVED, reviewer="first")
    with pytest.raises(DecisionConflict) as refused:
        admits_decision(status, taken, Outcome.REJECTED)
    (details,) = refused.value.details
    assert details["status"] == status.value
    assert details["decision"] == {
        "outcome": "approved",
        "reason": "looked at it",
        "reviewer": "first",
        "decided_at": "2025-06-01T09:30:15.123456Z",
    }


@pytest.mark.parametrize("status", [Status.AWAITING_UPLOAD, Status.RECEIVED, Status.APPROVED, Status.REJECTED])
@pytest.mark.parametrize("outcome", list(Outcome))
def test_a_decision_on_a_submission_not_in_review_and_not_decided_by_an_admin_is_a_conflict(status, outcome):
    """Not uploaded yet, or decided by the workflow on its own: even the outcome it reached is refused."""
    with pytest.raises(DecisionConflict) as refused:
        admits_decision(status, None, outcome)
    assert refused.value.details == [{"status": status.value, "decision": None}]


def test_a_label_carries_the_decision_the_verdicts_features_and_the_after_photos_embedding():
    embedding = bytes(range(16))
    verdict = {"decision": "review", "features": {"gps_km": 0.2, "same_device": 1, "waste_drop": 0.61}}
    facts = {"after": {"embedding_f16": base64.b64encode(embedding).decode()}, "before": {"embedding_f16": "AAAA"}}
    label = review_label("sub-1", decision(Outcome.REJECTED), verdict, facts)
    assert (label.submission_id, label.approved, label.decided_at) == ("sub-1", False, DECIDED_AT)
    assert label.features == {"gps_km": 0.2, "same_device": 1.0, "waste_drop": 0.61}
    assert label.embedding == embedding


def test_a_submission_verified_before_features_and_embeddings_were_kept_gives_an_empty_label():
    label = review_label("old", decision(Outcome.APPROVED), {"confidence": 0.7, "flags": []}, {})
    assert label.approved and label.features == {} and label.embedding == b""


def test_feature_values_that_are_not_finite_numbers_are_left_out_of_the_label():
    verdict = {"features": {"ok": 2, "nan": float("nan"), "inf": float("inf"), "text": "high", "none": None}}
    assert review_label("s", decision(Outcome.APPROVED), verdict, {}).features == {"ok": 2.0}


class NoSuchReport(LookupError):
    pass


class Reports:
    """The city's reports, by id; asking for another is the reports' not-found error."""

    def __init__(self, *report_ids: str) -> None:
        self.report_ids = set(report_ids)

    def get(self, tenant: str, report_id: str) -> object:
        if (tenant, report_id) not in {("lahore", known) for known in self.report_ids}:
            raise NoSuchReport(report_id)
        return report_id


def opened(submissions, users, reports, task=Task.REPORT, report_id="rep-1", tenant="lahore"):
    return open_submission(
        submissions, users, reports, tenant, "alice", "alice", "alice@example.org", ["citizen"], task, report_id
    )


def test_a_citizen_opens_a_pending_submission_for_a_report_and_has_a_profile_from_then_on():
    submissions, users = MemorySubmissions(), MemoryUsers()
    submission = opened(submissions, users, Reports("rep-1"))
    assert (submission.status, submission.task, submission.report_id) == (Status.AWAITING_UPLOAD, "report", "rep-1")
    assert submissions.get("lahore", submission.submission_id) == submission
    assert users.get("lahore", "alice").email == "alice@example.org"
    assert opened(submissions, users, Reports("rep-1")).submission_id != submission.submission_id


def test_a_free_cleanup_names_no_report():
    submission = opened(MemorySubmissions(), MemoryUsers(), Reports(), task=Task.CLEANUP, report_id=None)
    assert (submission.task, submission.report_id) == ("cleanup", None)


@pytest.mark.parametrize(
    ("tenant", "report_id"), [("lahore", "rep-2"), ("karachi", "rep-1")], ids=["unknown", "foreign"]
)
def test_no_submission_is_opened_for_a_report_the_city_does_not_have(tenant, report_id):
    submissions = MemorySubmissions()
    with pytest.raises(NoSuchReport):
        opened(submissions, MemoryUsers(), Reports("rep-1"), report_id=report_id, tenant=tenant)
    assert submissions.submissions == {}


def test_a_citizen_reads_their_own_submission_and_an_admin_any():
    submissions = MemorySubmissions()
    submissions.add(a_submission(user_id="alice"))
    assert read_submission(submissions, "lahore", "sub-1", "alice", reads_any=False).user_id == "alice"
    assert read_submission(submissions, "lahore", "sub-1", "amina", reads_any=True).user_id == "alice"


def test_another_citizens_submission_is_not_found_for_them():
    submissions = MemorySubmissions()
    submissions.add(a_submission(user_id="alice"))
    with pytest.raises(SubmissionNotFound):
        read_submission(submissions, "lahore", "sub-1", "mallory", reads_any=False)
    with pytest.raises(SubmissionNotFound):
        read_submission(submissions, "karachi", "sub-1", "amina", reads_any=True)


def test_a_new_upload_form_is_for_the_owner_and_an_open_slot_only():
    submissions = MemorySubmissions()
    submissions.add(a_submission(status=Status.AWAITING_UPLOAD, photo_versions={"before": "v1"}))
    check_form_renewal(submissions, "lahore", "sub-1", "alice", "after")
    with pytest.raises(SubmissionNotFound):
        check_form_renewal(submissions, "lahore", "sub-1", "amina", "after")
    with pytest.raises(SlotTaken) as taken:
        check_form_renewal(submissions, "lahore", "sub-1", "alice", "before")
    assert taken.value.details == [{"status": "awaiting_upload", "photo": "before", "verified": True}]


def test_a_submissions_duplicates_are_the_matches_of_its_flagged_near_duplicate_signal():
    match = {"photo_key": "uploads/lahore/bob/sub-0/after.jpg", "submission_id": "sub-0", "distance": 3}
    flagged = {"signals": [{"name": "near_duplicate", "flagged": True, "value": {"matches": [match]}}]}
    unflagged = {"signals": [{"name": "near_duplicate", "flagged": False, "value": {"matches": [match]}}]}
    assert a_submission(verdict=flagged).duplicate_matches() == [match]
    assert a_submission(verdict=unflagged).duplicate_matches() == []
    assert a_submission(verdict=None).duplicate_matches() == []
