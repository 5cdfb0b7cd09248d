"""pynamodb models on the single application table (docs/data-model.md). Every partition key starts with
``TENANT#<tenant>``; the key helpers below are the only place keys are spelled."""

import os
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ecopulse.leaving import INBOX_RETENTION


def utcnow() -> datetime:
    return datetime.now(UTC)


def tenant_key(tenant: str, *parts: str) -> str:
    return "#".join([f"TENANT#{tenant}", *parts])


def sort_stamp(moment: datetime, identifier: str) -> str:
    """A sort key that orders by time and stays unique."""
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{identifier}"


class _TableMeta:
    table_name = os.environ.get("TABLE_NAME", "ecopulse")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class _Index(GlobalSecondaryIndex[Any]):
    """An index shared by several item types, each queried through it as its own model."""

    class Meta:
        projection = AllProjection()


class Gsi1(_Index):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(_Index):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class Gsi3(_Index):
    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class QueueIndex(_Index):
    """The reports of a status (``gsi1pk``, as gsi1) by queue rank (``ecopulse.priority``): most urgent first.
    Sparse: only report items have a rank."""

    class Meta:
        index_name = "queue"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    queue_rank = NumberAttribute(range_key=True)


class _Item(Model):
    """Keys and indexes shared by every item of the table."""

    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    tenant = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)

    gsi1 = Gsi1()
    gsi2 = Gsi2()
    gsi3 = Gsi3()
    # Declared here, with the others, because every model shares _Item's connection and the indexes it knows.
    queue = QueueIndex()


# The cities that take sign-ups, listed on their settings items in gsi1 for the sign-up picker: with the labelled
# tenants, the only keys outside a tenant, and holding nothing but tenant names.
SIGNUP_DIRECTORY = "SIGNUP_CITIES"


class TenantItem(_Item):
    name = UnicodeAttribute()
    settings: MapAttribute[str, Any] = MapAttribute(default=dict)
    version = VersionAttribute()

    @staticmethod
    def keys(tenant: str) -> tuple[str, str]:
        return tenant_key(tenant), "TENANT"


class InviteCodeItem(_Item):
    """A single-use code a citizen signs up into an invite-only city with, stored by its hash."""

    created_by = UnicodeAttribute()
    used_by = UnicodeAttribute(null=True)
    used_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()

    @staticmethod
    def keys(tenant: str, code_hash: str) -> tuple[str, str]:
        return tenant_key(tenant, "INVITE", code_hash), "INVITE"


class UserItem(_Item):
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    display_name = UnicodeAttribute(null=True)
    groups: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    active = BooleanAttribute(default=True)
    wallet_address = UnicodeAttribute(null=True)
    points = NumberAttribute(default=0)
    balance_pending = NumberAttribute(default=0)
    balance_minted = NumberAttribute(default=0)
    version = VersionAttribute()

    @staticmethod
    def keys(tenant: str, user_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "USER", user_id), "PROFILE"


class UserCounters(_Item):
    """The user item seen only for its counters: added to without the profile's version check."""

    points = NumberAttribute(default=0)
    balance_pending = NumberAttribute(default=0)
    balance_minted = NumberAttribute(default=0)


class EarnedItem(_Item):
    """Tokens a citizen earned on one day, checked against the tenant's daily cap."""

    amount = NumberAttribute(default=0)

    @staticmethod
    def keys(tenant: str, user_id: str, day: str) -> tuple[str, str]:
        return tenant_key(tenant, "USER", user_id), f"EARNED#{day}"


