"""Reads of what citizens earn and receive: ledger, leaderboard, inbox, alert subscriptions."""

import uuid

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


class CommunityRepository:
    def ledger(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[LedgerItem]:
        return paged(
            LedgerItem.gsi3.query,
            tenant,
            (
                "USER",
                user_id,
                "LEDGER",
            ),
            limit,
            cursor,
            newest_first=True,
        )

    def inbox(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[InboxItem]:
        return paged(
            InboxItem.query,
            tenant,
            (
                "USER",
                user_id,
            ),
            limit,
            cursor,
            condition=InboxItem.sk.startswith("INBOX#"),
            newest_first=True,
        )

    def leaderboard(self, tenant: str, period: str, limit: int) -> list[LeaderboardItem]:
        return list(
            LeaderboardItem.gsi2.query(tenant_key(tenant, "LEADERBOARD", period), scan_index_forward=False, limit=limit)
        )

    def subscribe(self, tenant: str, zone: str, user_id: str) -> None:
        pk, sk = AlertSubscriptionItem.keys(tenant, zone, user_id)
        AlertSubscriptionItem(pk, sk, tenant=tenant, zone=zone, user_id=user_id).save()

    def unsubscribe(self, tenant: str, zone: str, user_id: str) -> None:
        AlertSubscriptionItem(*AlertSubscriptionItem.keys(tenant, zone, user_id)).delete()

    def broadcast(self, tenant: str, zone: str, message: str, severity: str, sender: str) -> AlertItem:
        """Records the alert and puts it in every subscriber's inbox."""
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
        return alert
