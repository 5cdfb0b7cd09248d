"""Leaving, and how long what a person leaves behind is kept.

``DELETE /me`` erases what identifies a person: the profile (e-mail, username, display name, wallet, balances),
everything else kept under their user partition (inbox, daily earnings, devices), their alert subscriptions, their
names on leaderboards and event lists, the facts their photos revealed (GPS, camera, capture times) and the photos'
originals and resized copies, every stored version of them. What the city must account for stays under the
pseudonym the account had (a random id that, once the sign-in is deleted, links to nobody): the reward ledger,
audit trails, votes, reports and submissions without their evidence. Rewards already paid stay on the chain, which
nobody can change: the chain holds the wallet address and the amounts, never a name.

Erasing is idempotent, so a leave that failed half-way is finished by asking again; the sign-in is deleted last,
so until then the person can still ask.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ecopulse.report_notices import Devices, Push, forget_all_devices
from ecopulse.rewards import leaderboard_periods
from ecopulse.uploads import UPLOAD_PREFIX

# How long an erased account's record is kept: it refuses the account's ID tokens that are still valid (a day at
# most), and it answers "was this account erased, and when" through the month a person may wait for an answer to
# a data request and the two more it may be extended by (GDPR article 12(3)). It names no one.
DELETION_RECORD_RETENTION = timedelta(days=90)
# How long a message stays in an inbox: a year of news about one's reports and rewards is plenty.
INBOX_RETENTION = timedelta(days=365)


class AccountDeleted(Exception):
    """The account was erased; its token, still valid for a while, may do nothing with it."""


@dataclass(frozen=True)
class Erasure:
    """What leaving erased, for the logs (counts only)."""

    items: int
    subscriptions: int
    submissions: int
    reports: int
    attendances: int
    photo_versions: int
    devices: int
    sign_in_deleted: bool


class PersonalData(Protocol):
    """What the city stores about one person, by what the erasure does to it."""

    def mark_deleted(self, tenant: str, user_id: str, at: datetime, keep_until: datetime) -> None: ...

    def ledger_moments(self, tenant: str, user_id: str) -> list[datetime]:
        """When each reward in the person's ledger was granted."""
        ...

    def leave_leaderboards(self, tenant: str, user_id: str, periods: list[str]) -> None: ...

    def unsubscribe_everywhere(self, tenant: str, user_id: str) -> int:
        """Zone alerts and followed reports."""
        ...

    def forget_attendance_names(self, tenant: str, user_id: str) -> int:
        """Event attendances stay counted; the name on them becomes the pseudonym."""
        ...

    def strip_evidence(self, tenant: str, user_id: str) -> int:
        """Removes what the person's cleanup photos revealed from their submissions; the outcome stays."""
        ...

    def unlink_report_photos(self, tenant: str, user_id: str) -> int:
        """The person's reports stay (the litter was there), without their photos."""
        ...

    def report_photo_copies(self, tenant: str, user_id: str) -> list[str]:
        """Where the resized copies of each report photo the person uploaded are: named by each upload's random id
        rather than by the person (``ecopulse.report_photos``), so they are found through the person's records."""
        ...

    def erase_own_items(self, tenant: str, user_id: str) -> int:
        """Deletes every item in the person's partition but their ledger and the record of the deletion."""
        ...


class PhotoOriginals(Protocol):
    def erase_all_versions(self, bucket: str, prefix: str) -> int:
        """Deletes every version (and delete marker) of every object under ``prefix``; returns how many."""
        ...


class SignIns(Protocol):
    def delete_sign_in(self, username: str) -> bool:
        """Deletes the person from the user pool; False when they were gone already."""
        ...


def originals_prefix(tenant: str, user_id: str) -> str:
    """Every photo a person uploads lives under this prefix (``ecopulse.uploads.UploadKey``)."""
    return f"{UPLOAD_PREFIX}{tenant}/{user_id}/"


def leave(
    data: PersonalData,
    photos: PhotoOriginals,
    sign_ins: SignIns,
    devices: Devices,
    push: Push,
    bucket: str,
    tenant: str,
    user_id: str,
    username: str,
    now: datetime,
) -> Erasure:
    """Erases the person's personal data and then their sign-in. The deletion is recorded first, so that nothing
    they could still do with their token re-creates a profile while the rest is erased."""
    data.mark_deleted(tenant, user_id, now, now + DELETION_RECORD_RETENTION)
    periods = {
        period for moment in [*data.ledger_moments(tenant, user_id), now] for period in leaderboard_periods(moment)
    }
    data.leave_leaderboards(tenant, user_id, sorted(periods))
    subscriptions = data.unsubscribe_everywhere(tenant, user_id)
    attendances = data.forget_attendance_names(tenant, user_id)
    submissions = data.strip_evidence(tenant, user_id)
    reports = data.unlink_report_photos(tenant, user_id)
    photo_versions = photos.erase_all_versions(bucket, originals_prefix(tenant, user_id))
    # Before the items go: the person's photo records are all that lead to the copies.
    for prefix in data.report_photo_copies(tenant, user_id):
        photo_versions += photos.erase_all_versions(bucket, prefix)
    # Before the items go: a device's item is all that names its SNS endpoint.
    forgotten_devices = forget_all_devices(devices, push, tenant, user_id)
    items = data.erase_own_items(tenant, user_id)
    return Erasure(
        items=items,
        subscriptions=subscriptions,
        submissions=submissions,
        reports=reports,
        attendances=attendances,
        photo_versions=photo_versions,
        devices=forgotten_devices,
        sign_in_deleted=sign_ins.delete_sign_in(username),
    )