class ReportItem(_Item):
    report_id = UnicodeAttribute()
    reporter_id = UnicodeAttribute()
    waste_type = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    address = UnicodeAttribute(null=True)
    lat = NumberAttribute()
    lng = NumberAttribute()
    geohash = UnicodeAttribute()
    zone = UnicodeAttribute(null=True)
    photo_keys = ListAttribute(of=UnicodeAttribute, default=list)
    priority = UnicodeAttribute(default="normal")
    status = UnicodeAttribute()
    ai_type = UnicodeAttribute(null=True)
    ai_confidence = NumberAttribute(null=True)
    votes_up = NumberAttribute(default=0)
    votes_down = NumberAttribute(default=0)
    vehicle_id = UnicodeAttribute(null=True)
    source = UnicodeAttribute(default="app")
    # Staff hid the description and address from everyone else (ecopulse.privacy).
    text_hidden = BooleanAttribute(null=True)
    # When it was last resolved: the reporter's window to confirm or reopen runs from here (ecopulse.follow_up).
    resolved_at = UTCDateTimeAttribute(null=True)
    # Merges (ecopulse.duplicates) and the priority rule (ecopulse.priority); absent on reports stored before them.
    merged_into = UnicodeAttribute(null=True)
    duplicates_merged = NumberAttribute(null=True)
    priority_points = NumberAttribute(null=True)
    queue_rank = NumberAttribute(null=True)
    # Each photo's verification result by photo key (ecopulse.report_photos), written without the version check.
    photo_results: MapAttribute[str, Any] = MapAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    @staticmethod
    def keys(tenant: str, report_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "REPORT", report_id), "REPORT"


class FixQuestionItem(_Item):
    """A resolved report whose reporter has not yet been asked whether it is fixed, written with the resolution.
    Its gsi1 keys (``TENANT#T#FIX_QUESTIONS``, the resolution's time) list the reports waiting to be asked, oldest
    first; asking removes them (a sparse index), so a report is asked once. Confirming or reopening deletes it."""

    resolved_at = UTCDateTimeAttribute()
    asked_at = UTCDateTimeAttribute(null=True)

    @staticmethod
    def keys(tenant: str, report_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "REPORT", report_id), "FIX_QUESTION"

    @staticmethod
    def waiting(tenant: str) -> str:
        return tenant_key(tenant, "FIX_QUESTIONS")


class ReportPhotoResults(_Item):
    """The report item seen only for its photos' results: a verdict arriving is no change a staff member's copy
    of the report should conflict with."""

    photo_results: MapAttribute[str, Any] = MapAttribute(null=True)


REPORT_PHOTO_PREFIX = "REPORTPHOTO#"


class ReportPhotoItem(_Item):
    """One report photo's verification result and the reports that name it, under its uploader (who may erase
    it: the verdict's detail holds the photo's GPS, camera and times)."""

    photo_key = UnicodeAttribute()
    result: MapAttribute[str, Any] = MapAttribute(null=True)
    detail: MapAttribute[str, Any] = MapAttribute(null=True)
    report_ids = UnicodeSetAttribute(null=True)

    @staticmethod
    def keys(tenant: str, user_id: str, upload_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "USER", user_id), f"{REPORT_PHOTO_PREFIX}{upload_id}"


class ReportCounters(_Item):
    """The report item seen only for what votes and merges add to: added to without the version check that would
    make every concurrent vote a conflict."""

    votes_up = NumberAttribute(default=0)
    votes_down = NumberAttribute(default=0)
    priority_points = NumberAttribute(null=True)
    queue_rank = NumberAttribute(null=True)
    duplicates_merged = NumberAttribute(null=True)
    photo_keys = ListAttribute(of=UnicodeAttribute, null=True)
    status = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)


class VoteItem(_Item):
    voter_id = UnicodeAttribute()
    value = UnicodeAttribute()

    @staticmethod
    def keys(tenant: str, report_id: str, user_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "REPORT", report_id), f"VOTE#{user_id}"


class AuditItem(_Item):
    """Who changed what, when, from which state to which, and why. A comment on a report is an entry of its trail
    too (action ``commented``), with its ``text``, whether it is ``internal`` (staff only) and ``text_hidden``."""

    entity = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    old = UnicodeAttribute(null=True)
    new = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    internal = BooleanAttribute(null=True)
    text_hidden = BooleanAttribute(null=True)


