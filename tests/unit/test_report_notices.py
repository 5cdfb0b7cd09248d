"""Who hears of a report's changes, by which channels, and exactly once: ``ecopulse.report_notices`` with in-memory
ports, the way the stream function calls it."""

import copy
import importlib.util
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from ecopulse.report_notices import (
    Channel,
    InvalidDeviceToken,
    Platform,
    Preferences,
    ReportChange,
    ReportNotices,
    change_of,
    register_device,
)
from ecopulse.reports import NewReport
from ecopulse.tenants import TenantSettings
from tests.conftest import ROOT
from tests.unit.notice_fakes import (
    MemoryDeliveries,
    MemoryDevices,
    MemoryFollowers,
    MemoryMail,
    MemoryPeople,
    MemoryPush,
    MemoryTexts,
)
from tests.unit.test_reports import MemoryReports, MemoryTenants

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
FCM_TOKEN = "f" * 40 + ":APA91b" + "x" * 120
APNS_TOKEN = "a1" * 32


class World:
    """A city with one report by alice, a vote by bob, a follower carol, and the ports the notices need."""

    def __init__(self) -> None:
        self.reports = MemoryReports()
        self.tenants = MemoryTenants()
        self.followers = MemoryFollowers()
        self.people = MemoryPeople()
        self.deliveries = MemoryDeliveries()
        self.devices = MemoryDevices()
        self.push = MemoryPush()
        self.mail = MemoryMail()
        self.texts = MemoryTexts()
        report = self.reports.create(
            "lahore",
            NewReport("r-1", "alice", "plastic", 31.52, 74.36, "bags", None, (), "normal", None),
        )
        self.report_id = report.report_id
        self.followers.votes[("lahore", "r-1")] = ["bob"]
        self.followers.follows[("lahore", "r-1")] = ["carol"]
        for person in ("alice", "bob", "carol"):
            self.people.emails[("lahore", person)] = f"{person}@example.org"
        self.notices = ReportNotices(
            self.reports, self.tenants, self.followers, self.people, self.deliveries, self.devices, self.push,
            self.mail, self.texts,
        )  # fmt: skip

    def device(self, user_id: str, token: str = FCM_TOKEN, platform: Platform = Platform.FCM) -> str:
        device = register_device(self.devices, self.push, "lahore", user_id, platform, token, NOW)
        return device.endpoint_arn


def change(
    action: str = "dispatched", entry: str = "2026-12-07T08:59:00.000000Z#0001", **fields: object
) -> ReportChange:
    values: dict[str, object] = dict(
        tenant="lahore", report_id="r-1", entry_id=entry, at=NOW - timedelta(minutes=1), actor="amina",
        action=action, old="submitted", new=action, reason=None,
    )  # fmt: skip
    values.update(fields)
    return ReportChange(**values)  # type: ignore[arg-type]


@pytest.fixture
def world() -> World:
    return World()


def test_the_reporter_voters_and_followers_are_told_in_their_inbox_and_whoever_changed_it_is_not(world):
    world.followers.votes[("lahore", "r-1")].append("amina")
    told = world.notices.tell_followers(change(), NOW)
    assert told.recipients == ["alice", "bob", "carol"]
    (to_alice,) = world.deliveries.inbox("lahore", "alice")
    assert to_alice == ("Crew on the way", "Your plastic report has a crew on the way.", "r-1")
    (to_bob,) = world.deliveries.inbox("lahore", "bob")
    assert to_bob[1] == "A plastic report you follow has a crew on the way."
    assert world.deliveries.inbox("lahore", "amina") == []


def test_someone_who_voted_and_follows_is_told_once(world):
    world.followers.follows[("lahore", "r-1")].append("bob")
    world.device("bob")
    world.notices.tell_followers(change(), NOW)
    assert len(world.deliveries.inbox("lahore", "bob")) == 1
    assert len(world.push.published) == 1
    assert [address for address, _, _ in world.mail.sent].count("bob@example.org") == 1


