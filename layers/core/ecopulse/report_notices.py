"""Who hears about a report's changes, by which channels, in which words, and exactly once.

A report's status change writes a history entry in the same transaction (``ecopulse.store.reports``), and a comment
is an entry of that history too (``ecopulse.timeline``); the table's stream carries the entry to ``tell_followers``,
off the request path (a transactional outbox). The reporter, everyone who voted on the report and everyone who
follows it are told, each as their preferences say: always in the inbox, and by push to each of their devices, by
e-mail and by SMS (where the city sends SMS) when they asked for it. Whoever made the change and whoever has left the
city are not told; an internal comment is told to nobody, and the "is it fixed?" question
(``ecopulse.follow_up``) to the reporter alone.

The stream delivers an entry at least once, and a batch that failed is delivered again: every message is keyed by
the entry, the recipient and the channel, the inbox message is written only if absent, and a channel already
delivered is not sent again. A delivery is recorded after it is sent, so a crash between the two sends it twice
rather than never (push and SMS are at-least-once in SNS anyway).
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

from ecopulse.follow_up import ASKED_IF_FIXED
from ecopulse.reports import ReportNotFound, Reports, check_not_merged
from ecopulse.tenants import Tenants
from ecopulse.timeline import COMMENTED


class Channel(StrEnum):
    INBOX = "inbox"
    PUSH = "push"
    EMAIL = "email"
    SMS = "sms"


class Platform(StrEnum):
    """Firebase Cloud Messaging (Android, and the web) and Apple Push Notification service."""

    FCM = "fcm"
    APNS = "apns"


@dataclass(frozen=True)
class Preferences:
    """How a person wants to hear about reports; the inbox always."""

    push: bool = True
    email: bool = True
    sms: bool = False
    phone_number: str | None = None


@dataclass(frozen=True)
class Device:
    device_id: str
    platform: Platform
    endpoint_arn: str
    broadcast_subscription: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReportChange:
    """One entry of a report's history, as the stream carries it."""

    tenant: str
    report_id: str
    entry_id: str
    at: datetime
    actor: str
    action: str
    old: str | None
    new: str | None
    reason: str | None
    internal: bool = False


AUDIT_PREFIX = "AUDIT#"


def change_of(image: Mapping[str, Any]) -> ReportChange | None:
    """The report change a new history item records (its attributes as the stream's ``NewImage`` has them, plain
    values); None for any other item."""
    if image.get("entity") != "report" or not str(image.get("sk", "")).startswith(AUDIT_PREFIX):
        return None
    return ReportChange(
        tenant=str(image["tenant"]),
        report_id=str(image["entity_id"]),
        entry_id=str(image["sk"]).removeprefix(AUDIT_PREFIX),
        at=datetime.strptime(str(image["created_at"]), "%Y-%m-%dT%H:%M:%S.%f%z"),
        actor=str(image["actor"]),
        action=str(image["action"]),
        old=image.get("old"),
        new=image.get("new"),
        reason=image.get("reason"),
        internal=bool(image.get("internal")),
    )


# How long a delivery is remembered: longer than the stream keeps a record (24 hours) and retries it.
DELIVERY_MEMORY = timedelta(days=7)
# What each kind of entry tells (its title, and what happened to the report); filing is the reporter's own doing.
_NOTICE_WORDS = {
    "verified": ("Report verified", "was verified by the city."),
    "dispatched": ("Crew on the way", "has a crew on the way."),
    "resolved": ("Report resolved", "was cleaned up. Thank you for caring about your city."),
    "rejected": ("Report closed", "was closed without a cleanup"),
    "confirmed": ("Fix confirmed", "was confirmed fixed."),
    "reopened": ("Report reopened", "was reopened: the litter is still there, and it is back in the city's queue."),
    "duplicate": ("Report merged", "was merged into another report of the same litter: follow that one"),
    COMMENTED: ("New comment", "has a new comment."),
    ASKED_IF_FIXED: (
        "Is it fixed?",
        "was marked cleaned up. Is it fixed? Confirm it, or reopen the report if the litter is still there.",
    ),
}
# The changes a report's followers hear about.
TOLD_ACTIONS = frozenset(_NOTICE_WORDS)
# What the app offers with the question: the report's routes that answer it.
ANSWERS = "confirmation,reopening"


