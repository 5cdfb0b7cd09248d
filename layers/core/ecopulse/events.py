"""Community events: an admin sets one up, citizens join it while places last and check in at the meeting point
while it runs. ``ecopulse.store.events.EventRepository`` is the DynamoDB adapter of the ``Events`` port."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ecopulse import geo
from ecopulse.paging import Page


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

    def upcoming(self, tenant: str, now: datetime, limit: int, cursor: str | None) -> Page[Event]:
        """Events starting from ``now`` on, soonest first."""
        ...

    def join(self, tenant: str, event_id: str, user_id: str, username: str) -> Event:
        """Takes a place, atomically: ``EventFull`` when none is left, ``AlreadyJoined`` on a second join."""
        ...

    def attendee(self, tenant: str, event_id: str, user_id: str) -> Attendee:
        """``NotAttending`` when the user has not joined the event."""
        ...

    def check_in(self, tenant: str, event_id: str, user_id: str) -> Attendee:
        """Records the attendee's arrival once: a later check-in keeps the first one's time."""
        ...

    def attendees(self, tenant: str, event_id: str, limit: int, cursor: str | None) -> Page[Attendee]: ...


def join(events: Events, tenant: str, event_id: str, user_id: str, username: str, now: datetime) -> Event:
    """Anyone may join until the event ends, while places last."""
    if events.get(tenant, event_id).is_over(now):
        raise EventOver(event_id)
    return events.join(tenant, event_id, user_id, username)


def check_in_attendee(
    events: Events, tenant: str, event_id: str, user_id: str, lat: float, lng: float, now: datetime
) -> Attendee:
    """An attendee checks in while the event runs, within its radius of the meeting point. Checking in again
    answers the first check-in."""
    event = events.get(tenant, event_id)
    attendee = events.attendee(tenant, event_id, user_id)
    if not event.is_running(now):
        raise NotRunning(event_id)
    distance = event.distance_m(lat, lng)
    if distance > event.checkin_radius_m:
        raise TooFar(distance)
    if attendee.checked_in_at is not None:
        return attendee
    return events.check_in(tenant, event_id, user_id)


def attendees_of(events: Events, tenant: str, event_id: str, limit: int, cursor: str | None) -> Page[Attendee]:
    """An event nobody joined has no attendees; one that does not exist is not found."""
    events.get(tenant, event_id)
    return events.attendees(tenant, event_id, limit, cursor)
