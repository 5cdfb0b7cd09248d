"""What citizens earn and hear, and how they compare: the reward ledger, the inbox, zone alerts and the
leaderboard. ``ecopulse.store.community.CommunityRepository`` is the DynamoDB adapter of the ``Community`` port."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from ecopulse.paging import Page

if TYPE_CHECKING:  # tenants imports submissions, users and so this module
    from ecopulse.tenants import Tenants

AlertSeverity = Literal["info", "warning", "critical"]


@dataclass(frozen=True)
class LedgerEntry:
    """One reward granted to a citizen, and how far its payout has got (pending, paid or mint_failed)."""

    submission_id: str
    amount: int
    reason: str
    state: str
    tx_hash: str | None
    created_at: datetime


@dataclass(frozen=True)
class InboxMessage:
    message_id: str
    title: str
    body: str
    submission_id: str | None
    read: bool
    created_at: datetime
    report_id: str | None = None


@dataclass(frozen=True)
class Alert:
    """A message an admin broadcast to a zone, and how many subscribers it reached."""

    zone: str
    message: str
    severity: str
    sent_by: str
    recipients: int
    sent_at: datetime


@dataclass(frozen=True)
class Standing:
    """A citizen's points on one leaderboard."""

    user_id: str
    username: str
    points: int


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user_id: str
    username: str
    points: int


class Community(Protocol):
    def ledger(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[LedgerEntry]:
        """The citizen's rewards, newest first."""
        ...

    def inbox(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[InboxMessage]:
        """The citizen's messages, newest first."""
        ...

    def leaderboard(self, tenant: str, period: str, limit: int) -> list[Standing]:
        """The board of ``period`` (``all``, a month or an ISO week), most points first."""
        ...

    def subscribe(self, tenant: str, zone: str, user_id: str) -> None: ...

    def unsubscribe(self, tenant: str, zone: str, user_id: str) -> None: ...

    def broadcast(self, tenant: str, zone: str, message: str, severity: AlertSeverity, sender: str) -> Alert:
        """Records the alert and puts it in the inbox of everyone subscribed to the zone."""
        ...


def ranking(community: Community, tenant: str, period: str, limit: int) -> list[LeaderboardRow]:
    """The board's first ``limit`` citizens, ranked from 1 in the board's order."""
    return [
        LeaderboardRow(rank, standing.user_id, standing.username, standing.points)
        for rank, standing in enumerate(community.leaderboard(tenant, period, limit), start=1)
    ]


def subscribe_to_zone(community: Community, tenants: "Tenants", tenant: str, zone: str, user_id: str) -> None:
    """Alerts of a zone the city has set arrive in the citizen's inbox; any other zone is ``ZoneNotFound``."""
    tenants.settings(tenant).zone(zone)
    community.subscribe(tenant, zone, user_id)


def broadcast_alert(
    community: Community, tenants: "Tenants", tenant: str, zone: str, message: str, severity: AlertSeverity, sender: str
) -> Alert:
    """An alert goes to a zone the city has set; any other zone is ``ZoneNotFound``, and nothing is recorded."""
    tenants.settings(tenant).zone(zone)
    return community.broadcast(tenant, zone, message, severity, sender)
