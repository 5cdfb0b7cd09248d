"""The routes a citizen chooses how they hear about reports with: notification preferences, push devices and
following a report, each refusal included; in process, the ports replaced by in-memory fakes."""

import pytest

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import (
    device_repository,
    follower_repository,
    people_repository,
    push,
    report_repository,
    user_repository,
)
from ecopulse.messages import NotifyRequest, Recorded, notify_outcome
from ecopulse.report_notices import Platform, Preferences
from ecopulse.reports import NewReport
from ecopulse.submissions import Decision, Outcome
from tests.unit.function_apps import signed_in_client
from tests.unit.notice_fakes import MemoryDevices, MemoryFollowers, MemoryPeople, MemoryPush
from tests.unit.test_reports import MemoryReports
from tests.unit.user_fakes import MemoryUsers

FCM_TOKEN = "dGVzdA:APA91b" + "Q" * 140
APNS_TOKEN = "0f" * 32


class Ports:
    def __init__(self, platforms: frozenset[Platform] = frozenset(Platform)) -> None:
        self.users = MemoryUsers()
        self.people = MemoryPeople()
        self.devices = MemoryDevices()
        self.push = MemoryPush(platforms)
        self.followers = MemoryFollowers()
        self.reports = MemoryReports()
        self.reports.create(
            "lahore", NewReport("r-1", "alice", "plastic", 31.52, 74.36, None, None, (), "normal", None)
        )

    def client(self, function: str, user: str = "alice", group: Group = Group.CITIZEN, tenant: str = "lahore"):
        return signed_in_client(
            function,
            user,
            group,
            {
                user_repository: self.users,
                people_repository: self.people,
                device_repository: self.devices,
                push: self.push,
                follower_repository: self.followers,
                report_repository: self.reports,
            },
            tenant=tenant,
        )


@pytest.fixture
def ports() -> Ports:
    return Ports()


def test_preferences_default_to_inbox_push_and_email_and_are_kept_as_chosen(ports):
    alice = ports.client("me_api")
    assert alice.get("/me/preferences").json() == {"push": True, "email": True, "sms": False, "phone_number": None}
    chosen = {"push": False, "email": True, "sms": True, "phone_number": "+923001234567"}
    assert alice.put("/me/preferences", json=chosen).json() == chosen
    assert ports.people.preferences("lahore", "alice") == Preferences(False, True, True, "+923001234567")
    assert ports.client("me_api", "bob").get("/me/preferences").json()["sms"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"push": True, "email": True, "sms": True, "phone_number": "0300 1234567"},
        {"push": True, "email": True, "sms": True, "phone_number": "+0300"},
        {"push": "maybe"},
    ],
)
def test_preferences_that_are_not_valid_are_refused(ports, body):
    answer = ports.client("me_api").put("/me/preferences", json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_request")
    assert ("lahore", "alice") not in ports.people.chosen


@pytest.mark.parametrize(("platform", "token"), [("fcm", FCM_TOKEN), ("apns", APNS_TOKEN)])
def test_a_device_registers_as_an_sns_endpoint_joined_to_the_citys_broadcast(ports, platform, token):
    answer = ports.client("me_api").post("/me/devices", json={"platform": platform, "token": token})
    assert answer.status_code == 201
    device = answer.json()
    assert device["platform"] == platform and set(device) == {"device_id", "platform", "created_at"}
    (stored,) = ports.devices.devices("lahore", "alice")
    assert ports.push.endpoints[stored.endpoint_arn] == {"token": token, "enabled": True, "user_data": "lahore/alice"}
    assert ports.push.topics["lahore"] == {stored.endpoint_arn}


def test_registering_the_same_token_again_is_the_same_device(ports):
    alice = ports.client("me_api")
    first = alice.post("/me/devices", json={"platform": "fcm", "token": FCM_TOKEN}).json()
    again = alice.post("/me/devices", json={"platform": "fcm", "token": FCM_TOKEN}).json()
    assert first["device_id"] == again["device_id"]
    assert len(ports.devices.devices("lahore", "alice")) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"platform": "apns", "token": "not-hex" * 9}, "invalid_device_token"),
        ({"platform": "fcm", "token": "too-short"}, "invalid_device_token"),
        ({"platform": "wns", "token": APNS_TOKEN}, "invalid_request"),
        ({"platform": "fcm"}, "invalid_request"),
        ({"platform": "fcm", "token": ""}, "invalid_request"),
    ],
)
def test_a_bad_token_or_an_unknown_platform_is_refused(ports, body, code):
    answer = ports.client("me_api").post("/me/devices", json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, code)
    assert ports.push.endpoints == {} and ports.devices.saved == {}


