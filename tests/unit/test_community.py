"""Community events in process: the rules of joining and checking in with in-memory ports, and each refusal as
the API answers it through the routes with the ports overridden."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import event_repository
from ecopulse.events import (
    AlreadyJoined,
    Attendee,
    Event,
    EventFull,
    EventNotFound,
    EventOver,
    NewEvent,
    NotAttending,
    NotRunning,
    TooFar,
    attendees_of,
    check_in_attendee,
    join,
)
from ecopulse.paging import Page
from tests.unit.test_people import client

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
CANAL = (31.5204, 74.3587)
# A hundredth of a degree of latitude north of the canal: 1112 m on the mean earth sphere.
NORTH_OF_CANAL = (31.5304, 74.3587)


class MemoryEvents:
    """The ``Events`` port in memory, per tenant: capacity and second joins refused as the store refuses them."""

    def __init__(self) -> None:
        self.events: dict[tuple[str, str], Event] = {}
        self.attending: dict[tuple[str, str, str], Attendee] = {}
        self.check_ins = 0

    def create(self, tenant: str, event: NewEvent) -> Event:
        created = Event(event_id=f"event-{len(self.events) + 1}", attendees=0, **vars(event))
        self.events[(tenant, created.event_id)] = created
        return created

    def get(self, tenant: str, event_id: str) -> Event:
        try:
            return self.events[(tenant, event_id)]
        except KeyError as error:
            raise EventNotFound(event_id) from error

    def upcoming(self, tenant: str, now: datetime, limit: int, cursor: str | None) -> Page[Event]:
        found = [e for (owner, _), e in self.events.items() if owner == tenant and e.starts_at >= now]
        return Page(sorted(found, key=lambda event: event.starts_at)[:limit], None)

    def join(self, tenant: str, event_id: str, user_id: str, username: str) -> Event:
        event = self.get(tenant, event_id)
        if (tenant, event_id, user_id) in self.attending:
            raise AlreadyJoined(event_id)
        if event.attendees >= event.capacity:
            raise EventFull(event_id)
        self.attending[(tenant, event_id, user_id)] = Attendee(user_id, username, None)
        self.events[(tenant, event_id)] = replace(event, attendees=event.attendees + 1)
        return self.events[(tenant, event_id)]

    def attendee(self, tenant: str, event_id: str, user_id: str) -> Attendee:
        try:
            return self.attending[(tenant, event_id, user_id)]
        except KeyError as error:
            raise NotAttending(event_id) from error

    def check_in(self, tenant: str, event_id: str, user_id: str) -> Attendee:
        self.check_ins += 1
        attendee = self.attendee(tenant, event_id, user_id)
        if attendee.checked_in_at is None:
            self.attending[(tenant, event_id, user_id)] = replace(attendee, checked_in_at=NOW)
        return self.attending[(tenant, event_id, user_id)]

    def attendees(self, tenant: str, event_id: str, limit: int, cursor: str | None) -> Page[Attendee]:
        found = [a for (owner, event, _), a in sorted(self.attending.items()) if (owner, event) == (tenant, event_id)]
        return Page(found[:limit], None)


def new_event(starts_at: datetime, hours: float = 2, capacity: int = 10, radius_m: float = 200) -> NewEvent:
    return NewEvent(
        title="Canal cleanup", description=None, lat=CANAL[0], lng=CANAL[1], checkin_radius_m=radius_m,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), capacity=capacity, bonus_points=5,
        created_by="amina",
    )  # fmt: skip


@pytest.fixture
def events() -> MemoryEvents:
    return MemoryEvents()


def running(events: MemoryEvents, **options: int) -> Event:
    """An event of lahore that started an hour before NOW and ends an hour after it."""
    return events.create("lahore", new_event(NOW - timedelta(hours=1), **options))


def test_a_citizen_joins_an_event_until_it_ends(events):
    event = running(events)
    assert join(events, "lahore", event.event_id, "alice", "alice", NOW).attendees == 1
    with pytest.raises(EventOver):
        join(events, "lahore", event.event_id, "bob", "bob", event.ends_at)
    assert events.get("lahore", event.event_id).attendees == 1


def test_a_full_event_and_a_second_join_are_refused(events):
    event = running(events, capacity=1)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    with pytest.raises(AlreadyJoined):
        join(events, "lahore", event.event_id, "alice", "alice", NOW)
    with pytest.raises(EventFull):
        join(events, "lahore", event.event_id, "bob", "bob", NOW)


def test_an_attendee_checks_in_once_and_checking_in_again_answers_the_first(events):
    event = running(events)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    first = check_in_attendee(events, "lahore", event.event_id, "alice", *CANAL, NOW)
    assert first.checked_in_at == NOW
    again = check_in_attendee(events, "lahore", event.event_id, "alice", *CANAL, NOW + timedelta(minutes=30))
    assert (again, events.check_ins) == (first, 1)


def test_only_an_attendee_checks_in(events):
    event = running(events)
    with pytest.raises(NotAttending):
        check_in_attendee(events, "lahore", event.event_id, "alice", *CANAL, NOW)


@pytest.mark.parametrize("offset", [timedelta(hours=-1, seconds=-1), timedelta(hours=1, seconds=1)])
def test_check_in_opens_when_the_event_starts_and_closes_when_it_ends(events, offset):
    event = running(events)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    with pytest.raises(NotRunning):
        check_in_attendee(events, "lahore", event.event_id, "alice", *CANAL, NOW + offset)
    assert check_in_attendee(events, "lahore", event.event_id, "alice", *CANAL, event.ends_at).checked_in_at == NOW
    assert events.check_ins == 1


def test_a_check_in_beyond_the_radius_is_told_how_far_it_is(events):
    event = running(events, radius_m=200)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    with pytest.raises(TooFar) as refused:
        check_in_attendee(events, "lahore", event.event_id, "alice", *NORTH_OF_CANAL, NOW)
    assert refused.value.message == "you are 1112 m from the meeting point"
    assert events.attendee("lahore", event.event_id, "alice").checked_in_at is None
    nearby = (CANAL[0] + 0.001, CANAL[1])
    assert check_in_attendee(events, "lahore", event.event_id, "alice", *nearby, NOW).checked_in_at == NOW


def test_the_attendees_of_an_event_nobody_joined_are_none_and_of_no_event_not_found(events):
    event = running(events)
    assert attendees_of(events, "lahore", event.event_id, 50, None).items == []
    with pytest.raises(EventNotFound):
        attendees_of(events, "lahore", "event-404", 50, None)


def test_another_citys_event_is_not_found(events):
    event = running(events)
    with pytest.raises(EventNotFound):
        join(events, "karachi", event.event_id, "omar", "omar", NOW)
    with pytest.raises(EventNotFound):
        check_in_attendee(events, "karachi", event.event_id, "omar", *CANAL, NOW)
    with pytest.raises(EventNotFound):
        attendees_of(events, "karachi", event.event_id, 50, None)


EVENT_BODY = {"title": "Canal cleanup", "lat": CANAL[0], "lng": CANAL[1], "capacity": 1}


def event_routes(events: MemoryEvents, user: str, group: Group, tenant: str = "lahore"):
    return client("community_api", user, group, {event_repository: events}, tenant)


def test_an_admin_sets_up_an_event_a_citizen_finds_joins_and_checks_in(events):
    starts_at = datetime.now(UTC) + timedelta(days=1)
    body = EVENT_BODY | {"starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(hours=3)).isoformat()}
    created = event_routes(events, "amina", Group.ADMIN).post("/events", json=body)
    assert created.status_code == 201, created.text
    event_id = created.json()["event_id"]
    assert created.json() == {
        "event_id": event_id, "title": "Canal cleanup", "description": None, "lat": CANAL[0], "lng": CANAL[1],
        "checkin_radius_m": 200.0, "starts_at": starts_at.isoformat().replace("+00:00", "Z"),
        "ends_at": (starts_at + timedelta(hours=3)).isoformat().replace("+00:00", "Z"), "capacity": 1,
        "attendees": 0, "bonus_points": 0,
    }  # fmt: skip
    citizen = event_routes(events, "alice", Group.CITIZEN)
    assert [event["event_id"] for event in citizen.get("/events").json()["items"]] == [event_id]
    assert citizen.post(f"/events/{event_id}/join").json()["attendees"] == 1
    events.events[("lahore", event_id)] = replace(events.get("lahore", event_id), starts_at=datetime.now(UTC))
    checked = citizen.post(f"/events/{event_id}/check-in", json={"lat": CANAL[0], "lng": CANAL[1]})
    assert checked.json() == {"user_id": "alice", "username": "alice", "checked_in_at": "2026-12-06T09:00:00Z"}
    listed = event_routes(events, "amina", Group.ADMIN).get(f"/events/{event_id}/attendees").json()
    assert listed == {"items": [checked.json()], "cursor": None}


def started(events: MemoryEvents, starts_in: timedelta, capacity: int = 10) -> str:
    event = events.create("lahore", new_event(datetime.now(UTC) + starts_in, capacity=capacity))
    return event.event_id


@pytest.mark.parametrize(
    ("starts_in", "joined_by", "code", "message"),
    [
        (timedelta(hours=-3), [], "event_over", "the event is over"),
        (timedelta(hours=-1), ["bob"], "event_full", "the event is full"),
        (timedelta(hours=-1), ["alice"], "already_joined", "you have joined this event already"),
    ],
    ids=["over", "full", "joined already"],
)
def test_the_join_route_answers_each_refusal(events, starts_in, joined_by, code, message):
    event_id = started(events, starts_in, capacity=1)
    for user in joined_by:
        events.join("lahore", event_id, user, user)
    answer = event_routes(events, "alice", Group.CITIZEN).post(f"/events/{event_id}/join")
    assert (answer.status_code, answer.json()["error"]["code"], answer.json()["error"]["message"]) == (
        409,
        code,
        message,
    )


@pytest.mark.parametrize(
    ("starts_in", "joined", "position", "code", "message"),
    [
        (timedelta(hours=-1), False, CANAL, "not_attending", "join the event before checking in"),
        (timedelta(hours=1), True, CANAL, "not_running",
         "check-in opens when the event starts and closes when it ends"),
        (timedelta(hours=-1), True, NORTH_OF_CANAL, "too_far", "you are 1112 m from the meeting point"),
    ],
    ids=["not attending", "not running", "too far"],
)  # fmt: skip
def test_the_check_in_route_answers_each_refusal(events, starts_in, joined, position, code, message):
    event_id = started(events, starts_in)
    if joined:
        events.join("lahore", event_id, "alice", "alice")
    answer = event_routes(events, "alice", Group.CITIZEN).post(
        f"/events/{event_id}/check-in", json={"lat": position[0], "lng": position[1]}
    )
    assert (answer.status_code, answer.json()["error"]["code"], answer.json()["error"]["message"]) == (
        409,
        code,
        message,
    )
    assert events.check_ins == 0


@pytest.mark.parametrize(
    ("method", "path", "group"),
    [
        ("GET", "/events/{event}", Group.CITIZEN),
        ("POST", "/events/{event}/join", Group.CITIZEN),
        ("POST", "/events/{event}/check-in", Group.CITIZEN),
        ("GET", "/events/{event}/attendees", Group.ADMIN),
    ],
)
def test_another_citys_event_is_not_found_by_the_routes(events, method, path, group):
    event_id = started(events, timedelta(hours=-1))
    karachi = event_routes(events, "omar", group, tenant="karachi")
    answer = karachi.request(method, path.format(event=event_id), json={"lat": CANAL[0], "lng": CANAL[1]})
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "event_not_found")
    assert events.attendees("lahore", event_id, 50, None).items == []
