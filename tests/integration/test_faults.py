"""Faults injected into the running system (ecopulse_local.faults): the chain down, slow or throttled, handlers
failing mid-pipeline, DynamoDB and the other AWS services throttling. Every run ends with each reward paid once
or visibly waiting for its retry, never lost, and the ledger reconciles with the chain."""

import json
import subprocess
import sys

import httpx
import pytest

from tests.integration.citizens import TOKEN, Citizen, ecocoin, reviewed_by_a_human
from tests.integration.photos import ambiguous_scene
from tests.support import wait_until

pytestmark = pytest.mark.slow
TENANT = "faults"
REWARD = 10


class Faults:
    def __init__(self, system) -> None:
        self.url = system.dashboard + "/local-runtime/faults"

    def inject(self, **fault) -> str:
        answer = httpx.post(self.url, json=[fault])
        assert answer.status_code == 200, answer.text
        return answer.json()[-1]["id"]

    def hits(self, fault_id: str) -> int:
        return next(fault["hits"] for fault in httpx.get(self.url).json() if fault["id"] == fault_id)

    def clear(self) -> None:
        httpx.delete(self.url)


@pytest.fixture(scope="module")
def token(local_system):
    reviewed_by_a_human(local_system, TENANT)
    return ecocoin(local_system)


@pytest.fixture
def faults(local_system):
    injected = Faults(local_system)
    yield injected
    injected.clear()


@pytest.fixture
def citizen(local_system) -> Citizen:
    return Citizen.with_wallet(local_system, TENANT)


def reconcile(system) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "ecopulse_local.cli", "local", "--state-dir", str(system.state_dir),
         "reconcile", "--tenant", TENANT],
        capture_output=True, text=True,
    )  # fmt: skip
    report = json.loads(completed.stdout)
    assert (completed.returncode == 0) == report["consistent"]
    return report


def paid_once(citizen: Citizen, token, submission_id: str) -> dict:
    """Waits for the payout, then checks there is exactly one: one ledger line, one claim's worth on chain."""
    paid = wait_until(lambda: (s := citizen.submission(submission_id))["mint_tx"] and s, timeout=90)
    wait_until(lambda: citizen.system.async_stats()["in_flight"] == 0, timeout=30)
    (line,) = citizen.ledger()
    assert (line["state"], line["amount"], line["tx_hash"]) == ("paid", REWARD, paid["mint_tx"])
    assert token.functions.balanceOf(citizen.wallet).call() == REWARD * TOKEN
    assert citizen.me()["balance_minted"] == REWARD
    return paid


def test_the_chain_down_leaves_the_reward_visibly_waiting_then_paid_once_when_it_returns(
    local_system, token, faults, citizen
):
    down = faults.inject(function="MintFunction", target="chain", effect="unavailable")
    submission_id = citizen.submit(ambiguous_scene())
    assert citizen.approve(submission_id).status_code == 200
    wait_until(lambda: faults.hits(down) >= 3, timeout=60)

    (waiting,) = citizen.ledger()
    assert waiting["state"] != "paid" and waiting["tx_hash"] is None
    assert citizen.submission(submission_id)["mint_tx"] is None
    assert token.functions.balanceOf(citizen.wallet).call() == 0
    during = reconcile(local_system)
    assert during["consistent"] and submission_id in during["unpaid"]

    faults.clear()
    paid_once(citizen, token, submission_id)
    after = reconcile(local_system)
    assert after["consistent"] and submission_id not in after["unpaid"]


def test_a_slow_chain_still_pays_once(local_system, token, faults, citizen):
    slow = faults.inject(function="MintFunction", target="chain", effect="delay", delay_seconds=0.5, count=20)
    submission_id = citizen.submit(ambiguous_scene())
    citizen.approve(submission_id)
    paid_once(citizen, token, submission_id)
    assert faults.hits(slow) >= 1


def test_a_chain_node_throttling_the_broadcast_still_pays_once(local_system, token, faults, citizen):
    throttled = faults.inject(
        function="MintFunction", target="chain", effect="throttle", operation="eth_sendRawTransaction", count=2
    )
    submission_id = citizen.submit(ambiguous_scene())
    citizen.approve(submission_id)
    paid_once(citizen, token, submission_id)
    assert faults.hits(throttled) == 2


def test_the_workflow_answer_failing_after_the_mint_does_not_mint_again(local_system, token, faults, citizen, pipeline):
    """The chain has the payout but Step Functions never hears of it: the message comes back, and the minter
    finds the claim paid instead of paying it twice."""
    lost = faults.inject(function="MintFunction", target="aws", effect="error", operation="SendTaskSuccess", count=6)
    submission_id = citizen.submit(ambiguous_scene())
    citizen.approve(submission_id)
    wait_until(lambda: faults.hits(lost) == 6, timeout=60)
    assert pipeline.finished(submission_id, timeout=60)["status"] == "SUCCEEDED"
    paid_once(citizen, token, submission_id)


@pytest.mark.parametrize("function", ["RecordDecisionFunction", "NotifyFunction"])
def test_a_step_failing_twice_is_retried_by_the_workflow_and_does_its_work_once(
    local_system, token, faults, citizen, function
):
    failing = faults.inject(function=function, target="invocation", effect="error", count=2)
    submission_id = citizen.submit(ambiguous_scene())
    citizen.approve(submission_id)
    paid_once(citizen, token, submission_id)
    wait_until(lambda: citizen.api("GET", "/me/inbox").json()["items"], timeout=30)
    assert len(citizen.api("GET", "/me/inbox").json()["items"]) == 1
    assert faults.hits(failing) == 2


def test_notify_failing_after_the_inbox_write_tells_the_citizen_once(local_system, token, faults, citizen, pipeline):
    """The inbox message is written, then the push (SNS) fails past botocore's retries: the workflow runs the
    step again, and the citizen still finds one message."""
    push_down = faults.inject(function="NotifyFunction", target="aws", effect="error", operation="Publish", count=6)
    submission_id = citizen.submit(ambiguous_scene())
    citizen.approve(submission_id)
    paid_once(citizen, token, submission_id)
    wait_until(lambda: faults.hits(push_down) == 6, timeout=30)
    assert pipeline.finished(submission_id, timeout=60)["status"] == "SUCCEEDED"
    assert len(citizen.api("GET", "/me/inbox").json()["items"]) == 1


def test_dynamodb_throttling_the_verification_is_retried_and_verifies_once(local_system, token, faults, citizen):
    throttled = faults.inject(function="VerifyUploadFunction", target="dynamodb", effect="throttle", count=3)
    submission_id = citizen.submit(ambiguous_scene())
    submission = citizen.evidence(submission_id)
    assert submission["status"] == "in_review" and submission["verdict"]["confidence"] is not None
    assert faults.hits(throttled) == 3
    citizen.approve(submission_id)
    paid_once(citizen, token, submission_id)


def test_a_throttled_workflow_api_answers_503_and_keeps_the_review_open_until_it_passes(
    local_system, token, faults, citizen
):
    submission_id = citizen.submit(ambiguous_scene())
    throttled = faults.inject(function="AdminApiFunction", target="aws", effect="throttle", operation="SendTaskSuccess")
    refused = citizen.approve(submission_id)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "service_busy"
    assert refused.headers["retry-after"] == "1"
    assert citizen.submission(submission_id)["status"] == "in_review"
    assert faults.hits(throttled) >= 1
    faults.clear()
    assert citizen.approve(submission_id).status_code == 200
    paid_once(citizen, token, submission_id)
