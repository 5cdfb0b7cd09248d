"""The ports of ``ecopulse.report_notices`` on DynamoDB: a report's followers and voters, a person's notification
preferences and devices, and the record of what was delivered (docs/data-model.md, patterns 32 to 35)."""

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError

from ecopulse.report_notices import Device, DeviceNotFound, Platform, Preferences
from ecopulse.store.leaving import is_deleted
from ecopulse.store.models import (
    DeliveryItem,
    DeviceItem,
    FollowerItem,
    InboxItem,
    PreferencesItem,
    UserItem,
    VoteItem,
    tenant_key,
)

VOTE_PREFIX = "VOTE#"
FOLLOWER_PREFIX = "FOLLOWER#"
DEVICE_PREFIX = "DEVICE#"


def _written_if_absent(item: InboxItem | DeliveryItem) -> bool:
    try:
        item.save(condition=type(item).pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def follows_key(tenant: str, user_id: str) -> str:
    """Where a person's follows are listed (gsi3), found when they leave."""
    return tenant_key(tenant, "USER", user_id, "FOLLOWS")


class FollowerRepository:
    def voters(self, tenant: str, report_id: str) -> list[str]:
        votes = VoteItem.query(tenant_key(tenant, "REPORT", report_id), VoteItem.sk.startswith(VOTE_PREFIX))
        return [vote.voter_id for vote in votes]

    def subscribers(self, tenant: str, report_id: str) -> list[str]:
        followers = FollowerItem.query(
            tenant_key(tenant, "REPORT", report_id), FollowerItem.sk.startswith(FOLLOWER_PREFIX)
        )
        return [follower.user_id for follower in followers]

    def subscribe(self, tenant: str, report_id: str, user_id: str) -> None:
        pk, sk = FollowerItem.keys(tenant, report_id, user_id)
        FollowerItem(
            pk, sk, tenant=tenant, user_id=user_id, gsi3pk=follows_key(tenant, user_id), gsi3sk=report_id
        ).save()

    def unsubscribe(self, tenant: str, report_id: str, user_id: str) -> None:
        FollowerItem(*FollowerItem.keys(tenant, report_id, user_id)).delete()


class PeopleRepository:
    def has_left(self, tenant: str, user_id: str) -> bool:
        return is_deleted(tenant, user_id)

    def email(self, tenant: str, user_id: str) -> str | None:
        try:
            return UserItem.get(*UserItem.keys(tenant, user_id)).email
        except DoesNotExist:
            return None

    def preferences(self, tenant: str, user_id: str) -> Preferences:
        try:
            item = PreferencesItem.get(*PreferencesItem.keys(tenant, user_id))
        except DoesNotExist:
            return Preferences()
        return Preferences(bool(item.push), bool(item.email), bool(item.sms), item.phone_number)

    def set_preferences(self, tenant: str, user_id: str, preferences: Preferences) -> Preferences:
        pk, sk = PreferencesItem.keys(tenant, user_id)
        PreferencesItem(
            pk,
            sk,
            tenant=tenant,
            push=preferences.push,
            email=preferences.email,
            sms=preferences.sms,
            phone_number=preferences.phone_number,
        ).save()
        return preferences


class DeliveryRepository:
    def write_inbox(self, tenant: str, user_id: str, message_id: str, title: str, body: str, report_id: str) -> bool:
        pk, sk = InboxItem.keys(tenant, user_id, message_id)
        message = InboxItem(pk, sk, tenant=tenant, user_id=user_id, title=title, body=body, report_id=report_id)
        return _written_if_absent(message)

    def delivered(self, tenant: str, user_id: str, key: str) -> bool:
        pk, sk = DeliveryItem.keys(tenant, user_id, key)
        return bool(DeliveryItem.count(pk, DeliveryItem.sk == sk, consistent_read=True))

    def record(self, tenant: str, user_id: str, key: str, expires_at: datetime) -> None:
        pk, sk = DeliveryItem.keys(tenant, user_id, key)
        DeliveryItem(pk, sk, tenant=tenant, expires_at=expires_at).save()


def device_of(item: DeviceItem) -> Device:
    return Device(
        device_id=item.device_id,
        platform=Platform(item.platform),
        endpoint_arn=item.endpoint_arn,
        broadcast_subscription=item.broadcast_subscription,
        created_at=item.created_at,
    )


class DeviceRepository:
    def devices(self, tenant: str, user_id: str) -> list[Device]:
        items = DeviceItem.query(
            tenant_key(tenant, "USER", user_id), DeviceItem.sk.startswith(DEVICE_PREFIX), consistent_read=True
        )
        return [device_of(item) for item in items]

    def get(self, tenant: str, user_id: str, device_id: str) -> Device:
        try:
            return device_of(DeviceItem.get(*DeviceItem.keys(tenant, user_id, device_id), consistent_read=True))
        except DoesNotExist as error:
            raise DeviceNotFound(device_id) from error

    def save(self, tenant: str, user_id: str, device: Device) -> None:
        pk, sk = DeviceItem.keys(tenant, user_id, device.device_id)
        DeviceItem(
            pk,
            sk,
            tenant=tenant,
            device_id=device.device_id,
            platform=device.platform.value,
            endpoint_arn=device.endpoint_arn,
            broadcast_subscription=device.broadcast_subscription,
            created_at=device.created_at,
        ).save()

    def remove(self, tenant: str, user_id: str, device_id: str) -> None:
        DeviceItem(*DeviceItem.keys(tenant, user_id, device_id)).delete()