class EndpointDisabled(Exception):
    """SNS disabled the device's endpoint (the app was removed, or the token expired): it will never deliver."""


class Undeliverable(Exception):
    """The channel refused the message for a reason a retry would meet again (SES's sandbox, an invalid number)."""


class InvalidDeviceToken(ValueError):
    """The push service does not take the token."""


class PlatformUnavailable(Exception):
    """The deployment has no push credentials for this platform."""


class DeviceNotFound(LookupError):
    pass


class Followers(Protocol):
    def voters(self, tenant: str, report_id: str) -> list[str]: ...

    def subscribers(self, tenant: str, report_id: str) -> list[str]: ...

    def subscribe(self, tenant: str, report_id: str, user_id: str) -> None:
        """Follows the report; following it again changes nothing."""
        ...

    def unsubscribe(self, tenant: str, report_id: str, user_id: str) -> None: ...


class People(Protocol):
    def has_left(self, tenant: str, user_id: str) -> bool:
        """The person erased their account (``ecopulse.leaving``)."""
        ...

    def email(self, tenant: str, user_id: str) -> str | None: ...

    def preferences(self, tenant: str, user_id: str) -> Preferences:
        """The defaults for someone who chose none."""
        ...

    def set_preferences(self, tenant: str, user_id: str, preferences: Preferences) -> Preferences: ...


class Deliveries(Protocol):
    """What was delivered, so that a retried entry is delivered once."""

    def write_inbox(self, tenant: str, user_id: str, message_id: str, title: str, body: str, report_id: str) -> bool:
        """Writes the message unless a message with its id exists; True when it wrote it."""
        ...

    def delivered(self, tenant: str, user_id: str, key: str) -> bool: ...

    def record(self, tenant: str, user_id: str, key: str, expires_at: datetime) -> None: ...


class Devices(Protocol):
    def devices(self, tenant: str, user_id: str) -> list[Device]: ...

    def get(self, tenant: str, user_id: str, device_id: str) -> Device:
        """``DeviceNotFound`` for a device the person has not registered."""
        ...

    def save(self, tenant: str, user_id: str, device: Device) -> None: ...

    def remove(self, tenant: str, user_id: str, device_id: str) -> None: ...


@dataclass(frozen=True)
class Registration:
    endpoint_arn: str
    previous_holder: str | None
    """The ``user_data`` the token's endpoint was registered with before, when someone else's: another person signed
    in on the same phone."""


class Push(Protocol):
    def register(self, platform: Platform, token: str, user_data: str) -> Registration:
        """The SNS platform endpoint of the token (the same one for a token registered before), enabled and now
        registered with ``user_data``."""
        ...

    def publish(self, endpoint_arn: str, title: str, body: str, data: dict[str, str]) -> None:
        """Raises ``EndpointDisabled`` when SNS says the endpoint cannot deliver."""
        ...

    def delete(self, endpoint_arn: str) -> None: ...

    def join_broadcast(self, tenant: str, endpoint_arn: str) -> str:
        """Subscribes the endpoint to the city's broadcast topic (made on first use); returns the subscription."""
        ...

    def leave_broadcast(self, subscription_arn: str) -> None: ...


class Mail(Protocol):
    def send(self, address: str, title: str, body: str) -> None:
        """Raises ``Undeliverable`` when retrying cannot help."""
        ...


class Texts(Protocol):
    def send(self, phone_number: str, body: str) -> None:
        """Raises ``Undeliverable`` when retrying cannot help."""
        ...


def audience(reporter_id: str, voters: Iterable[str], subscribers: Iterable[str], actor: str) -> list[str]:
    """The reporter first, then voters and followers, each once; never whoever made the change."""
    return [person for person in dict.fromkeys([reporter_id, *voters, *subscribers]) if person != actor]


