"""What an approved cleanup earns and what the citizen is told: the tenant's rate, the daily cap, the words."""

from datetime import UTC, datetime

import pytest

from ecopulse.messages import outcome_message
from ecopulse.rewards import leaderboard_periods, rank_key, reward_for
from ecopulse.submissions import Outcome
from ecopulse.tenants import TenantSettings

SETTINGS = TenantSettings(reward_per_task={"cleanup": 10, "report": 2}, daily_reward_cap=25)


@pytest.mark.parametrize(
    ("task", "earned_today", "bonus", "expected"),
    [
        ("cleanup", 0, 0, 10),
        ("report", 0, 0, 2),
        (None, 0, 0, 10),
        ("event", 0, 0, 10),
        ("cleanup", 0, 5, 15),
        ("cleanup", 20, 0, 5),
        ("cleanup", 25, 0, 0),
        ("cleanup", 40, 0, 0),
    ],
    ids=[
        "the task's rate",
        "another task's rate",
        "no task is a cleanup",
        "a task without a rate earns a cleanup's",
        "with an event bonus",
        "capped at what is left today",
        "nothing once the cap is reached",
        "nothing past the cap",
    ],  # fmt: skip
)
def test_a_reward_is_the_tasks_rate_never_past_the_daily_cap(task, earned_today, bonus, expected):
    assert reward_for(task, SETTINGS, earned_today, bonus) == expected


def test_a_reward_counts_on_the_all_time_monthly_and_iso_weekly_boards():
    assert leaderboard_periods(datetime(2027, 1, 2, tzinfo=UTC)) == ["all", "2027-01", "2026-W53"]


def test_rank_keys_sort_as_their_points_do():
    keys = [rank_key(points, "u") for points in (9, 10, 1_000)]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("outcome", "reward", "wallet", "payout", "title", "words"),
    [
        (Outcome.REJECTED, 0, None, None, "Cleanup not approved", "not approved: the bags are still there."),
        (Outcome.APPROVED, 0, "0xabc", None, "Cleanup approved", "reached today's reward limit"),
        (Outcome.APPROVED, 10, "0xabc", "minted", "Cleanup approved", "10 ECO were sent to 0xabc"),
        (Outcome.APPROVED, 10, "0xabc", "already_minted", "Cleanup approved", "10 ECO were sent to 0xabc"),
        (Outcome.APPROVED, 10, None, None, "Cleanup approved", "add a wallet to receive them"),
        (Outcome.APPROVED, 10, "0xabc", None, "Cleanup approved", "once the payout goes through"),
    ],
    ids=["rejected", "over the cap", "minted", "paid before", "no wallet", "payout pending"],
)
def test_the_citizen_is_told_the_decision_and_where_the_reward_is(outcome, reward, wallet, payout, title, words):
    told_title, body = outcome_message(outcome, "the bags are still there", reward, wallet, payout)
    assert told_title == title and words in body
