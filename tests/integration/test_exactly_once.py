"""Exactly once, under the deliveries and races a real deployment sees: S3 delivering the same event a thousand
times while the first is still running, admins approving one submission at the same moment, citizens racing
for the last places of an event or voting on one report together. One verdict, one ledger line, one mint."""

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.integration.citizens import TOKEN, Citizen, ecocoin, reviewed_by_a_human
from tests.integration.photos import LAHORE, ambiguous_scene
from tests.support import wait_until

pytestmark = pytest.mark.slow
TENANT = "once"
REWARD = 10
DELIVERIES = 1000
EVENT_TEMPLATE = Path(__file__).resolve().parents[2] / "events" / "s3-photo-uploaded.json"


@pytest.fixture(scope="module")
def token(local_system):
    """Reviews here outlast the test runtime's short review timeout, so an overdue one keeps waiting."""
    reviewed_by_a_human(local_system, TENANT, review_timeout_action="wait")
    return ecocoin(local_system)


@pytest.fixture
def citizen(local_system) -> Citizen:
    return Citizen.with_wallet(local_system, TENANT)


def s3_event(bucket: str, key: str, size: int, etag: str) -> dict:
    """The notification S3 sends for one new object, from the sample in events/."""
    event = json.loads(EVENT_TEMPLATE.read_text())
    (record,) = event["Records"]
    record["eventTime"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    record["s3"]["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["s3"]["object"].update(key=key, size=size, eTag=etag)
    return event


def approve_until_decided(citizen: Citizen, submission_id: str) -> None:
    """Approves as an admin does who still sees the submission in the queue: a review that timed out and went
    back to waiting at that moment has a new task token, and an approval sent to the old one changed nothing."""

    def decided() -> bool:
        if citizen.submission(submission_id)["status"] != "in_review":
            return True
        assert citizen.approve(submission_id).status_code in (200, 409)
        return False

    wait_until(decided, timeout=90, interval=3)


def test_the_same_s3_event_delivered_a_thousand_times_verifies_and_pays_once(local_system, token, citizen, pipeline):
    opened = citizen.api("POST", "/submissions", json={"task": "cleanup"}).json()
    submission_id = opened["submission"]["submission_id"]
    key = opened["uploads"]["after"]["fields"]["key"]
    bucket = local_system.output("UploadsBucketName")
    s3, functions = local_system.client("s3"), local_system.client("lambda")
    verify = next(f["FunctionName"] for f in functions.list_functions()["Functions"]
                  if f["FunctionName"].endswith("VerifyUploadFunction"))  # fmt: skip
    before = local_system.async_stats()

    written = s3.put_object(Bucket=bucket, Key=key, Body=ambiguous_scene(), ContentType="image/jpeg")
    event = json.dumps(s3_event(bucket, key, len(ambiguous_scene()), written["ETag"].strip('"')))

    def deliver(_: int) -> int:
        return functions.invoke(FunctionName=verify, InvocationType="Event", Payload=event)["StatusCode"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(deliver, range(DELIVERIES)))
    assert answers == [202] * DELIVERIES
    settled = wait_until(
        lambda: (
            (s := local_system.async_stats())["in_flight"] == 0
            and s["queued"] >= before["queued"] + DELIVERIES + 1
            and s
        ),
        timeout=300,
        interval=0.5,
    )
    assert settled["succeeded"] + settled["failed"] == settled["queued"], "every delivery ended somewhere"

    submission = citizen.submission(submission_id)
    assert submission["status"] == "in_review"
    assert len(pipeline.executions(submission_id)) == 1
    approve_until_decided(citizen, submission_id)
    wait_until(lambda: citizen.submission(submission_id)["mint_tx"], timeout=60)
    assert len(citizen.ledger()) == 1
    assert token.functions.balanceOf(citizen.wallet).call() == REWARD * TOKEN


def closed(answer: httpx.Response) -> bool:
    return answer.status_code == 409 and answer.json()["error"]["code"] == "review_closed"


def decide_together(citizen: Citizen, submission_id: str, outcomes: list[str]) -> list[httpx.Response]:
    """Sends the admins' decisions at the same moment. The test runtime's short review timeout may renew the
    review's token while they travel: a decision sent to the old one is 409 ``review_closed`` and withdrawn, so
    the admins, still seeing the submission in the queue, decide again on the renewed review."""
    gate = threading.Barrier(len(outcomes))

    def send(n: int) -> httpx.Response:
        gate.wait()
        return citizen.api("POST", f"/admin/submissions/{submission_id}/decision", admin=True,
                           json={"outcome": outcomes[n], "reason": f"reviewer {n}"})  # fmt: skip

    for _ in range(5):
        with ThreadPoolExecutor(len(outcomes)) as pool:
            answers = list(pool.map(send, range(len(outcomes))))
        if not any(closed(answer) for answer in answers):
            return answers
    raise AssertionError("the review kept closing under the decisions")


def test_two_admins_deciding_differently_at_the_same_moment_one_wins_and_the_other_is_told(token, citizen):
    submission_id = citizen.submit(ambiguous_scene())
    answers = decide_together(citizen, submission_id, ["approved", "rejected"])
    assert sorted(answer.status_code for answer in answers) == [200, 409], [answer.text for answer in answers]
    (won,) = [answer.json() for answer in answers if answer.status_code == 200]
    (lost,) = [answer.json()["error"] for answer in answers if answer.status_code == 409]
    winner = won["review_decision"]["outcome"]
    assert lost["code"] == "decision_conflict" and lost["details"][0]["decision"]["outcome"] == winner
    settled = wait_until(lambda: (s := citizen.submission(submission_id))["status"] != "in_review" and s, timeout=60)
    assert settled["status"] == winner
    assert citizen.evidence(submission_id)["review_decision"] == won["review_decision"]


def test_admins_deciding_one_submission_at_the_same_moment_settle_it_once(local_system, token, citizen, pipeline):
    submission_id = citizen.submit(ambiguous_scene())
    outcomes = ["approved" if n % 2 == 0 else "rejected" for n in range(24)]
    answers = decide_together(citizen, submission_id, outcomes)
    taken = {outcome for outcome, answer in zip(outcomes, answers, strict=True) if answer.status_code == 200}
    assert len(taken) == 1, "every admin who agreed with the decision taken is answered 200, and only they are"
    assert [answer.status_code for answer in answers].count(409) == 12
    settled = wait_until(lambda: (s := citizen.submission(submission_id))["status"] in ("approved", "rejected") and s,
                         timeout=60)  # fmt: skip
    assert settled["status"] == taken.pop()
    assert len(pipeline.executions(submission_id)) == 1
    if settled["status"] == "approved":
        wait_until(lambda: citizen.submission(submission_id)["mint_tx"], timeout=60)
        wait_until(lambda: citizen.ledger() and citizen.ledger()[0]["state"] == "paid", timeout=30)
        assert len(citizen.ledger()) == 1
        assert token.functions.balanceOf(citizen.wallet).call() == REWARD * TOKEN
    else:
        assert citizen.ledger() == [] and token.functions.balanceOf(citizen.wallet).call() == 0


def test_one_citizens_cleanups_approved_together_are_each_paid_and_ranked_once(local_system, token, citizen):
    """Each approval sizes its reward against the citizen's daily total and leaderboard places; approvals that
    race refuse each other's stale totals, and the workflow retries them afresh instead of losing one."""
    submissions = [citizen.submit(ambiguous_scene()) for _ in range(5)]
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda submission_id: citizen.approve(submission_id).status_code, submissions))
    assert answers == [200] * 5
    wait_until(lambda: all(citizen.submission(s)["mint_tx"] for s in submissions), timeout=120, interval=1)
    assert sorted(line["submission_id"] for line in citizen.ledger() if line["state"] == "paid") == sorted(submissions)
    assert token.functions.balanceOf(citizen.wallet).call() == 5 * REWARD * TOKEN
    board = citizen.api("GET", "/leaderboard", params={"limit": 100}).json()
    assert [row["points"] for row in board if row["user_id"] == citizen.me()["user_id"]] == [5 * REWARD]


