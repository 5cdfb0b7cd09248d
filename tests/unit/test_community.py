"""Community events in process: the rules of joining and checking in (and the bonus a check-in pays) with in-memory
ports, and each refusal and success as the API answers it through the routes with the ports overridden."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import bonus_planner, event_repository, reward_queue, tenant_repository, user_repository
from ecopulse.events import (
    AlreadyJoined,
    Attendee,
    BonusPayer,
    Event,
    EventFull,
    EventNotFound,
    EventOver,
    EventState,
    NewEvent,
    NotAttending,
    NotRunning,
    TooFar,
    attendees_of,
    check_in_attendee,
    join,
)
from ecopulse.paging import Page
from ecopulse.rewards import RewardGrant, check_in_reward_id, event_bonus_for
from ecopulse.tenants import TenantSettings
from tests.unit.test_people import WALLET, RecordingQueue, client
from tests.unit.test_reports import MemoryTenants
from tests.unit.user_fakes import MemoryUsers

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
        self.ledger: dict[str, RewardGrant] = {}
        """The bonuses granted, by reward id: written with the check-in, once, as the store writes them."""

    def create(self, tenant: str, event: NewEvent) -> Event:
        created = Event(event_id=f"event-{len(self.events) + 1}", attendees=0, **vars(event))
        self.events[(tenant, created.event_id)] = created
        return created

    def get(self, tenant: str, event_id: str) -> Event:
        try:
            return self.events[(tenant, event_id)]
        except KeyError as error:
            raise EventNotFound(event_id) from error

    def current(self, tenant: str, now: datetime, limit: int, cursor: str | None) -> Page[Event]:
        found = [e for (owner, _), e in self.events.items() if owner == tenant and e.ends_at >= now]
        return Page(sorted(found, key=lambda event: event.ends_at)[:limit], None)

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

    def check_in(self, tenant: str, event_id: str, user_id: str, bonus: RewardGrant | None = None) -> Attendee:
        self.check_ins += 1
        attendee = self.attendee(tenant, event_id, user_id)
        if attendee.checked_in_at is None and (bonus is None or bonus.submission_id not in self.ledger):
            self.attending[(tenant, event_id, user_id)] = replace(attendee, checked_in_at=NOW)
            if bonus is not None:
                self.ledger[bonus.submission_id] = bonus
        return self.attending[(tenant, event_id, user_id)]

    def attendees(self, tenant: str, event_id: str, limit: int, cursor: str | None) -> Page[Attendee]:
        found = [a for (owner, event, _), a in sorted(self.attending.items()) if (owner, event) == (tenant, event_id)]
        return Page(found[:limit], None)


class MemoryBonusPlanner:
    """The ``BonusPlanner`` port: sizes a bonus against what each citizen earned today, pays to their wallet."""

    def __init__(self, users: MemoryUsers) -> None:
        self.users = users
        self.earned_today: dict[tuple[str, str], int] = {}

    def plan_bonus(
        self, tenant: str, user_id: str, reward_id: str, bonus_points: int, settings: TenantSettings, now: datetime
    ) -> RewardGrant | None:
        earned = self.earned_today.get((tenant, user_id), 0)
        amount = event_bonus_for(bonus_points, settings, earned)
        if amount <= 0:
            return None
        wallet = self.users.get(tenant, user_id).wallet_address
        return RewardGrant(tenant, user_id, reward_id, amount, earned, settings.daily_reward_cap, wallet, user_id, {})


def new_event(
    starts_at: datetime, hours: float = 2, capacity: int = 10, radius_m: float = 200, bonus: int = 5
) -> NewEvent:
    return NewEvent(
        title="Canal cleanup", description=None, lat=CANAL[0], lng=CANAL[1], checkin_radius_m=radius_m,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), capacity=capacity, bonus_points=bonus,
        created_by="amina",
    )  # fmt: skip


@pytest.fixture
def events() -> MemoryEvents:
    return MemoryEvents()


@pytest.fixture
def users() -> MemoryUsers:
    """Citizens of lahore: alice with a wallet, bob without one, carol disabled."""
    users = MemoryUsers()
    for name in ("alice", "bob", "carol"):
        users.ensure("lahore", name, name, None, ["citizen"])
    users.set_wallet("lahore", "alice", WALLET)
    users.set_active("lahore", "carol", False)
    return users


@pytest.fixture
def payer(users: MemoryUsers) -> BonusPayer:
    return BonusPayer(MemoryBonusPlanner(users), MemoryTenants(), users, RecordingQueue())


def running(events: MemoryEvents, **options: float) -> Event:
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


def test_an_attendee_checks_in_once_and_checking_in_again_answers_the_first(events, payer):
    event = running(events)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    first = check_in_attendee(events, payer, "lahore", event.event_id, "alice", *CANAL, NOW)
    assert first.checked_in_at == NOW
    again = check_in_attendee(events, payer, "lahore", event.event_id, "alice", *CANAL, NOW + timedelta(minutes=30))
    assert (again, events.check_ins) == (first, 1)


def test_checking_in_pays_the_events_bonus_once_to_the_citizens_wallet(events, payer):
    event = running(events, bonus=5)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    reward_id = check_in_reward_id("lahore", event.event_id, "alice")
    for minutes in (0, 1, 30):  # a retry, then a later check-in
        check_in_attendee(events, payer, "lahore", event.event_id, "alice", *CANAL, NOW + timedelta(minutes=minutes))
    assert [(grant.submission_id, grant.amount, grant.wallet) for grant in events.ledger.values()] == [
        (reward_id, 5, WALLET)
    ]
    assert payer.queue.sent == [("lahore", "alice", reward_id, WALLET, 5)]


def test_a_bonus_without_a_wallet_waits_in_the_ledger_unminted(events, payer):
    event = running(events, bonus=5)
    join(events, "lahore", event.event_id, "bob", "bob", NOW)
    check_in_attendee(events, payer, "lahore", event.event_id, "bob", *CANAL, NOW)
    assert [(grant.user_id, grant.amount, grant.wallet) for grant in events.ledger.values()] == [("bob", 5, None)]
    assert payer.queue.sent == []


def test_a_disabled_citizen_checks_in_but_earns_nothing(events, payer):
    event = running(events, bonus=5)
    join(events, "lahore", event.event_id, "carol", "carol", NOW)
    assert check_in_attendee(events, payer, "lahore", event.event_id, "carol", *CANAL, NOW).checked_in_at == NOW
    assert (events.ledger, payer.queue.sent) == ({}, [])


@pytest.mark.parametrize(("earned_today", "paid"), [(97, 3), (100, None)], ids=["what is left", "cap reached"])
def test_a_bonus_counts_against_the_daily_cap_as_cleanups_do(events, payer, earned_today, paid):
    event = running(events, bonus=5)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    payer.planner.earned_today[("lahore", "alice")] = earned_today
    assert check_in_attendee(events, payer, "lahore", event.event_id, "alice", *CANAL, NOW).checked_in_at == NOW
    assert [grant.amount for grant in events.ledger.values()] == ([paid] if paid else [])
    assert [amount for *_, amount in payer.queue.sent] == ([paid] if paid else [])


def test_an_event_without_a_bonus_pays_nothing(events, payer):
    event = running(events, bonus=0)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    check_in_attendee(events, payer, "lahore", event.event_id, "alice", *CANAL, NOW)
    assert (events.ledger, payer.queue.sent) == ({}, [])


def test_only_an_attendee_checks_in(events, payer):
    event = running(events)
    with pytest.raises(NotAttending):
        check_in_attendee(events, payer, "lahore", event.event_id, "alice", *CANAL, NOW)


@pytest.mark.parametrize("offset", [timedelta(hours=-1, seconds=-1), timedelta(hours=1, seconds=1)])
def test_check_in_opens_when_the_event_starts_and_closes_when_it_ends(events, payer, offset):
    event = running(events)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    with pytest.raises(NotRunning):
        check_in_attendee(events, payer, "lahore", event.event_id, "alice", *CANAL, NOW + offset)
    assert (events.ledger, payer.queue.sent) == ({}, [])
    at_its_end = check_in_attendee(events, payer, "lahore", event.event_id, "alice", *CANAL, event.ends_at)
    assert at_its_end.checked_in_at == NOW
    assert events.check_ins == 1


def test_a_check_in_beyond_the_radius_is_told_how_far_it_is(events, payer):
    event = running(events, radius_m=200)
    join(events, "lahore", event.event_id, "alice", "alice", NOW)
    with pytest.raises(TooFar) as refused:
        check_in_attendee(events, payer, "lahore", event.event_id, "alice", *NORTH_OF_CANAL, NOW)
    assert refused.value.message == "you are 1112 m from the meeting point"
    assert events.attendee("lahore", event.event_id, "alice").checked_in_at is None
    assert (events.ledger, payer.queue.sent) == ({}, [])
    nearby = (CANAL[0] + 0.001, CANAL[1])
    assert check_in_attendee(events, payer, "lahore", event.event_id, "alice", *nearby, NOW).checked_in_at == NOW


@pytest.mark.parametrize(
    ("moment", "state"),
    [
        (NOW - timedelta(hours=1, seconds=1), EventState.UPCOMING),
        (NOW - timedelta(hours=1), EventState.RUNNING),
        (NOW + timedelta(hours=1), EventState.RUNNING),
        (NOW + timedelta(hours=1, seconds=1), EventState.ENDED),
    ],
    ids=["before its start", "at its start", "at its end", "after its end"],
)
def test_an_events_state_follows_the_clock_as_check_in_does(events, moment, state):
    assert running(events).state(moment) is state


def test_the_attendees_of_an_event_nobody_joined_are_none_and_of_no_event_not_found(events):
    event = running(events)
    assert attendees_of(events, "lahore", event.event_id, 50, None).items == []
    with pytest.raises(EventNotFound):
        attendees_of(events, "lahore", "event-404", 50, None)


def test_another_citys_event_is_not_found(events, payer):
    event = running(events)
    with pytest.raises(EventNotFound):
        join(events, "karachi", event.event_id, "omar", "omar", NOW)
    with pytest.raises(EventNotFound):
        check_in_attendee(events, payer, "karachi", event.event_id, "omar", *CANAL, NOW)
    with pytest.raises(EventNotFound):
        attendees_of(events, "karachi", event.event_id, 50, None)


EVENT_BODY = {"title": "Canal cleanup", "lat": CANAL[0], "lng": CANAL[1], "capacity": 1}


def event_routes(
    events: MemoryEvents, user: str, group: Group, tenant: str = "lahore", payer: BonusPayer | None = None
):
    """The community API with ``events``, and the bonus's ports of ``payer`` (fresh ones when None)."""
    if payer is None:
        users = MemoryUsers()
        payer = BonusPayer(MemoryBonusPlanner(users), MemoryTenants(), users, RecordingQueue())
    ports = {
        event_repository: events,
        bonus_planner: payer.planner,
        tenant_repository: payer.tenants,
        user_repository: payer.users,
        reward_queue: payer.queue,
    }
    return client("community_api", user, group, ports, tenant)


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
        (timedelta(hours=-3), True, CANAL, "not_running",
         "check-in opens when the event starts and closes when it ends"),
        (timedelta(hours=-1), True, NORTH_OF_CANAL, "too_far", "you are 1112 m from the meeting point"),
    ],
    ids=["not attending", "too early", "after its end", "too far"],
)  # fmt: skip
def test_the_check_in_route_answers_each_refusal(events, payer, starts_in, joined, position, code, message):
    event_id = started(events, starts_in)
    if joined:
        events.join("lahore", event_id, "alice", "alice")
    answer = event_routes(events, "alice", Group.CITIZEN, payer=payer).post(
        f"/events/{event_id}/check-in", json={"lat": position[0], "lng": position[1]}
    )
    assert (answer.status_code, answer.json()["error"]["code"], answer.json()["error"]["message"]) == (
        409,
        code,
        message,
    )
    assert events.check_ins == 0
    assert (events.ledger, payer.queue.sent) == ({}, [])


