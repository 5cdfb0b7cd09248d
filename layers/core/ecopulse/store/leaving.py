"""The ``PersonalData`` port on DynamoDB: each kind of item a person leaves behind, found through the key or index
that lists it under them (never a scan), and erased or made pseudonymous as ``ecopulse.leaving`` says."""

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from ecopulse.report_photos import copies_prefix
from ecopulse.store.models import (
    ACCOUNT_DELETED,
    REPORT_PHOTO_PREFIX,
    AccountDeletedItem,
    AlertSubscriptionItem,
    AttendeeItem,
    FollowerItem,
    ItemKeys,
    LeaderboardItem,
    LedgerItem,
    ReportItem,
    ReportPhotoItem,
    SubmissionEvidence,
    SubmissionItem,
    tenant_key,
)

LEDGER_PREFIX = "LEDGER#"


def is_deleted(tenant: str, user_id: str) -> bool:
    try:
        AccountDeletedItem.get(*AccountDeletedItem.keys(tenant, user_id), consistent_read=True)
    except DoesNotExist:
        return False
    return True


class PersonalDataRepository:
    def mark_deleted(self, tenant: str, user_id: str, at: datetime, keep_until: datetime) -> None:
        pk, sk = AccountDeletedItem.keys(tenant, user_id)
        AccountDeletedItem(pk, sk, tenant=tenant, created_at=at, expires_at=keep_until).save()

    def ledger_moments(self, tenant: str, user_id: str) -> list[datetime]:
        entries = LedgerItem.query(tenant_key(tenant, "USER", user_id), LedgerItem.sk.startswith(LEDGER_PREFIX))
        return [entry.created_at for entry in entries]

    def leave_leaderboards(self, tenant: str, user_id: str, periods: list[str]) -> None:
        with LeaderboardItem.batch_write() as batch:
            for period in periods:
                batch.delete(LeaderboardItem(*LeaderboardItem.keys(tenant, period, user_id)))

    def unsubscribe_everywhere(self, tenant: str, user_id: str) -> int:
        """Zone alerts and followed reports."""
        subscriptions = [
            *AlertSubscriptionItem.gsi3.query(tenant_key(tenant, "USER", user_id, "ALERTS")),
            *FollowerItem.gsi3.query(tenant_key(tenant, "USER", user_id, "FOLLOWS")),
        ]
        with ItemKeys.batch_write() as batch:
            for subscription in subscriptions:
                batch.delete(ItemKeys(subscription.pk, subscription.sk))
        return len(subscriptions)

    def forget_attendance_names(self, tenant: str, user_id: str) -> int:
        attendances = list(AttendeeItem.gsi3.query(tenant_key(tenant, "USER", user_id, "EVENTS")))
        for attendance in attendances:
            attendance.update(actions=[AttendeeItem.username.set(user_id)])
        return len(attendances)

    def strip_evidence(self, tenant: str, user_id: str) -> int:
        submissions = list(SubmissionItem.gsi3.query(tenant_key(tenant, "USER", user_id, "SUBMISSIONS")))
        for submission in submissions:
            SubmissionEvidence(submission.pk, submission.sk).update(
                actions=[
                    SubmissionEvidence.photo_facts.remove(),
                    SubmissionEvidence.photo_verdicts.remove(),
                    SubmissionEvidence.verdict.remove(),
                    SubmissionEvidence.replaced_uploads.remove(),
                ],
                condition=SubmissionEvidence.pk.exists(),
            )
        return len(submissions)

    def unlink_report_photos(self, tenant: str, user_id: str) -> int:
        reports = [
            report
            for report in ReportItem.gsi3.query(tenant_key(tenant, "USER", user_id, "REPORTS"))
            if report.photo_keys
        ]
        for report in reports:
            report.update(
                actions=[ReportItem.photo_keys.remove(), ReportItem.photo_results.remove()], add_version_condition=False
            )
        return len(reports)

    def report_photo_copies(self, tenant: str, user_id: str) -> list[str]:
        photos = ReportPhotoItem.query(
            tenant_key(tenant, "USER", user_id),
            ReportPhotoItem.sk.startswith(REPORT_PHOTO_PREFIX),
            consistent_read=True,
        )
        return [copies_prefix(photo.photo_key) for photo in photos]

    def erase_own_items(self, tenant: str, user_id: str) -> int:
        """The profile, the inbox, daily earnings and whatever else is kept under the person, now or later."""
        erased = [
            item
            for item in ItemKeys.query(tenant_key(tenant, "USER", user_id), consistent_read=True)
            if not item.sk.startswith(LEDGER_PREFIX) and item.sk != ACCOUNT_DELETED
        ]
        with ItemKeys.batch_write() as batch:
            for item in erased:
                batch.delete(item)
        return len(erased)
