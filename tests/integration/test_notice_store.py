"""The adapters of report notifications: followers, preferences, deliveries and devices on moto and DynamoDB Local
(with what leaving erases of them), and push through SNS platform endpoints on moto."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.sns.models import PlatformEndpoint, sns_backends

from ecopulse.notifications import SnsPush
from ecopulse.report_notices import (
    Device,
    DeviceNotFound,
    EndpointDisabled,
    Platform,
    PlatformUnavailable,
    Preferences,
    Registration,
    ReportChange,
    ReportNotices,
)
from ecopulse.reports import cast_vote, file_report
from ecopulse.store.community import CommunityRepository
from ecopulse.store.leaving import PersonalDataRepository
from ecopulse.store.models import ItemKeys, tenant_key
from ecopulse.store.report_notices import DeliveryRepository, DeviceRepository, FollowerRepository, PeopleRepository
from ecopulse.store.reports import ReportRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.users import UserRepository
from ecopulse_local.runtime import free_port
from tests.unit.notice_fakes import MemoryMail, MemoryPush, MemoryTexts

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CANAL = (31.52, 74.36)


def test_followers_are_the_voters_and_those_who_follow_each_once(app_table):
    reports, followers = ReportRepository(), FollowerRepository()
    report_id = file_report(reports, TenantRepository(), "lahore", "alice", "plastic", *CANAL).report_id
    cast_vote(reports, "lahore", report_id, "bob", agrees=True)
    followers.subscribe("lahore", report_id, "carol")
    followers.subscribe("lahore", report_id, "carol")
    assert followers.voters("lahore", report_id) == ["bob"]
    assert followers.subscribers("lahore", report_id) == ["carol"]
    assert followers.subscribers("karachi", report_id) == []
    followers.unsubscribe("lahore", report_id, "carol")
    followers.unsubscribe("lahore", report_id, "carol")
    assert followers.subscribers("lahore", report_id) == []


def test_preferences_are_the_defaults_until_chosen(app_table):
    people = PeopleRepository()
    assert people.preferences("lahore", "pref-user") == Preferences()
    chosen = Preferences(push=False, email=True, sms=True, phone_number="+923001234567")
    people.set_preferences("lahore", "pref-user", chosen)
    assert people.preferences("lahore", "pref-user") == chosen
    assert people.preferences("karachi", "pref-user") == Preferences()


def test_an_inbox_message_is_written_once_and_shows_its_report(app_table):
    deliveries = DeliveryRepository()
    assert deliveries.write_inbox("lahore", "inbox-user", "20261207T090000000000-report-r-1-ab", "T", "B", "r-1")
    assert not deliveries.write_inbox("lahore", "inbox-user", "20261207T090000000000-report-r-1-ab", "T", "X", "r-1")
    (message,) = CommunityRepository().inbox("lahore", "inbox-user", 10, None).items
    assert (message.body, message.report_id, message.submission_id) == ("B", "r-1", None)
    assert not deliveries.delivered("lahore", "inbox-user", "r-1#e#push#d")
    deliveries.record("lahore", "inbox-user", "r-1#e#push#d", NOW + timedelta(days=7))
    assert deliveries.delivered("lahore", "inbox-user", "r-1#e#push#d")
    assert not deliveries.delivered("karachi", "inbox-user", "r-1#e#push#d")


def test_devices_are_kept_under_their_person(app_table):
    devices = DeviceRepository()
    device = Device("0123456789abcdef0123", Platform.APNS, "arn:endpoint", "arn:subscription", NOW)
    devices.save("lahore", "device-user", device)
    assert devices.devices("lahore", "device-user") == [device]
    assert devices.get("lahore", "device-user", device.device_id) == device
    with pytest.raises(DeviceNotFound):
        devices.get("lahore", "someone-else", device.device_id)
    devices.remove("lahore", "device-user", device.device_id)
    assert devices.devices("lahore", "device-user") == []


def test_leaving_erases_follows_devices_preferences_and_what_was_delivered(app_table):
    reports, followers = ReportRepository(), FollowerRepository()
    report_id = file_report(reports, TenantRepository(), "lahore", "alice", "glass", *CANAL).report_id
    followers.subscribe("lahore", report_id, "leaver")
    followers.subscribe("lahore", report_id, "stayer")
    PeopleRepository().set_preferences("lahore", "leaver", Preferences(push=False))
    DeviceRepository().save("lahore", "leaver", Device("0123456789abcdef0123", Platform.FCM, "arn:e", None, NOW))
    DeliveryRepository().record("lahore", "leaver", f"{report_id}#e#email", NOW + timedelta(days=7))
    data = PersonalDataRepository()

    assert data.unsubscribe_everywhere("lahore", "leaver") == 1
    data.erase_own_items("lahore", "leaver")

    assert followers.subscribers("lahore", report_id) == ["stayer"]
    assert list(ItemKeys.query(tenant_key("lahore", "USER", "leaver"))) == []


def test_the_notices_write_each_change_once_through_the_tables_adapters(app_table):
    reports, tenants, followers = ReportRepository(), TenantRepository(), FollowerRepository()
    users = UserRepository()
    users.ensure("lahore", "reporter", "reporter", "reporter@example.org", ["citizen"])
    report_id = file_report(reports, tenants, "lahore", "reporter", "metal", *CANAL).report_id
    cast_vote(reports, "lahore", report_id, "voter", agrees=True)
    mail, push = MemoryMail(), MemoryPush()
    notices = ReportNotices(
        reports, tenants, followers, PeopleRepository(), DeliveryRepository(), DeviceRepository(), push, mail,
        MemoryTexts(),
    )  # fmt: skip
    change = ReportChange(
        "lahore", report_id, "2026-12-07T09:00:00.000000Z#1", NOW, "amina", "verified", None, None, None
    )
    notices.tell_followers(change, NOW)
    again = notices.tell_followers(change, NOW)
    assert again.recipients == ["reporter", "voter"] and sum(again.sent.values()) == 0
    (message,) = CommunityRepository().inbox("lahore", "reporter", 10, None).items
    assert (message.title, message.report_id) == ("Report verified", report_id)
    assert mail.sent == [("reporter@example.org", "Report verified", "Your metal report was verified by the city.")]


@pytest.fixture(scope="module")
def sns():
    port = free_port("127.0.0.1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "sns", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local"
    )
    yield client
    server.stop()


def platform_endpoints() -> dict[str, PlatformEndpoint]:
    """Each platform endpoint the moto server (in this process) holds, by ARN, with the messages published to it.
    Read from its backend: moto's /moto-api/data.json walks every service and stalls on those that want Docker."""
    return sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].platform_endpoints


