"""The community adapters (events, alerts and the inbox) against moto and DynamoDB Local:
the refusals the rules leave to the store hold when requests race, and a check-in's bonus is granted once."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from ecopulse.events import AlreadyJoined, EventFull, NewEvent, NotAttending
from ecopulse.rewards import check_in_reward_id
from ecopulse.store.audit import history
from ecopulse.store.community import CommunityRepository
from ecopulse.store.events import EventRepository
from ecopulse.store.models import utcnow
from ecopulse.store.rewards import RewardRepository
from ecopulse.store.users import UserRepository
from ecopulse.tenants import TenantSettings


@pytest.fixture(scope="module")
def events(app_table):
    return EventRepository()


def new_event(capacity: int, tenant: str = "lahore", starts_in: timedelta = timedelta(hours=-1)) -> str:
    starts_at = utcnow() + starts_in
    event = NewEvent(
        title="Canal cleanup", description=None, lat=31.5204, lng=74.3587, checkin_radius_m=200,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), capacity=capacity, bonus_points=0,
        created_by="amina",
    )  # fmt: skip
    return EventRepository().create(tenant, event).event_id


def test_citizens_joining_at_the_same_moment_take_every_place_and_no_more(events, isolated_transactions):
    event_id = new_event(capacity=3)

    def take_place(n: int) -> str:
        try:
            events.join("lahore", event_id, f"citizen-{n}", f"citizen {n}")
        except EventFull:
            return "full"
        return "joined"

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(take_place, range(6)))
    assert sorted(answers) == ["full"] * 3 + ["joined"] * 3
    assert events.get("lahore", event_id).attendees == 3
    assert len(events.attendees("lahore", event_id, 50, None).items) == 3
    with pytest.raises(AlreadyJoined):
        events.join("lahore", event_id, next(f"citizen-{n}" for n, a in enumerate(answers) if a == "joined"), "x")


def test_a_check_in_is_recorded_once_however_many_arrive_together(events, isolated_transactions):
    event_id = new_event(capacity=5)
    events.join("lahore", event_id, "alice", "alice")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: events.check_in("lahore", event_id, "alice"), range(4)))
    assert len({answer.checked_in_at for answer in answers}) == 1
    assert answers[0].checked_in_at is not None
    assert [entry.action for entry in history("lahore", "event", event_id)].count("checked_in") == 1


def test_only_an_attendee_is_checked_in_and_another_city_sees_no_event(events):
    event_id = new_event(capacity=5)
    with pytest.raises(NotAttending):
        events.check_in("lahore", event_id, "mallory")
    with pytest.raises(NotAttending):
        events.attendee("lahore", event_id, "mallory")
    assert events.attendees("lahore", event_id, 50, None).items == []
    assert events.current("karachi", utcnow() - timedelta(days=1), 50, None).items == []


def test_running_and_upcoming_events_are_listed_until_they_end(events):
    tenant = f"city-{uuid.uuid4().hex[:8]}"
    ended = new_event(5, tenant, starts_in=timedelta(hours=-3))
    running = new_event(5, tenant, starts_in=timedelta(hours=-1))
    upcoming = new_event(5, tenant, starts_in=timedelta(hours=1))
    listed = [event.event_id for event in events.current(tenant, utcnow(), 50, None).items]
    assert listed == [running, upcoming]
    assert ended not in listed


def test_check_ins_arriving_together_grant_the_bonus_once(events, isolated_transactions):
    tenant, user = f"city-{uuid.uuid4().hex[:8]}", "alice"
    UserRepository().ensure(tenant, user, user, None, ["citizen"])
    event_id = new_event(5, tenant)
    events.join(tenant, event_id, user, user)
    rewards, reward_id = RewardRepository(), check_in_reward_id(tenant, event_id, user)
    bonus = rewards.plan_bonus(tenant, user, reward_id, 5, TenantSettings(), utcnow())
    assert bonus is not None

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: events.check_in(tenant, event_id, user, bonus), range(4)))
    assert len({answer.checked_in_at for answer in answers}) == 1
    assert [(entry.submission_id, entry.amount, entry.reason) for entry in rewards.unpaid(tenant, user)] == [
        (reward_id, 5, "event check-in")
    ]
    assert UserRepository().get(tenant, user).balance_pending == 5
    assert rewards.record_payout(tenant, user, reward_id, "0xabc")
    assert not rewards.record_payout(tenant, user, reward_id, "0xabc")
    assert (rewards.unpaid(tenant, user), UserRepository().get(tenant, user).balance_minted) == ([], 5)


def test_an_alert_reaches_the_inbox_of_each_subscriber_of_its_zone(app_table):
    community, zone = CommunityRepository(), f"zone-{uuid.uuid4().hex[:8]}"
    community.subscribe("lahore", zone, "alice")
    community.subscribe("lahore", zone, "bob")
    community.unsubscribe("lahore", zone, "bob")
    community.subscribe("karachi", zone, "omar")
    alert = community.broadcast("lahore", zone, "Road closed", "warning", "amina")
    assert (alert.zone, alert.severity, alert.sent_by, alert.recipients) == (zone, "warning", "amina", 1)
    (note,) = [m for m in community.inbox("lahore", "alice", 50, None).items if m.title == f"Alert: {zone}"]
    assert (note.body, note.read, note.message_id.startswith("INBOX#")) == ("Road closed", False, False)
    assert [m for m in community.inbox("lahore", "bob", 50, None).items if m.title == f"Alert: {zone}"] == []
    assert community.inbox("karachi", "omar", 50, None).items == []
