"""What a verified cleanup earns: the tenant's rate for the task, an event bonus, and a daily cap per
citizen so nobody farms rewards with a flood of small submissions."""

from dataclasses import dataclass
from datetime import datetime

from ecopulse.submissions import Task
from ecopulse.tenants import TenantSettings


def reward_for(task: str | None, settings: TenantSettings, earned_today: int, event_bonus: int = 0) -> int:
    """Tokens for one approved submission, never taking the citizen past the daily cap.

    A submission without a task, or with one the tenant sets no rate for, earns the cleanup rate."""
    rates = settings.reward_per_task
    cleanup_rate = rates.get(Task.CLEANUP, 0)
    base = rates.get(Task(task), cleanup_rate) if task is not None and task in Task else cleanup_rate
    room = max(settings.daily_reward_cap - earned_today, 0)
    return min(base + event_bonus, room)


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