def test_a_platform_the_deployment_has_no_credentials_for_is_refused():
    ports = Ports(platforms=frozenset({Platform.FCM}))
    answer = ports.client("me_api").post("/me/devices", json={"platform": "apns", "token": APNS_TOKEN})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "push_unavailable")
    assert ports.devices.saved == {}


def test_signing_out_on_a_device_deletes_its_endpoint_and_subscription(ports):
    alice = ports.client("me_api")
    device_id = alice.post("/me/devices", json={"platform": "fcm", "token": FCM_TOKEN}).json()["device_id"]
    assert alice.delete(f"/me/devices/{device_id}").status_code == 204
    assert ports.devices.devices("lahore", "alice") == []
    assert ports.push.endpoints == {} and ports.push.subscriptions == {}
    gone = alice.delete(f"/me/devices/{device_id}")
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "device_not_found")


def test_someone_elses_device_is_not_found_and_stays(ports):
    device_id = (
        ports.client("me_api").post("/me/devices", json={"platform": "fcm", "token": FCM_TOKEN}).json()["device_id"]
    )
    for other in (ports.client("me_api", "bob"), ports.client("me_api", "alice", tenant="karachi")):
        answer = other.delete(f"/me/devices/{device_id}")
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "device_not_found")
    assert len(ports.devices.devices("lahore", "alice")) == 1 and len(ports.push.endpoints) == 1


def test_a_device_id_that_is_not_one_is_refused(ports):
    answer = ports.client("me_api").delete("/me/devices/NOT-AN-ID")
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_request")


def test_a_citizen_follows_a_report_and_stops_following_it(ports):
    bob = ports.client("reports_api", "bob")
    assert bob.post("/reports/r-1/subscription").status_code == 204
    assert bob.post("/reports/r-1/subscription").status_code == 204
    assert ports.followers.subscribers("lahore", "r-1") == ["bob"]
    assert bob.delete("/reports/r-1/subscription").status_code == 204
    assert ports.followers.subscribers("lahore", "r-1") == []


def test_following_a_report_the_city_does_not_have_is_not_found(ports):
    for client, report_id in [
        (ports.client("reports_api", "bob"), "r-2"),
        (ports.client("reports_api", "bob", tenant="karachi"), "r-1"),
    ]:
        for method in ("POST", "DELETE"):
            answer = client.request(method, f"/reports/{report_id}/subscription")
            assert (answer.status_code, answer.json()["error"]["code"]) == (404, "report_not_found")
    assert ports.followers.follows == {}


@pytest.mark.parametrize("group", [Group.ADMIN, Group.DRIVER])
def test_staff_do_not_follow_reports_they_hear_of_anyway(ports, group):
    answer = ports.client("reports_api", "amina", group).post("/reports/r-1/subscription")
    assert answer.status_code == 403
    assert ports.followers.follows == {}


def test_the_workflow_tells_nobody_who_has_left_the_city():
    class Inbox:
        def __init__(self) -> None:
            self.written: list[str] = []

        def notify(self, tenant, user_id, title, body, submission_id, sent_at=None) -> str:
            self.written.append(user_id)
            return f"m-{user_id}"

    people, inbox = MemoryPeople(), Inbox()
    request = NotifyRequest(
        tenant="lahore",
        submission_id="s-1",
        user_id="alice",
        decision=Decision(outcome=Outcome.APPROVED, reason="clean", reviewer="model"),
        recorded=Recorded(status="approved", reward=10),
    )
    assert notify_outcome(inbox, people, request) == "m-alice"
    people.left.add(("lahore", "alice"))
    assert notify_outcome(inbox, people, request) is None
    assert inbox.written == ["alice"]
