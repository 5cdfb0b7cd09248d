"""What a verified cleanup earns: the tenant's rate for the task, and a daily cap per citizen so nobody farms
rewards with a flood of small submissions; what checking in to an event earns (its bonus, under the same cap);
and the workflow's record of a decision, which grants it."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ecopulse.fleet import Fleet
from ecopulse.impact import ImpactEntry, impact_of
from ecopulse.jobs import resolve_cleared_report
from ecopulse.reports import Reports
from ecopulse.submissions import Decision, InvalidTransition, Outcome, Status, Submission, Task, sources_for, status_for
from ecopulse.tenants import CategoryNotFound, Tenants, TenantSettings
from ecopulse.users import User, Users


def reward_for(task: str | None, settings: TenantSettings, earned_today: int, category: str | None = None) -> int:
    """Tokens for one approved submission, never taking the citizen past the daily cap.

    Clearing a report earns its category's rate where the city set one (``category`` is the report's
    ``waste_type``), else the tenant's rate for the task. A submission without a task, or with one the tenant sets
    no rate for, earns the cleanup rate."""
    rates = settings.reward_per_task
    cleanup_rate = rates.get(Task.CLEANUP, 0)
    base = rates.get(Task(task), cleanup_rate) if task is not None and task in Task else cleanup_rate
    if task == Task.REPORT and category is not None:
        try:
            category_rate = settings.category(category).reward
        except CategoryNotFound:
            category_rate = None
        base = base if category_rate is None else category_rate
    return _under_cap(base, settings, earned_today)


def earns_reward(submission: Submission, citizen: User) -> bool:
    """Whether approving ``submission`` pays its citizen. An account the city disabled earns nothing, and neither
    does a driver's close-out of a dispatched job (``ecopulse.jobs``): that is the city's paid work, not a
    citizen's."""
    return citizen.active and not submission.closeout


def event_bonus_for(bonus_points: int, settings: TenantSettings, earned_today: int) -> int:
    """Tokens for checking in to an event: its bonus, under the same daily cap as cleanups."""
    return _under_cap(bonus_points, settings, earned_today)


def _under_cap(amount: int, settings: TenantSettings, earned_today: int) -> int:
    return min(amount, max(settings.daily_reward_cap - earned_today, 0))


CHECK_IN_REWARDS = uuid.UUID("5f0c1d2e-7a43-4b8e-9c61-0e2b6a9d4f17")
"""The namespace of check-in reward ids."""


def check_in_reward_id(tenant: str, event_id: str, user_id: str) -> str:
    """The ledger key and chain claim id of an attendee's check-in bonus: a UUID (as claims need) derived from the
    attendance, so every retry of the check-in names the same reward, which the ledger and the chain take once."""
    return str(uuid.uuid5(CHECK_IN_REWARDS, f"{tenant}/{event_id}/{user_id}"))


def leaderboard_periods(moment: datetime) -> list[str]:
    """Every board a reward counts on: all time, its month and its ISO week."""
    year, week, _ = moment.isocalendar()
    return ["all", moment.strftime("%Y-%m"), f"{year}-W{week:02d}"]


def rank_key(points: int, user_id: str) -> str:
    """Sorts by points as text: zero-padded, so the index orders numbers correctly."""
    return f"{points:012d}#{user_id}"


@dataclass(frozen=True)
class LedgerLine:
    tenant: str
    user_id: str
    submission_id: str
    amount: int
    state: str
    tx_hash: str | None


@dataclass(frozen=True)
class RewardGrant:
    """An approval's reward, sized against the daily cap as read just before the write."""

    tenant: str
    user_id: str
    submission_id: str
    amount: int
    earned_today: int
    daily_cap: int
    wallet: str | None
    name: str
    standings: dict[str, int | None]
    """The citizen's points on each board of the moment as read, None where not ranked yet."""


class RewardPlanner(Protocol):
    def plan(self, submission: Submission, settings: TenantSettings, now: datetime) -> RewardGrant | None:
        """The grant for approving ``submission`` now, or None when the cap leaves nothing to earn today."""
        ...


class DecidedSubmissions(Protocol):
    def get(self, tenant: str, submission_id: str) -> Submission: ...

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
        """Moves the submission to ``target`` once, an approval's grant and its impact entry written with it; a
        submission that is ``target`` already is returned as it is."""
        ...


MINT_GROUPS_PER_TENANT = 10
"""Message groups of a tenant in the mint queue. FIFO hands out ten messages of a group at a time, and none more
until they are deleted: ten groups let one transaction pay up to a hundred of a city's claims."""


def mint_group(tenant: str, submission_id: str) -> str:
    """The mint queue's message group of a submission's reward: always the same for a submission, so that a
    repeat follows the first, and never shared with another tenant, so that no city waits behind another."""
    shard = int.from_bytes(hashlib.sha256(submission_id.encode()).digest()[:4]) % MINT_GROUPS_PER_TENANT
    return f"{tenant}#{shard}"


@dataclass(frozen=True)
class RecordedDecision:
    status: Status
    reward: int
    wallet: str | None
    """Where the reward is paid; None leaves it waiting as a pending balance."""
    mint_group: str
    """The mint queue's message group for the reward (mint_group)."""


def record_decision(
    submissions: DecidedSubmissions,
    rewards: RewardPlanner,
    tenants: Tenants,
    users: Users,
    reports: Reports,
    fleet: Fleet,
    tenant: str,
    submission_id: str,
    decision: Decision,
    now: datetime,
) -> RecordedDecision:
    """Approves (with its reward) or rejects a submission, only from a status that allows it. The workflow may
    run this again: a submission decided so already is answered as it is, with no second reward. An account the
    city disabled meanwhile earns nothing: its cleanup is approved without a reward, and so is a driver's
    close-out (``earns_reward``). An approval adds the cleanup's verified impact to the city's impact ledger, with
    or without a reward, and resolves the report the cleanup cleared (``jobs.resolve_cleared_report``, once: run
    again, it finds the report resolved by this cleanup)."""
    submission = submissions.get(tenant, submission_id)
    target = status_for(decision.outcome)
    if submission.status is not target and submission.status not in sources_for(target):
        raise InvalidTransition(f"submission {submission_id} is {submission.status}, cannot become {target}")
    citizen = users.get(tenant, submission.user_id)
    grant, impact = None, None
    if decision.outcome is Outcome.APPROVED and submission.status is not Status.APPROVED:
        settings = tenants.settings(tenant)
        impact = impact_of(submission, settings.impact_kg_per_category, settings.zone_list(), now)
        if earns_reward(submission, citizen):
            grant = rewards.plan(submission, settings, now)
    decided = submissions.decide(tenant, submission_id, target, decision.reason, decision.reviewer, grant, impact)
    resolve_cleared_report(reports, fleet, decided, decision.reviewer)
    reward, group = int(decided.reward or 0), mint_group(tenant, submission_id)
    return RecordedDecision(decided.status, reward, citizen.wallet_address, group)