def message_text(change: ReportChange, waste_type: str, is_reporter: bool) -> tuple[str, str]:
    title, happened = _NOTICE_WORDS[change.action]
    subject = f"Your {waste_type} report" if is_reporter else f"A {waste_type} report you follow"
    body = f"{subject} {happened}"
    if change.action == "rejected":
        body += f": {change.reason}." if change.reason else "."
    return title, body


def message_id(change: ReportChange) -> str:
    """The inbox message's id: sorts by the change's time, and is the same every time the entry is delivered."""
    suffix = hashlib.sha256(change.entry_id.encode()).hexdigest()[:8]
    return f"{change.at:%Y%m%dT%H%M%S%f}-report-{change.report_id}-{suffix}"


def delivery_key(change: ReportChange, channel: Channel, target: str = "") -> str:
    return f"{change.report_id}#{change.entry_id}#{channel.value}" + (f"#{target}" if target else "")


@dataclass
class Told:
    """What telling the followers of one change did, for the logs and the tests."""

    recipients: list[str] = field(default_factory=list)
    skipped_departed: list[str] = field(default_factory=list)
    sent: dict[Channel, int] = field(default_factory=lambda: dict.fromkeys(Channel, 0))
    already_sent: int = 0
    undeliverable: int = 0
    endpoints_removed: int = 0


@dataclass
class ReportNotices:
    """The ports telling a report's followers needs."""

    reports: Reports
    tenants: Tenants
    followers: Followers
    people: People
    deliveries: Deliveries
    devices: Devices
    push: Push
    mail: Mail | None
    texts: Texts

    def tell_followers(self, change: ReportChange, now: datetime) -> Told:
        """Tells everyone who follows the report of one change, each by the channels they chose, once."""
        told = Told()
        if change.action not in TOLD_ACTIONS or change.internal:
            return told
        try:
            report = self.reports.get(change.tenant, change.report_id)
        except ReportNotFound:
            return told
        if change.action == ASKED_IF_FIXED:
            people = [report.reporter_id]
        else:
            people = audience(
                report.reporter_id,
                self.followers.voters(change.tenant, change.report_id),
                self.followers.subscribers(change.tenant, change.report_id),
                change.actor,
            )
        sms_enabled = self.tenants.settings(change.tenant).sms_notifications
        remember_until = now + DELIVERY_MEMORY
        for user_id in people:
            if self.people.has_left(change.tenant, user_id):
                told.skipped_departed.append(user_id)
                continue
            told.recipients.append(user_id)
            title, body = message_text(change, report.waste_type, user_id == report.reporter_id)
            self._tell(change, user_id, title, body, sms_enabled, remember_until, told)
        return told

    def _tell(
        self,
        change: ReportChange,
        user_id: str,
        title: str,
        body: str,
        sms_enabled: bool,
        remember_until: datetime,
        told: Told,
    ) -> None:
        tenant = change.tenant
        if self.deliveries.write_inbox(tenant, user_id, message_id(change), title, body, change.report_id):
            told.sent[Channel.INBOX] += 1
        else:
            told.already_sent += 1
        preferences = self.people.preferences(tenant, user_id)

        def once(channel: Channel, target: str, send: Callable[[], None]) -> None:
            key = delivery_key(change, channel, target)
            if self.deliveries.delivered(tenant, user_id, key):
                told.already_sent += 1
                return
            try:
                send()
            except Undeliverable:
                told.undeliverable += 1
            else:
                told.sent[channel] += 1
            self.deliveries.record(tenant, user_id, key, remember_until)

        if preferences.push:
            data = {"report_id": change.report_id, "status": change.action}
            if change.action == ASKED_IF_FIXED:
                data["answers"] = ANSWERS
            for device in self.devices.devices(tenant, user_id):
                try:
                    once(
                        Channel.PUSH,
                        device.device_id,
                        partial(self.push.publish, device.endpoint_arn, title, body, data),
                    )
                except EndpointDisabled:
                    forget_device(self.devices, self.push, tenant, user_id, device)
                    told.endpoints_removed += 1
        address = self.people.email(tenant, user_id) if preferences.email and self.mail else None
        if address and self.mail:
            once(Channel.EMAIL, "", partial(self.mail.send, address, title, body))
        if sms_enabled and preferences.sms and preferences.phone_number:
            once(Channel.SMS, "", partial(self.texts.send, preferences.phone_number, f"{title}: {body}"))


