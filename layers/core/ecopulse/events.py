"""Community events: an admin sets one up, citizens join it while places last and check in at the meeting point
while it runs, which pays the event's bonus once. ``ecopulse.store.events.EventRepository`` is the DynamoDB
adapter of the ``Events`` port."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ecopulse import geo
from ecopulse.paging import Page
from ecopulse.rewards import RewardGrant, check_in_reward_id
from ecopulse.tenants import Tenants, TenantSettings
from ecopulse.users import RewardQueue, Users


class EventNotFound(LookupError):
    pass


class EventFull(Exception):
    """Every place is taken."""


class AlreadyJoined(Exception):
    pass


class NotAttending(Exception):
    """Checking in to an event one has not joined."""


class EventOver(Exception):
    """Joining an event that has ended."""


class NotRunning(Exception):
    """Checking in before the event starts or after it ends."""


class TooFar(Exception):
    """Checking in farther from the meeting point than the event's radius; the message says how far."""

    def __init__(self, distance_m: float) -> None:
        self.distance_m = distance_m
        self.message = f"you are {distance_m:.0f} m from the meeting point"
        super().__init__(self.message)


class EventState(StrEnum):
    UPCOMING = "upcoming"
    RUNNING = "running"
    ENDED = "ended"


@dataclass(frozen=True)
class NewEvent:
    title: str
    description: str | None
    lat: float
    lng: float
    checkin_radius_m: float
    starts_at: datetime
    ends_at: datetime
    capacity: int
    bonus_points: int
    created_by: str


@dataclass(frozen=True)
class Event:
    event_id: str
    title: str
    description: str | None
    lat: float
    lng: float
    checkin_radius_m: float
    starts_at: datetime
    ends_at: datetime
    capacity: int
    attendees: int
    bonus_points: int
    created_by: str

    def is_over(self, now: datetime) -> bool:
        return self.ends_at <= now

    def is_running(self, now: datetime) -> bool:
        return self.starts_at <= now <= self.ends_at

    def state(self, now: datetime) -> EventState:
        """Check-in is open (running) from its start to its end, both included."""
        if now < self.starts_at:
            return EventState.UPCOMING
        return EventState.RUNNING if now <= self.ends_at else EventState.ENDED

    def distance_m(self, lat: float, lng: float) -> float:
        """From the meeting point."""
        return geo.distance_m(lat, lng, self.lat, self.lng)


@dataclass(frozen=True)
class Attendee:
    user_id: str
    username: str
    checked_in_at: datetime | None


class Events(Protocol):
    def create(self, tenant: str, event: NewEvent) -> Event: ...

    def get(self, tenant: str, event_id: str) -> Event: ...

    def current(self, tenant: str, now: datetime, limit: int, cursor: str | None) -> Page[Event]:
        """Events that have not ended by ``now`` (upcoming and running), the soonest to end first."""
        ...

    def join(self, tenant: str, event_id: str, user_id: str, username: str) -> Event:
        """Takes a place, atomically: ``EventFull`` when none is left, ``AlreadyJoined`` on a second join."""
        ...

    def attendee(self, tenant: str, event_id: str, user_id: str) -> Attendee:
        """``NotAttending`` when the user has not joined the event."""
        ...

    def check_in(self, tenant: str, event_id: str, user_id: str, bonus: RewardGrant | None = None) -> Attendee:
        """Records the attendee's arrival once, with ``bonus`` granted in the same write: a later check-in keeps the
        first one's time and grants nothing."""
        ...

    def attendees(self, tenant: str, event_id: str, limit: int, cursor: str | None) -> Page[Attendee]: ...


class BonusPlanner(Protocol):
    def plan_bonus(
        self, tenant: str, user_id: str, reward_id: str, bonus_points: int, settings: TenantSettings, now: datetime
    ) -> RewardGrant | None:
        """The grant of an event's bonus to ``user_id`` now (``rewards.event_bonus_for``), or None when the daily
        cap leaves nothing to earn today."""
        ...


@dataclass(frozen=True)
class BonusPayer:
    """What paying a check-in's bonus takes: the cleanups' ledger grant and mint queue, the city's cap, the
    citizen's account and wallet."""

    planner: BonusPlanner
    tenants: Tenants
    users: Users
    queue: RewardQueue


def join(events: Events, tenant: str, event_id: str, user_id: str, username: str, now: datetime) -> Event:
    """Anyone may join until the event ends, while places last."""
    if events.get(tenant, event_id).is_over(now):
        raise EventOver(event_id)
    return events.join(tenant, event_id, user_id, username)


def check_in_attendee(
    events: Events, payer: BonusPayer, tenant: str, event_id: str, user_id: str, lat: float, lng: float, now: datetime
) -> Attendee:
    """An attendee checks in while the event runs, within its radius of the meeting point, and earns the event's
    bonus as a cleanup earns its reward: granted in the check-in's write, under the daily cap, then asked of the
    minter when the citizen has a wallet (else it waits, as a pending balance, for one). An account the city
    disabled earns nothing. Checking in again answers the first check-in and pays nothing."""
    event = events.get(tenant, event_id)
    attendee = events.attendee(tenant, event_id, user_id)
    if not event.is_running(now):
        raise NotRunning(event_id)
    distance = event.distance_m(lat, lng)
    if distance > event.checkin_radius_m:
        raise TooFar(distance)
    if attendee.checked_in_at is not None:
        return attendee
    citizen = payer.users.get(tenant, user_id)
    bonus = None
    if event.bonus_points > 0 and citizen.active:
        reward_id = check_in_reward_id(tenant, event_id, user_id)
        settings = payer.tenants.settings(tenant)
        bonus = payer.planner.plan_bonus(tenant, user_id, reward_id, event.bonus_points, settings, now)
    checked_in = events.check_in(tenant, event_id, user_id, bonus)
    if bonus is not None and bonus.wallet is not None:
        payer.queue.enqueue(tenant, user_id, bonus.submission_id, bonus.wallet, bonus.amount)
    return checked_in


def attendees_of(events: Events, tenant: str, event_id: str, limit: int, cursor: str | None) -> Page[Attendee]:
    """An event nobody joined has no attendees; one that does not exist is not found."""
    events.get(tenant, event_id)
    return events.attendees(tenant, event_id, limit, cursor)
