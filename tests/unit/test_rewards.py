"""What an approved cleanup earns and what the citizen is told: the tenant's rate, the daily cap, the words."""

import uuid
from datetime import UTC, datetime

import pytest

from ecopulse.messages import outcome_message
from ecopulse.rewards import check_in_reward_id, event_bonus_for, leaderboard_periods, rank_key, reward_for
from ecopulse.submissions import Outcome
from ecopulse.tenants import TenantSettings

SETTINGS = TenantSettings(reward_per_task={"cleanup": 10, "report": 2}, daily_reward_cap=25)


@pytest.mark.parametrize(
    ("task", "earned_today", "expected"),
    [
        ("cleanup", 0, 10),
        ("report", 0, 2),
        (None, 0, 10),
        ("event", 0, 10),
        ("cleanup", 20, 5),
        ("cleanup", 25, 0),
        ("cleanup", 40, 0),
    ],
    ids=[
        "the task's rate",
        "another task's rate",
        "no task is a cleanup",
        "a task without a rate earns a cleanup's",
        "capped at what is left today",
        "nothing once the cap is reached",
        "nothing past the cap",
    ],  # fmt: skip
)
def test_a_reward_is_the_tasks_rate_never_past_the_daily_cap(task, earned_today, expected):
    assert reward_for(task, SETTINGS, earned_today) == expected


@pytest.mark.parametrize(("earned_today", "expected"), [(0, 15), (20, 5), (25, 0)])
def test_an_event_bonus_is_paid_under_the_same_daily_cap(earned_today, expected):
    assert event_bonus_for(15, SETTINGS, earned_today) == expected


def test_a_check_in_names_the_same_reward_every_time_and_another_attendance_another():
    first = check_in_reward_id("lahore", "event-1", "alice")
    assert first == check_in_reward_id("lahore", "event-1", "alice")
    assert str(uuid.UUID(first)) == first
    others = {
        check_in_reward_id(*names)
        for names in [("karachi", "event-1", "alice"), ("lahore", "event-2", "alice"), ("lahore", "event-1", "bob")]
    }
    assert first not in others and len(others) == 3


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