# ----- devices and following, what the routes call -----

_TOKEN_PATTERNS = {
    # APNs device tokens are 32 bytes, sent as hex; FCM registration tokens are long URL-safe strings.
    Platform.APNS: re.compile(r"^[0-9a-fA-F]{64}$"),
    Platform.FCM: re.compile(r"^[A-Za-z0-9_:\-]{100,4096}$"),
}


def device_id_of(platform: Platform, token: str) -> str:
    """The same token registered again is the same device."""
    return hashlib.sha256(f"{platform.value}:{token}".encode()).hexdigest()[:20]


def register_device(
    devices: Devices, push: Push, tenant: str, user_id: str, platform: Platform, token: str, now: datetime
) -> Device:
    """Registers the app on a phone (or a browser) for push: its SNS endpoint, joined to the city's broadcast."""
    if not _TOKEN_PATTERNS[platform].match(token):
        raise InvalidDeviceToken(f"not a {platform.value} device token")
    device_id = device_id_of(platform, token)
    registration = push.register(platform, token, user_data=holder(tenant, user_id))
    if registration.previous_holder:
        _hand_over(devices, push, registration.previous_holder, device_id)
    subscription = push.join_broadcast(tenant, registration.endpoint_arn)
    device = Device(device_id, platform, registration.endpoint_arn, subscription, now)
    devices.save(tenant, user_id, device)
    return device


def holder(tenant: str, user_id: str) -> str:
    """Who an endpoint pushes for, kept on the endpoint (its ``CustomUserData``)."""
    return f"{tenant}/{user_id}"


def _hand_over(devices: Devices, push: Push, previous_holder: str, device_id: str) -> None:
    """The phone changed hands: its device leaves the previous holder (and their city's broadcast), so that their
    news is no longer pushed to it. The endpoint stays, now the new holder's."""
    tenant, _, user_id = previous_holder.partition("/")
    try:
        previous = devices.get(tenant, user_id, device_id)
    except DeviceNotFound:
        return
    if previous.broadcast_subscription:
        push.leave_broadcast(previous.broadcast_subscription)
    devices.remove(tenant, user_id, device_id)


def forget_device(devices: Devices, push: Push, tenant: str, user_id: str, device: Device) -> None:
    """Deletes the device's endpoint and its broadcast subscription, then the device."""
    if device.broadcast_subscription:
        push.leave_broadcast(device.broadcast_subscription)
    push.delete(device.endpoint_arn)
    devices.remove(tenant, user_id, device.device_id)


def remove_device(devices: Devices, push: Push, tenant: str, user_id: str, device_id: str) -> None:
    """Signing out on a device stops its pushes; ``DeviceNotFound`` for anyone else's device."""
    forget_device(devices, push, tenant, user_id, devices.get(tenant, user_id, device_id))


def forget_all_devices(devices: Devices, push: Push, tenant: str, user_id: str) -> int:
    """Leaving the city deletes every endpoint the person's devices had."""
    found = devices.devices(tenant, user_id)
    for device in found:
        forget_device(devices, push, tenant, user_id, device)
    return len(found)


def follow(reports: Reports, followers: Followers, tenant: str, report_id: str, user_id: str) -> None:
    """A duplicate is followed through the report it was merged into."""
    check_not_merged(reports.get(tenant, report_id))
    followers.subscribe(tenant, report_id, user_id)


def unfollow(reports: Reports, followers: Followers, tenant: str, report_id: str, user_id: str) -> None:
    reports.get(tenant, report_id)
    followers.unsubscribe(tenant, report_id, user_id)
