"""Which admin decision on a submission is taken, and what it leaves behind as a label."""

import base64
from datetime import UTC, datetime

import pytest

from ecopulse.submissions import DecisionConflict, Outcome, ReviewDecision, Status, admits_decision, review_label

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
