"""Community: events (create, join, geofenced check-in), the leaderboard, the city's zones."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ecopulse.api.auth import ACTIVE, AdminDep, CallerDep, CitizenOrAdminDep
from ecopulse.api.dependencies import (
    BonusPlannerDep,
    CommunityDep,
    EventsDep,
    RewardQueueDep,
    TenantsDep,
    UsersDep,
)
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.schemas import Cursor, Latitude, Limit, Longitude, LongText, PageOf, ShortText
from ecopulse.community import ranking
from ecopulse.events import BonusPayer, EventState, NewEvent, attendees_of, check_in_attendee, join
from ecopulse.tenants import ZoneArea

router = APIRouter(tags=["community"], responses=ERROR_RESPONSES)
EventId = Annotated[str, Field(max_length=64)]


class EventIn(BaseModel):
    title: ShortText
    description: LongText | None = None
    lat: Latitude
    lng: Longitude
    checkin_radius_m: Annotated[float, Field(ge=1, le=5000, strict=True)] = 200
    starts_at: datetime
    ends_at: datetime
    capacity: Annotated[int, Field(ge=1, le=100_000, strict=True)]
    bonus_points: Annotated[int, Field(ge=0, le=10_000, strict=True)] = 0

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> "EventIn":
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("times must carry a UTC offset")
        if self.ends_at <= self.starts_at:
            raise ValueError("an event ends after it starts")
        return self


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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


class ListedEventOut(EventOut):
    state: EventState
    """Where the event stands now: check-in is open while it is ``running``."""


class CheckInIn(BaseModel):
    lat: Latitude
    lng: Longitude


class Attendee(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: str
    username: str
    checked_in_at: datetime | None


class LeaderboardRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int
    user_id: str
    username: str
    points: int


@router.post("/events", status_code=status.HTTP_201_CREATED, response_model=EventOut, dependencies=[ACTIVE])
def create_event(body: EventIn, caller: AdminDep, events: EventsDep) -> EventOut:
    return EventOut.model_validate(
        events.create(caller.tenant, NewEvent(**body.model_dump(), created_by=caller.user_id))
    )


@router.get("/events", response_model=PageOf[ListedEventOut])
def current_events(
    caller: CallerDep, events: EventsDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[ListedEventOut]:
    """Upcoming and running events, the soonest to end first; an event drops off when it ends."""
    now = datetime.now(UTC)
    page = events.current(caller.tenant, now, limit, cursor)
    items = [ListedEventOut.model_validate(vars(event) | {"state": event.state(now)}) for event in page.items]
    return PageOf[ListedEventOut](items=items, cursor=page.cursor)


@router.get("/events/{event_id}", response_model=EventOut)
def get_event(event_id: EventId, caller: CallerDep, events: EventsDep) -> EventOut:
    return EventOut.model_validate(events.get(caller.tenant, event_id))


@router.post("/events/{event_id}/join", response_model=EventOut, dependencies=[ACTIVE])
def join_event(event_id: EventId, caller: CitizenOrAdminDep, events: EventsDep) -> EventOut:
    """Until the event is over, while places last."""
    joined = join(events, caller.tenant, event_id, caller.user_id, caller.username, datetime.now(UTC))
    return EventOut.model_validate(joined)


@router.post("/events/{event_id}/check-in", response_model=Attendee, dependencies=[ACTIVE])
def check_in(
    event_id: EventId,
    body: CheckInIn,
    caller: CitizenOrAdminDep,
    events: EventsDep,
    planner: BonusPlannerDep,
    tenants: TenantsDep,
    users: UsersDep,
    queue: RewardQueueDep,
) -> Attendee:
    """Only while the event runs and within its radius of the meeting point, paying the event's bonus once;
    again, it answers the first."""
    payer = BonusPayer(planner, tenants, users, queue)
    now = datetime.now(UTC)
    attendee = check_in_attendee(events, payer, caller.tenant, event_id, caller.user_id, body.lat, body.lng, now)
    return Attendee.model_validate(attendee)


@router.get("/events/{event_id}/attendees", response_model=PageOf[Attendee])
def attendees(
    event_id: EventId, caller: AdminDep, events: EventsDep, limit: Limit = 50, cursor: Cursor = None
) -> PageOf[Attendee]:
    page = attendees_of(events, caller.tenant, event_id, limit, cursor)
    return PageOf[Attendee](items=[Attendee.model_validate(a) for a in page.items], cursor=page.cursor)


class ZoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    zone_id: str = Field(description="Subscribe with `PUT /me/alerts/{zone_id}`")
    name: str
    area: ZoneArea


@router.get("/zones", response_model=list[ZoneOut])
def zones(caller: CallerDep, tenants: TenantsDep) -> list[ZoneOut]:
    """The city's zones, in its order: the places whose alerts a citizen may subscribe to."""
    return [ZoneOut.model_validate(zone) for zone in tenants.settings(caller.tenant).zones]


@router.get("/leaderboard", response_model=list[LeaderboardRow])
def leaderboard(
    caller: CallerDep,
    community: CommunityDep,
    period: Annotated[str, Query(pattern=r"^(all|\d{4}-\d{2}|\d{4}-W\d{2})$")] = "all",
    limit: Limit = 20,
) -> list[LeaderboardRow]:
    """Periods: `all`, a month (`2026-11`) or an ISO week (`2026-W47`); kept up to date as rewards are granted."""
    return [LeaderboardRow.model_validate(row) for row in ranking(community, caller.tenant, period, limit)]
