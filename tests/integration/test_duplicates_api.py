"""Duplicates through `ecopulse local`: a report filed next to an open one of its category names it as a possible
duplicate, an admin merges the two, the master gains the duplicate's votes and followers (who are told of the merge
in their inbox, and then hear of the master's changes), the duplicate answers with its master and takes no votes,
and the queue orders a status by priority."""

import uuid

import pytest

from tests.integration.test_api import Api
from tests.support import wait_until

pytestmark = pytest.mark.system
CANAL = (31.5204, 74.3587)
# About 20 m north of the canal.
NEXT_TO_IT = (31.5206, 74.3587)


def test_two_nearby_reports_merge_into_one(local_system):
    city = f"dup-{uuid.uuid4().hex[:8]}"
    alice, bob, carol, dan, erin = (
        Api(local_system, f"{name}-{city}", "citizen", city) for name in ("alice", "bob", "carol", "dan", "erin")
    )
    admin = Api(local_system, "amina", "admin", city)

    first = alice("POST", "/reports", json={"waste_type": "plastic", "lat": CANAL[0], "lng": CANAL[1]})
    assert first.status_code == 201, first.text
    master = first.json()
    assert master["possible_duplicates"] == []
    second = bob("POST", "/reports", json={"waste_type": "plastic", "lat": NEXT_TO_IT[0], "lng": NEXT_TO_IT[1]})
    assert second.status_code == 201, second.text
    duplicate = second.json()
    (possible,) = duplicate["possible_duplicates"]
    assert (possible["report_id"], possible["status"], possible["category"]) == (
        master["report_id"], "submitted", "plastic",
    )  # fmt: skip
    other_kind = carol("POST", "/reports", json={"waste_type": "glass", "lat": NEXT_TO_IT[0], "lng": NEXT_TO_IT[1]})
    assert other_kind.json()["possible_duplicates"] == []

    for voter, report in ((carol, duplicate), (dan, duplicate), (dan, master)):
        assert voter("POST", f"/reports/{report['report_id']}/votes", json={"agrees": True}).status_code == 201
    assert erin("POST", f"/reports/{duplicate['report_id']}/subscription").status_code == 204

    merged = admin("POST", f"/admin/reports/{duplicate['report_id']}/merge", json={"into": master["report_id"]})
    assert merged.status_code == 200, merged.text
    assert (merged.json()["status"], merged.json()["merged_into"]) == ("duplicate", master["report_id"])

    kept = admin("GET", f"/reports/{master['report_id']}").json()
    assert (kept["votes_up"], kept["votes_down"], kept["duplicates_merged"]) == (2, 0, 1)
    assert kept["priority_points"] == 2 + 2 + 2
    assert carol("GET", f"/reports/{duplicate['report_id']}").json()["merged_into"] == master["report_id"]
    refused = erin("POST", f"/reports/{duplicate['report_id']}/votes", json={"agrees": True})
    assert (refused.status_code, refused.json()["error"]["details"]) == (409, [{"merged_into": master["report_id"]}])
    assert [entry["action"] for entry in admin("GET", f"/reports/{master['report_id']}/history").json()] == [
        "created", "merged",
    ]  # fmt: skip
    again = admin("POST", f"/admin/reports/{duplicate['report_id']}/merge", json={"into": master["report_id"]})
    assert again.status_code == 200 and admin("GET", f"/reports/{master['report_id']}").json() == kept

    def titles(citizen: Api) -> list[str]:
        return [message["title"] for message in citizen("GET", "/me/inbox").json()["items"]]

    wait_until(lambda: "Report merged" in titles(erin), timeout=60)
    verified = admin(
        "POST", f"/admin/reports/{master['report_id']}/status", json={"status": "verified", "reason": "seen"}
    )
    assert verified.status_code == 200, verified.text
    for follower in (erin, bob, carol):
        wait_until(lambda follower=follower: "Report verified" in titles(follower), timeout=60)

    review_queue = admin("GET", "/reports", params={"status": "submitted", "order": "priority"})
    assert review_queue.status_code == 200, review_queue.text
    assert [report["report_id"] for report in review_queue.json()["items"]] == [other_kind.json()["report_id"]]
    dispatch_queue = admin("GET", "/reports", params={"status": "verified", "order": "priority"})
    assert [report["report_id"] for report in dispatch_queue.json()["items"]] == [master["report_id"]]


def test_the_review_queue_puts_the_most_corroborated_report_first(local_system):
    city = f"queue-{uuid.uuid4().hex[:8]}"
    alice, bob = Api(local_system, "alice", "citizen", city), Api(local_system, "bob", "citizen", city)
    admin = Api(local_system, "amina", "admin", city)
    place = {"lat": CANAL[0], "lng": CANAL[1]}
    older = alice("POST", "/reports", json={"waste_type": "metal", **place}).json()["report_id"]
    newer = alice("POST", "/reports", json={"waste_type": "paper", **place}).json()["report_id"]

    def queue() -> list[str]:
        listed = admin("GET", "/reports", params={"status": "submitted", "order": "priority"})
        assert listed.status_code == 200, listed.text
        return [report["report_id"] for report in listed.json()["items"]]

    assert queue() == [older, newer]
    assert bob("POST", f"/reports/{newer}/votes", json={"agrees": True}).status_code == 201
    assert queue() == [newer, older]
    assert [r["report_id"] for r in admin("GET", "/reports", params={"status": "submitted"}).json()["items"]] == [
        newer, older,
    ]  # fmt: skip