class SubmissionItem(_Item):
    """A photo of cleanup work on its way through verification, review and reward."""

    submission_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    report_id = UnicodeAttribute(null=True)
    task = UnicodeAttribute(null=True)
    # A driver's close-out of a dispatched job (ecopulse.jobs): its "before" photo is the report's.
    closeout = BooleanAttribute(null=True)
    status = UnicodeAttribute()
    photo_key = UnicodeAttribute()
    photos: MapAttribute[str, Any] = MapAttribute(default=dict)
    photo_versions: MapAttribute[str, Any] = MapAttribute(default=dict)
    replaced_uploads: MapAttribute[str, Any] = MapAttribute(default=dict)
    photo_verdicts: MapAttribute[str, Any] = MapAttribute(default=dict)
    photo_facts: MapAttribute[str, Any] = MapAttribute(default=dict)
    content_type = UnicodeAttribute(null=True)
    size_bytes = NumberAttribute(null=True)
    verdict: MapAttribute[str, Any] = MapAttribute(null=True)
    rejection_reason = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    # The admin decision taken ({outcome, reason, reviewer, decided_at}), stored before the workflow hears it.
    review_decision: MapAttribute[str, Any] = MapAttribute(null=True)
    task_token = UnicodeAttribute(null=True)
    reward = NumberAttribute(null=True)
    mint_tx = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    @staticmethod
    def keys(tenant: str, submission_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "SUBMISSION", submission_id), "SUBMISSION"


class SubmissionPayout(_Item):
    """The submission item seen only for its payout, written by the minter without the version check."""

    mint_tx = UnicodeAttribute(null=True)


class EventItem(_Item):
    event_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    lat = NumberAttribute()
    lng = NumberAttribute()
    checkin_radius_m = NumberAttribute()
    starts_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    capacity = NumberAttribute()
    attendees = NumberAttribute(default=0)
    bonus_points = NumberAttribute(default=0)
    created_by = UnicodeAttribute()
    version = VersionAttribute()

    @staticmethod
    def keys(tenant: str, event_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "EVENT", event_id), "EVENT"


class AttendeeItem(_Item):
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()
    checked_in_at = UTCDateTimeAttribute(null=True)

    @staticmethod
    def keys(tenant: str, event_id: str, user_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "EVENT", event_id), f"ATTENDEE#{user_id}"


class LedgerItem(_Item):
    user_id = UnicodeAttribute()
    submission_id = UnicodeAttribute()
    amount = NumberAttribute()
    reason = UnicodeAttribute()
    state = UnicodeAttribute(default="pending")
    tx_hash = UnicodeAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    """Set on an event's check-in bonus, whose ``submission_id`` is its reward id (``rewards.check_in_reward_id``)
    and which has no submission to mark paid."""

    @staticmethod
    def keys(tenant: str, user_id: str, submission_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "USER", user_id), f"LEDGER#{submission_id}"


class LeaderboardItem(_Item):
    period = UnicodeAttribute()
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()
    points = NumberAttribute(default=0)

    @staticmethod
    def keys(tenant: str, period: str, user_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "LEADERBOARD", period), f"USER#{user_id}"


class VehicleItem(_Item):
    vehicle_id = UnicodeAttribute()
    name = UnicodeAttribute()
    plate = UnicodeAttribute(null=True)
    capacity_kg = NumberAttribute(default=0)
    status = UnicodeAttribute(default="available")
    lat = NumberAttribute(null=True)
    lng = NumberAttribute(null=True)
    report_id = UnicodeAttribute(null=True)
    driver_id = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    @staticmethod
    def keys(tenant: str, vehicle_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "VEHICLE", vehicle_id), "VEHICLE"


class AlertSubscriptionItem(_Item):
    user_id = UnicodeAttribute()
    zone = UnicodeAttribute()

    @staticmethod
    def keys(tenant: str, zone: str, user_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "ZONE", zone), f"SUB#{user_id}"


class AlertItem(_Item):
    zone = UnicodeAttribute()
    message = UnicodeAttribute()
    severity = UnicodeAttribute()
    sent_by = UnicodeAttribute()
    recipients = NumberAttribute(default=0)


class InboxItem(_Item):
    """One message in a user's in-app inbox, newest first by sort key."""

    user_id = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    submission_id = UnicodeAttribute(null=True)
    report_id = UnicodeAttribute(null=True)
    read = BooleanAttribute(default=False)
    # DynamoDB's TTL deletes the message once its retention has passed (ecopulse.leaving.INBOX_RETENTION).
    expires_at = TTLAttribute(null=True, default_for_new=lambda: utcnow() + INBOX_RETENTION)

    @staticmethod
    def keys(tenant: str, user_id: str, message_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "USER", user_id), f"INBOX#{message_id}"