def test_push_registers_publishes_to_and_deletes_sns_platform_endpoints(sns):
    client = sns
    application = client.create_platform_application(
        Name="stack-fcm", Platform="GCM", Attributes={"PlatformCredential": "key"}
    )["PlatformApplicationArn"]
    push = SnsPush({Platform.FCM: application, Platform.APNS: ""}, "stack-tenant", client)

    arn = push.register(Platform.FCM, "token-1", "lahore/alice").endpoint_arn
    assert push.register(Platform.FCM, "token-1", "lahore/alice") == Registration(arn, None)
    subscription = push.join_broadcast("lahore", arn)
    topic = client.create_topic(Name="stack-tenant-lahore")["TopicArn"]
    assert [s["Endpoint"] for s in client.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]] == [arn]

    push.publish(arn, "Report verified", "Your plastic report was verified.", {"report_id": "r-1"})
    (published,) = platform_endpoints()[arn].messages.values()
    assert json.loads(json.loads(published)["GCM"])["notification"]["title"] == "Report verified"

    client.set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})
    with pytest.raises(EndpointDisabled):
        push.publish(arn, "t", "b", {})
    push.leave_broadcast(subscription)
    push.delete(arn)
    assert client.list_endpoints_by_platform_application(PlatformApplicationArn=application)["Endpoints"] == []
    assert client.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    with pytest.raises(PlatformUnavailable):
        push.register(Platform.APNS, "a" * 64, "lahore/alice")


def test_a_token_registered_again_after_sns_disabled_it_is_enabled_again_for_its_new_holder(sns):
    client = sns
    application = client.create_platform_application(Name="stack-apns", Platform="APNS", Attributes={})[
        "PlatformApplicationArn"
    ]
    push = SnsPush({Platform.APNS: application}, "stack-tenant", client)
    arn = push.register(Platform.APNS, "b" * 64, "lahore/bob").endpoint_arn
    client.set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})
    assert push.register(Platform.APNS, "b" * 64, "lahore/carol") == Registration(arn, "lahore/bob")
    assert client.get_endpoint_attributes(EndpointArn=arn)["Attributes"]["CustomUserData"] == "lahore/carol"
    push.publish(arn, "t", "b", {})
