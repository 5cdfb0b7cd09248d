"""How a submission is decided, in process: an admin's decision taken and handed to the waiting workflow, and
the workflow's record of the outcome with the reward an approval earns; every port in memory."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from ecopulse.rewards import RewardGrant, record_decision, reward_for
from ecopulse.submissions import (
    Decision,
    DecisionConflict,
    InvalidTransition,
    Outcome,
    ReviewClosed,
    Status,
    Submission,
    SubmissionNotFound,
    decide_review,
)
from ecopulse.tenants import TenantSettings
from tests.unit.submission_fakes import MemoryLabels, MemorySubmissions, MemoryTaskTokens, MemoryUsers, a_submission
from tests.unit.test_fleet import MemoryFleet
from tests.unit.test_reports import MemoryReports

NOW = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
VERDICT = {"decision": "review", "features": {"gps_km": 0.1, "waste_drop": 0.61}}


@pytest.fixture
def submissions() -> MemorySubmissions:
    submissions = MemorySubmissions()
    submissions.add(a_submission(verdict=VERDICT))
    return submissions


@pytest.fixture
def tokens() -> MemoryTaskTokens:
    return MemoryTaskTokens()


@pytest.fixture
def labels() -> MemoryLabels:
    return MemoryLabels()


def decided(submissions, tokens, labels, outcome: Outcome, reviewer: str = "amina") -> Submission:
    return decide_review(submissions, tokens, labels, "lahore", "sub-1", outcome, f"{reviewer} looked", reviewer)


def test_an_approval_resumes_the_waiting_workflow_and_becomes_a_label(submissions, tokens, labels):
    submission = decided(submissions, tokens, labels, Outcome.APPROVED)
    assert (submission.review_decision.outcome, submission.review_decision.reviewer) == (Outcome.APPROVED, "amina")
    assert tokens.sent == [
        ("success", "token-1", {"outcome": "approved", "reason": "amina looked", "reviewer": "amina"})
    ]
    label = labels.recorded[("lahore", "sub-1")]
    assert label.approved and label.features == VERDICT["features"]


def test_a_rejection_fails_the_waiting_task_with_the_reviewers_reason(submissions, tokens, labels):
    decided(submissions, tokens, labels, Outcome.REJECTED)
    assert tokens.sent == [("failure", "token-1", ("ReviewRejected", "amina looked"))]
    assert not labels.recorded[("lahore", "sub-1")].approved


def test_the_same_outcome_again_is_answered_with_the_first_decision_and_sent_once(submissions, tokens, labels):
    decided(submissions, tokens, labels, Outcome.APPROVED)
    again = decided(submissions, tokens, labels, Outcome.APPROVED, reviewer="omar")
    assert again.review_decision.reviewer == "amina"
    assert len(tokens.sent) == 1 and len(labels.recorded) == 1


def test_another_outcome_after_a_decision_conflicts_and_changes_nothing(submissions, tokens, labels):
    decided(submissions, tokens, labels, Outcome.APPROVED)
    with pytest.raises(DecisionConflict) as refused:
        decided(submissions, tokens, labels, Outcome.REJECTED, reviewer="omar")
    assert refused.value.taken.reviewer == "amina"
    assert len(tokens.sent) == 1 and labels.recorded[("lahore", "sub-1")].approved


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_a_review_the_workflow_no_longer_waits_on_is_closed_and_the_decision_withdrawn(
    submissions, tokens, labels, code
):
    tokens.refusal = code
    with pytest.raises(ReviewClosed):
        decided(submissions, tokens, labels, Outcome.APPROVED)
    assert [decision.reviewer for decision in submissions.withdrawn] == ["amina"]
    assert submissions.get("lahore", "sub-1").review_decision is None and labels.recorded == {}


def test_a_review_waiting_on_no_token_is_closed_and_the_decision_withdrawn(submissions, tokens, labels):
    submissions.add(replace(submissions.get("lahore", "sub-1"), task_token=None))
    with pytest.raises(ReviewClosed):
        decided(submissions, tokens, labels, Outcome.REJECTED)
    assert submissions.get("lahore", "sub-1").review_decision is None and tokens.sent == []


def test_a_decision_the_workflow_could_not_be_told_of_is_withdrawn_and_taken_on_a_retry(submissions, tokens, labels):
    tokens.refusal = "InternalError"
    with pytest.raises(ClientError):
        decided(submissions, tokens, labels, Outcome.APPROVED)
    assert submissions.get("lahore", "sub-1").review_decision is None and labels.recorded == {}
    tokens.refusal = None
    assert decided(submissions, tokens, labels, Outcome.APPROVED).review_decision.reviewer == "amina"
    assert len(tokens.sent) == 1


def test_a_decision_on_another_citys_submission_finds_none(submissions, tokens, labels):
    with pytest.raises(SubmissionNotFound):
        decide_review(submissions, tokens, labels, "karachi", "sub-1", Outcome.APPROVED, "looked", "amina")
    assert tokens.sent == [] and labels.recorded == {}


class EarnsTheTasksRate:
    """Reward planning against an allowance the citizen has ``earned_today`` already."""

    def __init__(self, earned_today: int = 0) -> None:
        self.earned_today = earned_today

    def plan(self, submission: Submission, settings: TenantSettings, now: datetime) -> RewardGrant | None:
        amount = reward_for(submission.task, settings, self.earned_today)
        if amount <= 0:
            return None
        return RewardGrant(
            submission.tenant, submission.user_id, submission.submission_id, amount, self.earned_today,
            settings.daily_reward_cap, None, submission.user_id, {"all": None},
        )  # fmt: skip


class DefaultSettings:
    def settings(self, tenant: str) -> TenantSettings:
        return TenantSettings()

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings:
        return settings


@pytest.fixture
def users() -> MemoryUsers:
    users = MemoryUsers()
    users.ensure("lahore", "alice", "alice", None, ["citizen"])
    return users


def recorded(submissions, users, outcome: Outcome, rewards=None):
    decision = Decision(outcome=outcome, reason="clean", reviewer="model")
    rewards = rewards or EarnsTheTasksRate()
    return record_decision(
        submissions, rewards, DefaultSettings(), users, MemoryReports(), MemoryFleet(), "lahore", "sub-1", decision, NOW
    )


def test_an_approval_is_recorded_with_the_tasks_reward_and_where_to_pay_it(submissions, users):
    users.users[("lahore", "alice")] = replace(users.get("lahore", "alice"), wallet_address="0xA11CE")
    result = recorded(submissions, users, Outcome.APPROVED)
    assert (result.status, result.reward, result.wallet) == (Status.APPROVED, 10, "0xA11CE")
    assert submissions.get("lahore", "sub-1").status is Status.APPROVED
    assert [grant.amount for grant in submissions.grants] == [10]


def test_an_approval_run_again_by_the_workflow_grants_no_second_reward(submissions, users):
    recorded(submissions, users, Outcome.APPROVED)
    again = recorded(submissions, users, Outcome.APPROVED)
    assert (again.status, again.reward, again.wallet) == (Status.APPROVED, 10, None)
    assert len(submissions.grants) == 1


def test_an_approval_past_the_daily_cap_is_recorded_with_no_reward(submissions, users):
    result = recorded(submissions, users, Outcome.APPROVED, EarnsTheTasksRate(earned_today=100))
    assert (result.status, result.reward) == (Status.APPROVED, 0)
    assert submissions.grants == []


def test_an_approval_for_an_account_disabled_meanwhile_earns_nothing(submissions, users):
    users.users[("lahore", "alice")] = replace(users.get("lahore", "alice"), active=False)
    result = recorded(submissions, users, Outcome.APPROVED)
    assert (result.status, result.reward) == (Status.APPROVED, 0)
    assert submissions.grants == []


def test_a_rejection_is_recorded_with_its_reason_and_no_reward(submissions, users):
    result = recorded(submissions, users, Outcome.REJECTED)
    assert (result.status, result.reward) == (Status.REJECTED, 0)
    assert submissions.get("lahore", "sub-1").rejection_reason == "clean" and submissions.grants == []


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (Status.AWAITING_UPLOAD, Outcome.APPROVED),
        (Status.REJECTED, Outcome.APPROVED),
        (Status.APPROVED, Outcome.REJECTED),
    ],
)
def test_a_submission_whose_status_does_not_allow_the_outcome_is_refused_unrewarded(
    submissions, users, status, outcome
):
    submissions.add(replace(submissions.get("lahore", "sub-1"), status=status))
    with pytest.raises(InvalidTransition):
        recorded(submissions, users, outcome)
    assert submissions.get("lahore", "sub-1").status is status and submissions.grants == []


def test_an_approval_adds_the_cleanups_verified_impact_once(submissions, users):
    recorded(submissions, users, Outcome.APPROVED)
    recorded(submissions, users, Outcome.APPROVED)
    [impact] = submissions.impacts
    assert (impact.submission_id, impact.category, impact.kilograms, impact.verified_at) == ("sub-1", "mixed", 2.5, NOW)


def test_an_approval_for_a_disabled_account_still_adds_its_impact(submissions, users):
    users.users[("lahore", "alice")] = replace(users.get("lahore", "alice"), active=False)
    recorded(submissions, users, Outcome.APPROVED)
    assert submissions.grants == [] and [impact.submission_id for impact in submissions.impacts] == ["sub-1"]


def test_a_rejection_adds_no_impact(submissions, users):
    recorded(submissions, users, Outcome.REJECTED)
    assert submissions.impacts == []