class FollowerItem(_Item):
    """A citizen following a report; listed under them (gsi3) for when they leave."""

    user_id = UnicodeAttribute()

    @staticmethod
    def keys(tenant: str, report_id: str, user_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "REPORT", report_id), f"FOLLOWER#{user_id}"


class PreferencesItem(_Item):
    """How a person wants to hear about their reports (the inbox always)."""

    push = BooleanAttribute(default=True)
    email = BooleanAttribute(default=True)
    sms = BooleanAttribute(default=False)
    phone_number = UnicodeAttribute(null=True)

    @staticmethod
    def keys(tenant: str, user_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "USER", user_id), "PREFERENCES"


class DeviceItem(_Item):
    """A phone or browser registered for push: its SNS platform endpoint and broadcast subscription."""

    device_id = UnicodeAttribute()
    platform = UnicodeAttribute()
    endpoint_arn = UnicodeAttribute()
    broadcast_subscription = UnicodeAttribute(null=True)

    @staticmethod
    def keys(tenant: str, user_id: str, device_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "USER", user_id), f"DEVICE#{device_id}"


class DeliveryItem(_Item):
    """A notice delivered on one channel, remembered while the stream may deliver its change again."""

    expires_at = TTLAttribute()

    @staticmethod
    def keys(tenant: str, user_id: str, key: str) -> tuple[str, str]:
        return tenant_key(tenant, "USER", user_id), f"NOTICE#{key}"


class StatsItem(_Item):
    """Counters kept on write for one day (or all time) and one zone (or the whole tenant).

    Top-level numbers, not a map: DynamoDB's ADD works only on top-level attributes.
    """

    reports_created = NumberAttribute(null=True)
    reports_dispatched = NumberAttribute(null=True)
    reports_resolved = NumberAttribute(null=True)
    reports_rejected = NumberAttribute(null=True)
    submissions_received = NumberAttribute(null=True)
    submissions_approved = NumberAttribute(null=True)
    submissions_rejected = NumberAttribute(null=True)
    decided_by_model = NumberAttribute(null=True)
    decided_by_admin = NumberAttribute(null=True)
    review_seconds = NumberAttribute(null=True)
    rewards_granted = NumberAttribute(null=True)
    rewards_minted = NumberAttribute(null=True)
    votes = NumberAttribute(null=True)
    checkins = NumberAttribute(null=True)

    @staticmethod
    def keys(tenant: str, day: str, zone: str | None) -> tuple[str, str]:
        return tenant_key(tenant, "STATS", day), f"ZONE#{zone}" if zone else "ALL"


class HeatCellItem(_Item):
    reports = NumberAttribute(default=0)

    @staticmethod
    def keys(tenant: str, cell: str) -> tuple[str, str]:
        return tenant_key(tenant, "HEAT"), cell


SETTINGS_VERSION_PREFIX = "SETTINGS#"


class SettingsVersionItem(_Item):
    """One change to a tenant's settings: who made it, and each setting changed with its value before and after
    (JSON, as the API shows them)."""

    version = NumberAttribute()
    changed_by = UnicodeAttribute()
    changes = UnicodeAttribute()

    @staticmethod
    def keys(tenant: str, version: int) -> tuple[str, str]:
        return tenant_key(tenant), f"{SETTINGS_VERSION_PREFIX}{version:010d}"


ACCOUNT_DELETED = "DELETED"


class AccountDeletedItem(_Item):
    """The record that an account was erased (``ecopulse.leaving``), deleted by DynamoDB's TTL when its retention
    has passed. ``created_at`` is when."""

    expires_at = TTLAttribute()

    @staticmethod
    def keys(tenant: str, user_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "USER", user_id), ACCOUNT_DELETED


class ItemKeys(Model):
    """Any item of the table, seen only for its keys: what erasing a partition needs to know of each item."""

    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class SubmissionEvidence(_Item):
    """The submission item seen only for what its photos revealed, erased with its citizen's account without the
    version check (the workflow may be changing the submission's status meanwhile)."""

    photo_facts: MapAttribute[str, Any] = MapAttribute(null=True)
    photo_verdicts: MapAttribute[str, Any] = MapAttribute(null=True)
    verdict: MapAttribute[str, Any] = MapAttribute(null=True)
    replaced_uploads: MapAttribute[str, Any] = MapAttribute(null=True)