def test_each_person_is_told_by_the_channels_they_chose(world):
    alices_phone = world.device("alice")
    alices_ipad = world.device("alice", APNS_TOKEN, Platform.APNS)
    bobs_phone = world.device("bob", "b" * 150)
    world.people.set_preferences("lahore", "bob", Preferences(push=False, email=False))
    world.people.set_preferences(
        "lahore", "carol", Preferences(push=True, email=False, sms=True, phone_number="+923001234567")
    )
    world.tenants.save("lahore", TenantSettings(sms_notifications=True))

    told = world.notices.tell_followers(change("resolved"), NOW)

    assert (
        world.push.to(alices_phone)
        == world.push.to(alices_ipad)
        == ["Your plastic report was cleaned up. Thank you for caring about your city."]
    )
    assert world.push.to(bobs_phone) == []
    assert [address for address, _, _ in world.mail.sent] == ["alice@example.org"]
    assert world.texts.sent == [
        (
            "+923001234567",
            "Report resolved: A plastic report you follow was cleaned up. Thank you for caring about your city.",
        )
    ]
    assert told.sent == {Channel.INBOX: 3, Channel.PUSH: 2, Channel.EMAIL: 1, Channel.SMS: 1}


def test_no_sms_where_the_city_does_not_send_them_or_without_a_number(world):
    world.people.set_preferences("lahore", "carol", Preferences(sms=True, phone_number="+923001234567"))
    world.people.set_preferences("lahore", "bob", Preferences(sms=True))
    world.notices.tell_followers(change(), NOW)
    assert world.texts.sent == []
    world.tenants.save("lahore", TenantSettings(sms_notifications=True))
    world.notices.tell_followers(change("resolved", "2026-12-07T08:59:30.000000Z#0002"), NOW)
    assert [number for number, _ in world.texts.sent] == ["+923001234567"]


def test_a_change_delivered_again_is_told_once_on_every_channel(world):
    endpoint = world.device("alice")
    first = world.notices.tell_followers(change(), NOW)
    again = world.notices.tell_followers(change(), NOW)
    assert len(world.deliveries.inbox("lahore", "alice")) == 1
    assert len(world.push.to(endpoint)) == 1
    assert len(world.mail.sent) == 3
    assert sum(first.sent.values()) == 7 and sum(again.sent.values()) == 0
    assert again.already_sent == 7


def test_a_batch_that_failed_half_way_sends_only_what_was_not_sent_when_retried(world):
    endpoint = world.device("bob")
    world.push.fail_next = 1
    with pytest.raises(ConnectionError):
        world.notices.tell_followers(change(), NOW)
    assert len(world.deliveries.inbox("lahore", "alice")) == 1 and world.mail.sent
    world.notices.tell_followers(change(), NOW)
    assert len(world.push.to(endpoint)) == 1
    assert len(world.mail.sent) == 3
    assert all(len(world.deliveries.inbox("lahore", person)) == 1 for person in ("alice", "bob", "carol"))


def test_two_changes_are_two_messages(world):
    world.notices.tell_followers(change("verified", "2026-12-07T08:58:00.000000Z#0001"), NOW)
    world.notices.tell_followers(change("dispatched", "2026-12-07T08:59:00.000000Z#0002", old="verified"), NOW)
    titles = sorted(title for title, _, _ in world.deliveries.inbox("lahore", "alice"))
    assert titles == ["Crew on the way", "Report verified"]


def test_whoever_left_the_city_is_not_told(world):
    world.device("bob")
    world.people.left.add(("lahore", "bob"))
    told = world.notices.tell_followers(change(), NOW)
    assert told.skipped_departed == ["bob"]
    assert world.deliveries.inbox("lahore", "bob") == []
    assert world.push.published == []
    assert "bob@example.org" not in [address for address, _, _ in world.mail.sent]


def test_an_endpoint_sns_disabled_is_deleted_with_its_device_and_the_rest_is_still_told(world):
    dead = world.device("alice")
    alive = world.device("alice", APNS_TOKEN, Platform.APNS)
    world.push.endpoints[dead]["enabled"] = False
    told = world.notices.tell_followers(change(), NOW)
    assert told.endpoints_removed == 1
    assert dead not in world.push.endpoints
    assert [device.endpoint_arn for device in world.devices.devices("lahore", "alice")] == [alive]
    assert dead not in world.push.topics["lahore"]
    assert len(world.push.to(alive)) == 1
    assert ("alice@example.org", "Crew on the way", "Your plastic report has a crew on the way.") in world.mail.sent


