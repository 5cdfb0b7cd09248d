"""The ``Community`` port on DynamoDB: ledger, inbox, leaderboard and zone alerts."""

import uuid
from datetime import date

from ecopulse.community import Alert, AlertSeverity, InboxMessage, LedgerEntry, Standing
from ecopulse.exports import LedgerGrant
from ecopulse.paging import Page
from ecopulse.store.models import (
    AlertItem,
    AlertSubscriptionItem,
    InboxItem,
    LeaderboardItem,
    LedgerItem,
    sort_stamp,
    tenant_key,
    utcnow,
)
from ecopulse.store.pages import paged

INBOX_PREFIX = "INBOX#"


def ledger_entry_of(item: LedgerItem) -> LedgerEntry:
    return LedgerEntry(
        submission_id=item.submission_id,
        amount=int(item.amount),
        reason=item.reason,
        state=item.state,
        tx_hash=item.tx_hash,
        created_at=item.created_at,
    )


def inbox_message_of(item: InboxItem) -> InboxMessage:
    return InboxMessage(
        message_id=item.sk.removeprefix(INBOX_PREFIX),
        title=item.title,
        body=item.body,
        submission_id=item.submission_id,
        read=bool(item.read),
        created_at=item.created_at,
        report_id=item.report_id,
    )


class CommunityRepository:
    def ledger(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[LedgerEntry]:
        page: Page[LedgerItem] = paged(
            LedgerItem.gsi3.query, tenant, ("USER", user_id, "LEDGER"), limit, cursor, newest_first=True
        )
        return Page([ledger_entry_of(item) for item in page.items], page.cursor)

    def granted_on(self, tenant: str, day: date, limit: int) -> list[LedgerGrant]:
        """Oldest first, off the tenant's index of the day's grants."""
        items = LedgerItem.gsi2.query(tenant_key(tenant, "LEDGER", day.isoformat()), limit=limit)
        return [LedgerGrant(item.user_id, ledger_entry_of(item)) for item in items]

    def inbox(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[InboxMessage]:
        page: Page[InboxItem] = paged(
            InboxItem.query,
            tenant,
            ("USER", user_id),
            limit,
            cursor,
            condition=InboxItem.sk.startswith(INBOX_PREFIX),
            newest_first=True,
        )
        return Page([inbox_message_of(item) for item in page.items], page.cursor)

    def leaderboard(self, tenant: str, period: str, limit: int) -> list[Standing]:
        items = LeaderboardItem.gsi2.query(
            tenant_key(tenant, "LEADERBOARD", period), scan_index_forward=False, limit=limit
        )
        return [Standing(item.user_id, item.username, int(item.points)) for item in items]

    def subscribe(self, tenant: str, zone: str, user_id: str) -> None:
        """Listed under the subscriber too (gsi3), so that leaving finds every zone they subscribed to."""
        pk, sk = AlertSubscriptionItem.keys(tenant, zone, user_id)
        mine = tenant_key(tenant, "USER", user_id, "ALERTS")
        AlertSubscriptionItem(pk, sk, tenant=tenant, zone=zone, user_id=user_id, gsi3pk=mine, gsi3sk=zone).save()

    def unsubscribe(self, tenant: str, zone: str, user_id: str) -> None:
        AlertSubscriptionItem(*AlertSubscriptionItem.keys(tenant, zone, user_id)).delete()

    def broadcast(self, tenant: str, zone: str, message: str, severity: AlertSeverity, sender: str) -> Alert:
        now = utcnow()
        subscribers = list(
            AlertSubscriptionItem.query(tenant_key(tenant, "ZONE", zone), AlertSubscriptionItem.sk.startswith("SUB#"))
        )
        with InboxItem.batch_write() as batch:
            for subscriber in subscribers:
                message_id = sort_stamp(now, uuid.uuid4().hex[:8])
                pk, sk = InboxItem.keys(tenant, subscriber.user_id, message_id)
                batch.save(
                    InboxItem(pk, sk, tenant=tenant, user_id=subscriber.user_id, title=f"Alert: {zone}", body=message)
                )
        alert = AlertItem(
            tenant_key(tenant, "ZONE", zone),
            f"ALERT#{sort_stamp(now, uuid.uuid4().hex[:8])}",
            tenant=tenant,
            zone=zone,
            message=message,
            severity=severity,
            sent_by=sender,
            recipients=len(subscribers),
        )
        alert.save()
        return Alert(zone, message, severity, sender, len(subscribers), alert.created_at)
