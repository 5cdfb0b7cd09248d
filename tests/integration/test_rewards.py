"""Approve → mint → notify through `ecopulse local`: rewards reach the citizen's wallet on the real chain,
exactly once, and the ledger agrees with the chain."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from ecopulse.chain.claims import claim_id
from ecopulse.rewards import check_in_reward_id
from tests.integration.citizens import TOKEN, Citizen, ecocoin, reviewed_by_a_human
from tests.integration.photos import clean_scene, littered_scene
from tests.support import wait_until

REVIEWED = "rewards"
AUTOMATIC = "autopilot"
GATHERINGS = "gatherings"


@pytest.fixture(scope="module")
def token(local_system):
    return ecocoin(local_system)


@pytest.fixture(scope="module", autouse=True)
def every_verdict_reviewed_by_a_human(local_system):
    reviewed_by_a_human(local_system, REVIEWED)


def test_an_approved_cleanup_is_minted_to_the_wallet_and_the_ledger_agrees(local_system, token):
    ses = local_system.client("ses")
    emails_before = ses.get_send_quota()["SentLast24Hours"]
    citizen = Citizen.with_wallet(local_system, REVIEWED)
    submission_id = citizen.submit()
    assert citizen.approve(submission_id).status_code == 200

    paid = wait_until(lambda: (s := citizen.submission(submission_id))["mint_tx"] and s, timeout=40)
    assert paid["status"] == "approved" and paid["reward"] == 10
    assert token.functions.balanceOf(citizen.wallet).call() == 10 * TOKEN
    (entry,) = citizen.ledger()
    assert (entry["state"], entry["amount"], entry["tx_hash"]) == ("paid", 10, paid["mint_tx"])
    profile = citizen.me()
    assert (profile["balance_minted"], profile["balance_pending"]) == (10, 0)
    board = citizen.api("GET", "/leaderboard", params={"limit": 100}).json()
    assert [row["points"] for row in board if row["user_id"] == profile["user_id"]] == [10]
    wait_until(lambda: citizen.api("GET", "/analytics/summary", admin=True).json()["counters"]["rewards_minted"] >= 10)
    note = wait_until(lambda: citizen.api("GET", "/me/inbox").json()["items"], timeout=20)[0]
    assert f"10 ECO were sent to {citizen.wallet}" in note["body"]
    assert ses.get_send_quota()["SentLast24Hours"] >= emails_before + 1, "and by email, to the account's address"


def test_a_reward_earned_without_a_wallet_waits_and_is_paid_when_one_is_added(local_system, token):
    citizen = Citizen(local_system, REVIEWED)
    submission_id = citizen.submit()
    citizen.approve(submission_id)
    pending = wait_until(lambda: (e := citizen.ledger()) and e[0], timeout=30)
    assert pending["state"] == "pending" and citizen.me()["balance_pending"] == 10

    citizen.add_wallet()
    wait_until(lambda: citizen.ledger()[0]["state"] == "paid", timeout=40)
    assert token.functions.balanceOf(citizen.wallet).call() == 10 * TOKEN
    assert (citizen.me()["balance_minted"], citizen.me()["balance_pending"]) == (10, 0)


def test_the_same_approval_sent_a_hundred_times_mints_once(local_system, token):
    citizen = Citizen.with_wallet(local_system, REVIEWED)
    submission_id = citizen.submit()
    answers = [citizen.approve(submission_id).status_code for _ in range(100)]
    assert answers.count(200) >= 1 and set(answers) <= {200, 409}
    wait_until(lambda: citizen.submission(submission_id)["mint_tx"], timeout=40)

    queue = local_system.client("sqs")
    url = queue.get_queue_url(QueueName=local_system.output("MintQueueName"))["QueueUrl"]
    body = {"tenant": "lahore", "user_id": citizen.me()["user_id"], "submission_id": submission_id,
            "wallet": citizen.wallet, "amount": 10}  # fmt: skip
    for n in range(100):
        queue.send_message(QueueUrl=url, MessageBody=json.dumps(body), MessageGroupId="minter",
                           MessageDeduplicationId=f"replay-{submission_id}-{n}")  # fmt: skip
    wait_until(lambda: queue.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
               ["ApproximateNumberOfMessages"] == "0", timeout=60)  # fmt: skip
    wait_until(lambda: local_system.async_stats()["in_flight"] == 0)
    assert token.functions.balanceOf(citizen.wallet).call() == 10 * TOKEN
    assert len(citizen.ledger()) == 1 and citizen.me()["balance_minted"] == 10


def test_an_event_check_in_pays_its_bonus_once_in_the_ledger_and_on_chain(local_system, token):
    citizen = Citizen.with_wallet(local_system, GATHERINGS)
    starts_at = datetime.now(UTC) - timedelta(minutes=1)
    created = citizen.api("POST", "/events", admin=True, json={
        "title": "Canal cleanup", "lat": 31.5204, "lng": 74.3587, "capacity": 10, "bonus_points": 7,
        "starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
    })  # fmt: skip
    assert created.status_code == 201, created.text
    event_id = created.json()["event_id"]
    listed = citizen.api("GET", "/events", params={"limit": 100}).json()["items"]
    assert [event["state"] for event in listed if event["event_id"] == event_id] == ["running"]
    assert citizen.api("POST", f"/events/{event_id}/join").status_code == 200

    here = {"lat": 31.5205, "lng": 74.3587}
    answers = [citizen.api("POST", f"/events/{event_id}/check-in", json=here) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert len({answer.json()["checked_in_at"] for answer in answers}) == 1

    reward_id = check_in_reward_id(GATHERINGS, event_id, citizen.me()["user_id"])
    (entry,) = wait_until(lambda: (e := citizen.ledger()) and e[0]["state"] == "paid" and e, timeout=40)
    assert (entry["submission_id"], entry["amount"], entry["reason"]) == (reward_id, 7, "event check-in")
    assert token.functions.claimed(claim_id(reward_id)).call()
    assert token.functions.balanceOf(citizen.wallet).call() == 7 * TOKEN
    assert (citizen.me()["balance_minted"], citizen.me()["balance_pending"]) == (7, 0)


def test_a_rejected_cleanup_pays_nothing_and_says_why(local_system, token):
    citizen = Citizen.with_wallet(local_system, REVIEWED)
    submission_id = citizen.submit()
    rejected = citizen.api(
        "POST", f"/admin/submissions/{submission_id}/decision", admin=True,
        json={"outcome": "rejected", "reason": "the bags are still there"},
    )  # fmt: skip
    assert rejected.status_code == 200
    wait_until(lambda: citizen.submission(submission_id)["status"] == "rejected", timeout=30)
    notes = wait_until(lambda: citizen.api("GET", "/me/inbox").json()["items"], timeout=20)
    assert "the bags are still there" in notes[0]["body"]
    assert citizen.ledger() == [] and token.functions.balanceOf(citizen.wallet).call() == 0


def test_a_photo_still_full_of_litter_is_rejected_with_no_human_and_the_citizen_told_why(local_system):
    citizen = Citizen(local_system, tenant=AUTOMATIC)
    submission_id = citizen.submit(littered_scene(), until="rejected")
    submission = citizen.submission(submission_id)
    assert "verdict" not in submission, "the model's outputs are for admins"
    assert citizen.evidence(submission_id)["verdict"]["model"]["waste_type"] == "organic"
    assert "did not pass verification" in submission["rejection_reason"]
    note = wait_until(lambda: citizen.api("GET", "/me/inbox").json()["items"], timeout=20)[0]
    assert "did not pass verification" in note["body"]


def test_the_same_photo_from_another_account_is_flagged_as_a_duplicate(local_system):
    photo = clean_scene()
    first = Citizen(local_system, tenant="dupes")
    first.submit(photo, until="in_review")
    second = Citizen(local_system, tenant="dupes")
    submission_id = second.submit(photo, until="rejected")
    verdict = second.evidence(submission_id)["verdict"]
    assert "near_duplicate" in verdict["flags"]
    (duplicate,) = [signal for signal in verdict["signals"] if signal["name"] == "near_duplicate"]
    assert duplicate["value"]["matches"][0]["distance"] == 0


def test_the_ledger_reconciles_with_the_chain(local_system):
    """Runs after the payouts above: every reward the ledger calls paid is claimed on chain, and no claim on
    chain is missing from the ledger."""
    completed = subprocess.run(
        [sys.executable, "-m", "ecopulse_local.cli", "local", "--state-dir", str(local_system.state_dir),
         "reconcile", "--tenant", REVIEWED],
        capture_output=True, text=True,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert report["consistent"] and report["paid_and_claimed"] >= 3
    assert report["paid_not_on_chain"] == [] and report["on_chain_not_recorded"] == []


def test_the_scheduled_reconcile_checks_every_rewarded_tenant_and_counts_no_difference(local_system):
    """The function the schedule runs in AWS, invoked as the schedule does, after the payouts above."""
    functions = local_system.client("lambda")
    reconciler = next(
        f["FunctionName"]
        for f in functions.list_functions()["Functions"]
        if f["FunctionName"].endswith("-ReconcileFunction")
    )
    answer = functions.invoke(FunctionName=reconciler, Payload=json.dumps({"detail-type": "Scheduled Event"}))
    assert "FunctionError" not in answer
    report = json.loads(answer["Payload"].read())
    assert (report["differences"], report["consistent"]) == (0, True)
    assert report["paid_and_claimed"] >= 3, "the rewards tenant's payouts are among those checked"
