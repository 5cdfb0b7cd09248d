"""Through the running system (``ecopulse local``): a report filed, verified and resolved by the city's staff, then
confirmed by its reporter; another resolved, reopened by a citizen who agreed with it and back in the verified
queue, its reporter told; comments on its timeline, internal ones for staff only; the daily "is it fixed?" function
invoked as its schedule does."""

import json

import httpx

from tests.integration.citizens import Citizen
from tests.support import wait_until

TENANT = "lahore"


def test_a_report_goes_from_filed_to_confirmed_by_its_reporter(local_system):
    alice = Citizen(local_system, TENANT)
    report_id = alice.file_report()
    assert alice.staff_moves(report_id, "verified", "resolved")["status"] == "resolved"
    confirmed = alice.confirms(report_id)
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed"), confirmed.text
    assert alice.history(report_id) == ["created", "verified", "resolved", "confirmed"]
    again = alice.reopens(report_id)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")


def test_a_resolved_report_reopened_by_an_agreeing_voter_is_back_in_the_verified_queue(local_system):
    alice, bob, carol = (Citizen(local_system, TENANT) for _ in range(3))
    report_id = alice.file_report()
    assert bob.api("POST", f"/reports/{report_id}/votes", json={"agrees": True}).status_code == 201
    alice.staff_moves(report_id, "verified", "resolved")
    refused = carol.reopens(report_id)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_reporter_or_voter")
    reopened = bob.reopens(report_id, "the bags are still by the canal")
    assert (reopened.status_code, reopened.json()["status"]) == (200, "verified"), reopened.text
    assert alice.history(report_id)[-1] == "reopened"
    queue = alice.api("GET", "/reports", admin=True, params={"status": "verified", "limit": 100}).json()["items"]
    assert report_id in [report["report_id"] for report in queue]
    wait_until(lambda: "Report reopened" in alice.inbox_titles(), timeout=30)


def test_comments_on_the_timeline_internal_ones_for_staff_only(local_system):
    alice, bob = Citizen(local_system, TENANT), Citizen(local_system, TENANT)
    report_id = alice.file_report()
    url = f"/reports/{report_id}/comments"
    assert alice.api("POST", url, json={"text": "by the bridge"}).status_code == 201
    assert alice.api("POST", url, admin=True, json={"text": "permit needed", "internal": True}).status_code == 201
    assert alice.api("POST", url, admin=True, json={"text": "truck goes tomorrow"}).status_code == 201
    refused = bob.api("POST", url, json={"text": "me too"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "comment_not_allowed")
    timeline = f"/reports/{report_id}/timeline"
    staff = alice.api("GET", timeline, admin=True).json()["items"]
    assert [entry["text"] for entry in staff if entry["action"] == "commented"] == [
        "by the bridge", "permit needed", "truck goes tomorrow",
    ]  # fmt: skip
    first = bob.api("GET", timeline, params={"limit": 2}).json()
    rest = bob.api("GET", timeline, params={"limit": 2, "cursor": first["cursor"]}).json()
    seen = [(entry["actor"], entry["text"]) for entry in first["items"] + rest["items"]]
    assert seen == [("reporter", None), ("reporter", "by the bridge"), ("staff", "truck goes tomorrow")]
    wait_until(lambda: "New comment" in alice.inbox_titles(), timeout=30)


def test_the_daily_question_runs_as_its_schedule_invokes_it(local_system):
    functions = local_system.client("lambda")
    asker = next(
        f["FunctionName"]
        for f in functions.list_functions()["Functions"]
        if f["FunctionName"].endswith("-AskIfFixedFunction")
    )
    answer = functions.invoke(FunctionName=asker, Payload=json.dumps({"detail-type": "Scheduled Event"}))
    assert "FunctionError" not in answer, answer["Payload"].read()
    run = json.loads(answer["Payload"].read())
    assert run["failed"] == [] and TENANT in run["asked"]


def test_open311_shows_a_confirmed_report_closed(local_system):
    alice = Citizen(local_system, TENANT)
    report_id = alice.file_report()
    alice.staff_moves(report_id, "resolved")
    assert alice.confirms(report_id).status_code == 200
    admin = local_system.bearer("amina", "admin", TENANT)
    settings = httpx.get(local_system.api + "/admin/settings", headers=admin, timeout=30).json()
    assert httpx.put(local_system.api + "/admin/settings", headers=admin, json=settings, timeout=30).status_code == 200
    request = httpx.get(f"{local_system.api}/open311/{TENANT}/v2/requests/{report_id}.json", timeout=30).json()
    assert (request[0]["status"], request[0]["status_notes"]) == ("closed", "Cleaned up; the reporter confirmed it")
