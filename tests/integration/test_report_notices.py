"""Report notifications through `ecopulse local`: the status change's history entry reaches the notices function
through the table's stream (DynamoDB Local's streams API, polled by the runtime), which writes the reporter's inbox
and pushes to their device's SNS platform endpoint (moto's), each change exactly once."""

import json
import uuid

import httpx

from tests.support import wait_until

TENANT = "notices"
FCM_TOKEN = "cTe5:APA91b" + "N" * 150


def pushed_to(system, user_data: str) -> list[dict]:
    """The messages moto's SNS delivered to the platform endpoint registered for ``user_data`` (tenant/user), as the
    runtime shows them."""
    endpoints = httpx.get(system.dashboard + "/local-runtime/sent", timeout=30).json()["push"]
    (endpoint,) = [endpoint for endpoint in endpoints if endpoint["user_data"] == user_data]
    return [json.loads(json.loads(message)["GCM"]) for message in endpoint["messages"]]


def test_the_reporter_hears_of_each_status_change_once_in_the_inbox_and_on_their_device(local_system):
    reporter = f"reporter-{uuid.uuid4().hex[:8]}"
    citizen = local_system.bearer(reporter, "citizen", TENANT)
    admin = local_system.bearer("amina", "admin", TENANT)

    def api(method: str, path: str, headers: dict[str, str], **kwargs) -> httpx.Response:
        return httpx.request(method, local_system.api + path, headers=headers, timeout=60, **kwargs)

    user_id = api("GET", "/me", citizen).json()["user_id"]
    device = api("POST", "/me/devices", citizen, json={"platform": "fcm", "token": FCM_TOKEN})
    assert device.status_code == 201, device.text
    filed = api("POST", "/reports", citizen, json={"waste_type": "plastic", "lat": 31.5204, "lng": 74.3587})
    assert filed.status_code == 201, filed.text
    report_id = filed.json()["report_id"]
    for status in ("verified", "resolved"):
        changed = api("POST", f"/admin/reports/{report_id}/status", admin, json={"status": status, "reason": "seen"})
        assert changed.status_code == 200, changed.text

    def inbox() -> list[dict]:
        items = api("GET", "/me/inbox", citizen).json()["items"]
        return [item for item in items if item["report_id"] == report_id]

    told = wait_until(lambda: len(inbox()) >= 2 and inbox(), timeout=60)
    pushed = wait_until(lambda: len(pushes := pushed_to(local_system, f"{TENANT}/{user_id}")) >= 2 and pushes)

    assert [message["title"] for message in told] == ["Report resolved", "Report verified"]
    assert told[1]["body"] == "Your plastic report was verified by the city."
    assert sorted(message["notification"]["title"] for message in pushed) == ["Report resolved", "Report verified"]
    assert {message["data"]["report_id"] for message in pushed} == {report_id}
    # The stream is read in order: once both changes are told, nothing of theirs is still to come.
    assert len(inbox()) == 2 and len(pushed_to(local_system, f"{TENANT}/{user_id}")) == 2