def test_citizens_racing_for_the_last_places_never_overfill_an_event(local_system):
    admin = local_system.bearer("amina", "admin", TENANT)
    event = httpx.post(local_system.api + "/events", headers=admin, json={
        "title": "Riverbank", "lat": LAHORE.lat, "lng": LAHORE.lng, "capacity": 5,
        "starts_at": "2031-03-01T08:00:00+00:00", "ends_at": "2031-03-01T11:00:00+00:00",
    }).json()  # fmt: skip

    def join(_: int) -> int:
        headers = local_system.bearer(f"runner-{uuid.uuid4().hex[:6]}", "citizen", TENANT)
        return httpx.post(
            f"{local_system.api}/events/{event['event_id']}/join", headers=headers, timeout=30
        ).status_code

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(join, range(20)))
    assert (answers.count(200), answers.count(409)) == (5, 15)
    attendees = httpx.get(f"{local_system.api}/events/{event['event_id']}/attendees", headers=admin).json()["items"]
    assert len(attendees) == 5


def test_votes_cast_together_are_all_counted(local_system):
    author = local_system.bearer("author", "citizen", TENANT)
    report = httpx.post(local_system.api + "/reports", headers=author,
                        json={"waste_type": "plastic", "lat": LAHORE.lat, "lng": LAHORE.lng}).json()  # fmt: skip

    def vote(n: int) -> int:
        headers = local_system.bearer(f"voter-{n}-{uuid.uuid4().hex[:4]}", "citizen", TENANT)
        url = f"{local_system.api}/reports/{report['report_id']}/votes"
        return httpx.post(url, headers=headers, json={"agrees": n % 4 != 0}, timeout=30).status_code

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(vote, range(20)))
    assert answers == [201] * 20
    counted = httpx.get(f"{local_system.api}/reports/{report['report_id']}", headers=author).json()
    assert (counted["votes_up"], counted["votes_down"]) == (15, 5)