def test_an_address_that_refuses_mail_is_not_tried_again(world):
    world.mail = world.notices.mail = MemoryMail(refused=frozenset({"carol@example.org"}))
    first = world.notices.tell_followers(change(), NOW)
    again = world.notices.tell_followers(change(), NOW)
    assert first.undeliverable == 1 and again.undeliverable == 0
    assert len(world.deliveries.inbox("lahore", "carol")) == 1


def test_a_rejection_says_why():
    w = World()
    w.notices.tell_followers(change("rejected", reason="not in the city's area"), NOW)
    (message,) = w.deliveries.inbox("lahore", "alice")
    assert message[:2] == ("Report closed", "Your plastic report was closed without a cleanup: not in the city's area.")


def test_a_public_comment_tells_the_reporter_voters_and_followers_but_not_its_author(world):
    told = world.notices.tell_followers(change("commented", actor="amina", old=None, new=None), NOW)
    assert told.recipients == ["alice", "bob", "carol"]
    (to_alice,) = world.deliveries.inbox("lahore", "alice")
    assert to_alice[:2] == ("New comment", "Your plastic report has a new comment.")
    by_reporter = world.notices.tell_followers(change("commented", entry="e-2", actor="alice"), NOW)
    assert by_reporter.recipients == ["bob", "carol"]


def test_an_internal_comment_tells_nobody(world):
    told = world.notices.tell_followers(change("commented", internal=True), NOW)
    assert told.recipients == [] and world.deliveries.inboxes == {}


@pytest.mark.parametrize(
    ("action", "words"),
    [
        ("confirmed", ("Fix confirmed", "A plastic report you follow was confirmed fixed.")),
        ("reopened", ("Report reopened", "A plastic report you follow was reopened: the litter is still there, "
                                         "and it is back in the city's queue.")),
    ],
)  # fmt: skip
def test_a_confirmation_and_a_reopening_tell_everyone_but_the_citizen_who_answered(world, action, words):
    told = world.notices.tell_followers(change(action, actor="alice", old="resolved"), NOW)
    assert told.recipients == ["bob", "carol"]
    assert world.deliveries.inbox("lahore", "bob")[0][:2] == words


def test_is_it_fixed_asks_the_reporter_alone_offering_both_answers(world):
    endpoint = world.device("alice")
    told = world.notices.tell_followers(change("asked_if_fixed", actor="system", old="resolved", new=None), NOW)
    assert told.recipients == ["alice"]
    (question,) = world.deliveries.inbox("lahore", "alice")
    assert question[0] == "Is it fixed?" and "Confirm it, or reopen the report" in question[1]
    assert [data for arn, _, _, data in world.push.published if arn == endpoint] == [
        {"report_id": "r-1", "status": "asked_if_fixed", "answers": "confirmation,reopening"}
    ]


@pytest.mark.parametrize("action", ["created", "text_hidden", "text_shown", "submitted", "comment_hidden"])
def test_changes_that_are_not_a_new_status_tell_nobody(world, action):
    told = world.notices.tell_followers(change(action), NOW)
    assert told.recipients == [] and world.deliveries.inboxes == {}


def test_a_change_of_a_report_the_city_does_not_have_tells_nobody(world):
    told = world.notices.tell_followers(change(report_id="r-unknown"), NOW)
    assert told.recipients == [] and world.deliveries.inboxes == {}


def test_without_a_mail_sender_the_rest_is_told(world):
    world.notices.mail = None
    told = world.notices.tell_followers(change(), NOW)
    assert told.sent[Channel.EMAIL] == 0 and told.sent[Channel.INBOX] == 3