def test_the_check_in_route_pays_the_bonus_once_and_answers_a_second_check_in_with_the_first(events, payer):
    event_id = started(events, timedelta(hours=-1))
    events.join("lahore", event_id, "alice", "alice")
    citizen = event_routes(events, "alice", Group.CITIZEN, payer=payer)
    first = citizen.post(f"/events/{event_id}/check-in", json={"lat": CANAL[0], "lng": CANAL[1]})
    again = citizen.post(f"/events/{event_id}/check-in", json={"lat": CANAL[0], "lng": CANAL[1]})
    assert first.status_code == 200, first.text
    assert (again.status_code, again.json()) == (200, first.json())
    assert first.json() == {"user_id": "alice", "username": "alice", "checked_in_at": "2026-12-06T09:00:00Z"}
    assert payer.queue.sent == [("lahore", "alice", check_in_reward_id("lahore", event_id, "alice"), WALLET, 5)]
    assert len(events.ledger) == 1


def test_the_check_in_route_refuses_a_disabled_account_before_anything_is_paid(events, payer):
    event_id = started(events, timedelta(hours=-1))
    events.join("lahore", event_id, "carol", "carol")
    answer = event_routes(events, "carol", Group.CITIZEN, payer=payer).post(
        f"/events/{event_id}/check-in", json={"lat": CANAL[0], "lng": CANAL[1]}
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "account_disabled")
    assert (events.check_ins, events.ledger, payer.queue.sent) == (0, {}, [])


def test_the_events_route_lists_upcoming_and_running_events_with_their_state_and_not_ended_ones(events):
    ended = started(events, timedelta(hours=-3))
    running_now = started(events, timedelta(hours=-1))
    upcoming = started(events, timedelta(hours=1))
    listed = event_routes(events, "alice", Group.CITIZEN).get("/events")
    assert listed.status_code == 200, listed.text
    states = {event["event_id"]: event["state"] for event in listed.json()["items"]}
    assert states == {running_now: "running", upcoming: "upcoming"}
    assert ended not in states


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
