"""The submissions' ports in memory: the repository, the workflow's task tokens and the label store, for the
decision rules and the routes to be tested in process."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from ecopulse.impact import ImpactEntry
from ecopulse.paging import Page
from ecopulse.rewards import RewardGrant
from ecopulse.submissions import (
    InvalidTransition,
    ReviewDecision,
    Status,
    Submission,
    SubmissionNotFound,
    Task,
    TaskClosed,
    admits_decision,
    sources_for,
)
from ecopulse.users import User, UserNotFound
from ecopulse.verification.reviews import ReviewLabel
from ecopulse.workflow import CLOSED_TASK_CODES

OPENED_AT = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


def a_submission(
    submission_id: str = "sub-1", user_id: str = "alice", status: Status = Status.IN_REVIEW, **fields: Any
) -> Submission:
    """A submission of Lahore's with nothing verified yet; one in review waits on ``token-1``."""
    defaults: dict[str, Any] = {
        "tenant": "lahore", "task": "cleanup", "report_id": None, "photos": {}, "verdict": None,
        "photo_verdicts": {}, "photo_versions": {}, "photo_facts": {}, "rejection_reason": None, "decided_by": None,
        "review_decision": None, "task_token": "token-1" if status is Status.IN_REVIEW else None, "reward": None,
        "mint_tx": None, "created_at": OPENED_AT, "updated_at": OPENED_AT,
    }  # fmt: skip
    return Submission(**(defaults | {"submission_id": submission_id, "user_id": user_id, "status": status} | fields))


class MemorySubmissions:
    """The ``Submissions`` port in memory; its conditional writes are the domain rules applied in place."""

    def __init__(self) -> None:
        self.submissions: dict[tuple[str, str], Submission] = {}
        self.withdrawn: list[ReviewDecision] = []
        self.grants: list[RewardGrant] = []
        self.impacts: list[ImpactEntry] = []

    def add(self, submission: Submission) -> Submission:
        self.submissions[(submission.tenant, submission.submission_id)] = submission
        return submission

    def get(self, tenant: str, submission_id: str) -> Submission:
        try:
            return self.submissions[(tenant, submission_id)]
        except KeyError as error:
            raise SubmissionNotFound(submission_id) from error

    def create_pending(
        self, tenant: str, submission_id: str, user_id: str, task: Task, report_id: str | None, closeout: bool = False
    ) -> Submission:
        opened = a_submission(
            submission_id, user_id, Status.AWAITING_UPLOAD, tenant=tenant, task=task.value, report_id=report_id,
            closeout=closeout,
        )  # fmt: skip
        return self.add(opened)

    def list_by_user(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[Submission]:
        mine = [s for (city, _), s in self.submissions.items() if city == tenant and s.user_id == user_id]
        return Page(mine[:limit], None)

    def review_queue(self, tenant: str, limit: int, cursor: str | None = None) -> Page[Submission]:
        waiting = [s for (city, _), s in self.submissions.items() if city == tenant and s.status is Status.IN_REVIEW]
        return Page(waiting[:limit], None)

    def take_decision(self, tenant: str, submission_id: str, decision: ReviewDecision) -> tuple[Submission, bool]:
        submission = self.get(tenant, submission_id)
        if not admits_decision(submission.status, submission.review_decision, decision.outcome):
            return submission, False
        return self.add(replace(submission, review_decision=decision)), True

    def withdraw_decision(self, tenant: str, submission_id: str, decision: ReviewDecision) -> bool:
        submission = self.get(tenant, submission_id)
        if submission.review_decision != decision:
            return False
        self.add(replace(submission, review_decision=None))
        self.withdrawn.append(decision)
        return True

    def decide(
        self,
        tenant: str,
        submission_id: str,
        target: Status,
        reason: str,
        reviewer: str,
        grant: RewardGrant | None = None,
        impact: ImpactEntry | None = None,
    ) -> Submission:
        submission = self.get(tenant, submission_id)
        if submission.status is target:
            return submission
        if submission.status not in sources_for(target):
            raise InvalidTransition(f"{submission_id} is {submission.status}")
        if grant is not None:
            self.grants.append(grant)
        if impact is not None:
            self.impacts.append(impact)
        decided = replace(
            submission,
            status=target,
            decided_by=reviewer,
            rejection_reason=reason if target is Status.REJECTED else None,
            task_token=None,
            reward=float(grant.amount) if grant else submission.reward,
        )
        return self.add(decided)


class MemoryTaskTokens:
    """The workflow's waiting steps: what was sent to them, or the refusal Step Functions would answer."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, object]] = []
        self.refusal: str | None = None

    def _send(self, kind: str, token: str, payload: object) -> None:
        if self.refusal in CLOSED_TASK_CODES:
            raise TaskClosed(self.refusal)
        if self.refusal:
            raise ClientError({"Error": {"Code": self.refusal, "Message": "no"}}, kind)
        self.sent.append((kind, token, payload))

    def resume(self, task_token: str, output: dict[str, Any]) -> None:
        self._send("success", task_token, output)

    def fail(self, task_token: str, error: str, cause: str) -> None:
        self._send("failure", task_token, (error, cause))


class MemoryLabels:
    def __init__(self) -> None:
        self.recorded: dict[tuple[str, str], ReviewLabel] = {}

    def record(self, tenant: str, label: ReviewLabel) -> bool:
        if (tenant, label.submission_id) in self.recorded:
            return False
        self.recorded[(tenant, label.submission_id)] = label
        return True


class MemoryUsers:
    """The ``Users`` port for the submissions' rules: profiles made on first contact, and read."""

    def __init__(self) -> None:
        self.users: dict[tuple[str, str], User] = {}

    def ensure(self, tenant: str, user_id: str, username: str, email: str | None, groups: Sequence[str]) -> User:
        profile = User(user_id, username, tenant, email, None, tuple(groups), True, None, 0, 0.0, 0.0)
        return self.users.setdefault((tenant, user_id), profile)

    def get(self, tenant: str, user_id: str) -> User:
        try:
            return self.users[(tenant, user_id)]
        except KeyError as error:
            raise UserNotFound(user_id) from error
