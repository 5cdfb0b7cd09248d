"""In-memory stand-ins for the ports of ``ecopulse.report_notices``: followers, people and their preferences, what
was delivered, devices, SNS push (with endpoints it can disable), mail and SMS."""

from datetime import datetime

from ecopulse.report_notices import (
    Device,
    DeviceNotFound,
    EndpointDisabled,
    Platform,
    PlatformUnavailable,
    Preferences,
    Registration,
    Undeliverable,
)


class MemoryFollowers:
    def __init__(self) -> None:
        self.votes: dict[tuple[str, str], list[str]] = {}
        self.follows: dict[tuple[str, str], list[str]] = {}

    def voters(self, tenant: str, report_id: str) -> list[str]:
        return list(self.votes.get((tenant, report_id), []))

    def subscribers(self, tenant: str, report_id: str) -> list[str]:
        return list(self.follows.get((tenant, report_id), []))

    def subscribe(self, tenant: str, report_id: str, user_id: str) -> None:
        followers = self.follows.setdefault((tenant, report_id), [])
        if user_id not in followers:
            followers.append(user_id)

    def unsubscribe(self, tenant: str, report_id: str, user_id: str) -> None:
        followers = self.follows.get((tenant, report_id), [])
        if user_id in followers:
            followers.remove(user_id)


class MemoryPeople:
    def __init__(self) -> None:
        self.left: set[tuple[str, str]] = set()
        self.emails: dict[tuple[str, str], str] = {}
        self.chosen: dict[tuple[str, str], Preferences] = {}

    def has_left(self, tenant: str, user_id: str) -> bool:
        return (tenant, user_id) in self.left

    def email(self, tenant: str, user_id: str) -> str | None:
        return self.emails.get((tenant, user_id))

    def preferences(self, tenant: str, user_id: str) -> Preferences:
        return self.chosen.get((tenant, user_id), Preferences())

    def set_preferences(self, tenant: str, user_id: str, preferences: Preferences) -> Preferences:
        self.chosen[(tenant, user_id)] = preferences
        return preferences


class MemoryDeliveries:
    def __init__(self) -> None:
        self.inboxes: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {}
        self.records: dict[tuple[str, str, str], datetime] = {}

    def write_inbox(self, tenant: str, user_id: str, message_id: str, title: str, body: str, report_id: str) -> bool:
        inbox = self.inboxes.setdefault((tenant, user_id), {})
        if message_id in inbox:
            return False
        inbox[message_id] = (title, body, report_id)
        return True

    def delivered(self, tenant: str, user_id: str, key: str) -> bool:
        return (tenant, user_id, key) in self.records

    def record(self, tenant: str, user_id: str, key: str, expires_at: datetime) -> None:
        self.records[(tenant, user_id, key)] = expires_at

    def inbox(self, tenant: str, user_id: str) -> list[tuple[str, str, str]]:
        return list(self.inboxes.get((tenant, user_id), {}).values())


class MemoryDevices:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], dict[str, Device]] = {}

    def devices(self, tenant: str, user_id: str) -> list[Device]:
        return list(self.saved.get((tenant, user_id), {}).values())

    def get(self, tenant: str, user_id: str, device_id: str) -> Device:
        try:
            return self.saved[(tenant, user_id)][device_id]
        except KeyError as error:
            raise DeviceNotFound(device_id) from error

    def save(self, tenant: str, user_id: str, device: Device) -> None:
        self.saved.setdefault((tenant, user_id), {})[device.device_id] = device

    def remove(self, tenant: str, user_id: str, device_id: str) -> None:
        self.saved.get((tenant, user_id), {}).pop(device_id, None)


class MemoryPush:
    """SNS platform endpoints and broadcast topics in memory. ``fail_next`` makes the next publish fail as an outage
    would (a retry may pass); a disabled endpoint refuses every publish, as SNS does."""

    def __init__(self, platforms: frozenset[Platform] = frozenset(Platform)) -> None:
        self.platforms = platforms
        self.endpoints: dict[str, dict[str, object]] = {}
        self.published: list[tuple[str, str, str, dict[str, str]]] = []
        self.topics: dict[str, set[str]] = {}
        self.subscriptions: dict[str, tuple[str, str]] = {}
        self.fail_next = 0

    def register(self, platform: Platform, token: str, user_data: str) -> Registration:
        if platform not in self.platforms:
            raise PlatformUnavailable(platform.value)
        arn = f"arn:aws:sns:us-east-1:123456789012:endpoint/{platform.value}/ecopulse-{platform.value}/{token[:12]}"
        previous = self.endpoints.get(arn, {}).get("user_data")
        self.endpoints[arn] = {"token": token, "enabled": True, "user_data": user_data}
        return Registration(arn, str(previous) if previous and previous != user_data else None)

    def publish(self, endpoint_arn: str, title: str, body: str, data: dict[str, str]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("SNS unreachable")
        if endpoint_arn not in self.endpoints or not self.endpoints[endpoint_arn]["enabled"]:
            raise EndpointDisabled(endpoint_arn)
        self.published.append((endpoint_arn, title, body, data))

    def delete(self, endpoint_arn: str) -> None:
        self.endpoints.pop(endpoint_arn, None)

    def join_broadcast(self, tenant: str, endpoint_arn: str) -> str:
        """Subscribing an endpoint again answers its subscription, as SNS does."""
        for subscription, subscribed in self.subscriptions.items():
            if subscribed == (tenant, endpoint_arn):
                return subscription
        self.topics.setdefault(tenant, set()).add(endpoint_arn)
        subscription = f"arn:aws:sns:us-east-1:123456789012:ecopulse-tenant-{tenant}:{len(self.subscriptions)}"
        self.subscriptions[subscription] = (tenant, endpoint_arn)
        return subscription

    def leave_broadcast(self, subscription_arn: str) -> None:
        tenant, endpoint = self.subscriptions.pop(subscription_arn)
        self.topics[tenant].discard(endpoint)

    def to(self, endpoint_arn: str) -> list[str]:
        return [body for arn, _, body, _ in self.published if arn == endpoint_arn]


class MemoryMail:
    def __init__(self, refused: frozenset[str] = frozenset()) -> None:
        self.refused = refused
        self.sent: list[tuple[str, str, str]] = []

    def send(self, address: str, title: str, body: str) -> None:
        if address in self.refused:
            raise Undeliverable(f"MessageRejected: {address}")
        self.sent.append((address, title, body))


class MemoryTexts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone_number: str, body: str) -> None:
        self.sent.append((phone_number, body))
