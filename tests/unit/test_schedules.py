"""The local runtime runs the template's rate schedules, invoking their targets as EventBridge does, and says
which schedules it does not run."""

import copy
import json
import threading
from pathlib import Path

import pytest

from ecopulse_local.event_sources import ScheduledRule, Scheduler, rate_seconds, schedules
from ecopulse_local.template import load_stack
from tests.support import LOCAL_CHAIN_PARAMETERS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack():
    return load_stack(ROOT / "template.yaml", {"Stage": "local", **LOCAL_CHAIN_PARAMETERS})


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 day)", 86400), ("rate(5 minutes)", 300), ("rate(1 minute)", 60), ("rate(2 hours)", 7200)],
)
def test_rate_expressions_give_their_period(expression, seconds):
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["cron(15 3 * * ? *)", "rate(0.5 days)", "rate(1 week)", "rate 1 day"])
def test_other_expressions_are_not_rates(expression):
    assert rate_seconds(expression) is None


def test_the_daily_training_is_scheduled_with_its_function_as_target(stack):
    rules, not_run = schedules(stack)
    (rule,) = [rule for rule in rules if rule.logical_id == "TrainVerifierFunctionDaily"]
    assert rule.period_seconds == 86400
    assert rule.targets == (
        ("arn:aws:lambda:us-east-1:123456789012:function:ecopulse-local-TrainVerifierFunction:live", None),
    )
    assert rule.arn == "arn:aws:events:us-east-1:123456789012:rule/ecopulse-local-TrainVerifierFunctionDaily"
    assert not_run == {}


def test_a_cron_schedule_is_listed_as_not_run_and_a_disabled_one_is_skipped(stack):
    changed = copy.deepcopy(stack)
    changed.resources["TrainVerifierFunctionDaily"]["Properties"]["ScheduleExpression"] = "cron(15 3 * * ? *)"
    rules, not_run = schedules(changed)
    assert "TrainVerifierFunctionDaily" not in {rule.logical_id for rule in rules}
    assert "cron(15 3 * * ? *)" in not_run["TrainVerifierFunctionDaily"]
    changed.resources["TrainVerifierFunctionDaily"]["Properties"]["State"] = "DISABLED"
    rules, not_run = schedules(changed)
    assert "TrainVerifierFunctionDaily" not in {rule.logical_id for rule in rules} | set(not_run)


def test_the_reconcile_runs_locally_every_six_hours_as_in_aws(stack):
    rules, _ = schedules(stack)
    (rule,) = [rule for rule in rules if rule.logical_id == "ReconcileFunctionEverySixHours"]
    assert rule.period_seconds == 6 * 3600
    assert rule.targets == (
        ("arn:aws:lambda:us-east-1:123456789012:function:ecopulse-local-ReconcileFunction:live", None),
    )


def test_the_is_it_fixed_question_runs_locally_once_a_day_as_in_aws(stack):
    rules, _ = schedules(stack)
    (rule,) = [rule for rule in rules if rule.logical_id == "AskIfFixedFunctionDaily"]
    assert rule.period_seconds == 86400
    assert rule.targets == (
        ("arn:aws:lambda:us-east-1:123456789012:function:ecopulse-local-AskIfFixedFunction:live", None),
    )


class RecordingFunctions:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.done = threading.Semaphore(0)

    def invoke_async(self, name_or_arn: str, event: dict) -> None:
        self.calls.append((name_or_arn, event))
        self.done.release()


def test_a_schedule_fires_every_period_with_eventbridges_event():
    rule = ScheduledRule("Tick", "arn:aws:events:us-east-1:123456789012:rule/tick", 0.05, (("fn-arn", None),))
    functions = RecordingFunctions()
    scheduler = Scheduler(rule, functions, "us-east-1")
    scheduler.start()
    try:
        assert functions.done.acquire(timeout=10) and functions.done.acquire(timeout=10)
    finally:
        scheduler.stop()
    target, event = functions.calls[0]
    assert target == "fn-arn"
    assert (event["detail-type"], event["source"], event["resources"], event["detail"]) == (
        "Scheduled Event",
        "aws.events",
        [rule.arn],
        {},
    )
    assert event["account"] == "123456789012" and event["region"] == "us-east-1"


def test_a_target_with_a_fixed_input_gets_that_input():
    rule = ScheduledRule("Tick", "arn:aws:events:us-east-1:1:rule/t", 3600, (("fn", json.dumps({"tenants": ["x"]})),))
    functions = RecordingFunctions()
    Scheduler(rule, functions, "us-east-1").fire()
    assert functions.calls == [("fn", {"tenants": ["x"]})]