def test_a_stream_image_of_a_report_history_entry_is_a_change():
    image = {
        "pk": "TENANT#lahore#REPORT#r-1", "sk": "AUDIT#2026-12-07T08:59:00.000000Z#ab12cd34", "tenant": "lahore",
        "entity": "report", "entity_id": "r-1", "actor": "amina", "action": "dispatched", "old": "submitted",
        "new": "dispatched", "created_at": "2026-12-07T08:59:00.000000+0000",
    }  # fmt: skip
    parsed = change_of(image)
    assert parsed == ReportChange(
        "lahore", "r-1", "2026-12-07T08:59:00.000000Z#ab12cd34", datetime(2026, 12, 7, 8, 59, tzinfo=UTC), "amina",
        "dispatched", "submitted", "dispatched", None,
    )  # fmt: skip
    assert change_of({**image, "action": "commented", "internal": True}).internal
    assert change_of({**image, "entity": "submission"}) is None
    assert change_of({**image, "sk": "VOTE#bob"}) is None


@pytest.mark.parametrize(
    ("platform", "token"),
    [(Platform.APNS, "a1" * 31), (Platform.APNS, "zz" * 32), (Platform.FCM, "short"), (Platform.FCM, "x" * 99 + " ")],
)
def test_a_token_the_push_service_would_not_take_is_refused(world, platform, token):
    with pytest.raises(InvalidDeviceToken):
        register_device(world.devices, world.push, "lahore", "alice", platform, token, NOW)
    assert world.push.endpoints == {} and world.devices.saved == {}


def test_a_phone_that_changes_hands_pushes_for_its_new_holder_only(world):
    endpoint = world.device("alice")
    world.device("bob")
    assert world.devices.devices("lahore", "alice") == []
    (bobs,) = world.devices.devices("lahore", "bob")
    assert bobs.endpoint_arn == endpoint and world.push.topics["lahore"] == {endpoint}
    world.followers.votes[("lahore", "r-1")] = []
    world.followers.follows[("lahore", "r-1")] = []
    world.notices.tell_followers(change(), NOW)
    assert world.push.published == []


def test_the_same_token_registered_again_is_the_same_device(world):
    first = register_device(world.devices, world.push, "lahore", "alice", Platform.FCM, FCM_TOKEN, NOW)
    again = register_device(world.devices, world.push, "lahore", "alice", Platform.FCM, FCM_TOKEN, NOW)
    assert first.device_id == again.device_id
    assert len(world.devices.devices("lahore", "alice")) == 1
    assert first.broadcast_subscription in world.push.subscriptions


CONTEXT = SimpleNamespace(
    function_name="report-notices",
    memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:report-notices",
    aws_request_id="request-1",
)


def stream_function(monkeypatch, notices: ReportNotices):
    """functions/report_notices/app.py as Lambda loads it, telling through ``notices``."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    spec = importlib.util.spec_from_file_location(
        "report_notices_app", ROOT / "functions" / "report_notices" / "app.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "notices", notices)
    return module


def test_the_stream_function_tells_each_record_and_reports_only_the_one_that_failed(world, monkeypatch):
    sample = json.loads((ROOT / "events" / "report-history-stream.json").read_text())
    (told,) = sample["Records"]
    image = told["dynamodb"]["NewImage"]
    image["entity_id"] = {"S": "r-1"}
    failing = copy.deepcopy(told)
    failing["dynamodb"]["NewImage"]["sk"] = {"S": "AUDIT#2026-12-07T08:59:30.000000Z#ffff0000"}
    failing["dynamodb"]["NewImage"]["action"] = {"S": "resolved"}
    failing["dynamodb"]["SequenceNumber"] = "111100000000000000000002"
    world.device("alice")
    function = stream_function(monkeypatch, world.notices)

    class FailingOnResolved(MemoryMail):
        def send(self, address: str, title: str, body: str) -> None:
            if title == "Report resolved":
                raise ConnectionError("SES unreachable")
            super().send(address, title, body)

    world.notices.mail = FailingOnResolved()
    answer = function.handler({"Records": [told, failing]}, CONTEXT)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "111100000000000000000002"}]}
    assert {title for title, _, _ in world.deliveries.inbox("lahore", "alice")} == {
        "Crew on the way",
        "Report resolved",
    }

    world.notices.mail = MemoryMail()
    assert function.handler({"Records": [failing]}, CONTEXT) == {"batchItemFailures": []}
    assert len(world.deliveries.inbox("lahore", "alice")) == 2
    assert len(world.push.published) == 2
