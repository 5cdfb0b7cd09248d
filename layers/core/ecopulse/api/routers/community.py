"""Community: events (create, join, geofenced check-in), the leaderboard, carbon-credit requests."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator

from ecopulse import geo
from ecopulse.api.auth import AdminDep, CallerDep, CitizenOrAdminDep
from ecopulse.api.errors import ERROR_RESPONSES, ApiError
from ecopulse.api.schemas import Cursor, Latitude, Limit, Longitude, LongText, PageOf, ShortText
from ecopulse.store.carbon import CarbonCreditRepository
from ecopulse.store.community import CommunityRepository
from ecopulse.store.events import EventRepository
from ecopulse.store.models import CarbonCreditItem, EventItem, utcnow

router = APIRouter(tags=["community"], responses=ERROR_RESPONSES)
events = EventRepository()
community = CommunityRepository()
carbon = CarbonCreditRepository()
EventId = Annotated[str, Field(max_length=64)]


class EventIn(BaseModel):
    title: ShortText
    description: LongText | None = None
    lat: Latitude
    lng: Longitude
    checkin_radius_m: Annotated[float, Field(ge=1, le=5000)] = 200
    starts_at: datetime
    ends_at: datetime
    capacity: Annotated[int, Field(ge=1, le=100_000)]
    bonus_points: Annotated[int, Field(ge=0, le=10_000)] = 0

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> "EventIn":
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("times must carry a UTC offset")
        if self.ends_at <= self.starts_at:
            raise ValueError("an event ends after it starts")
        return self


class EventOut(BaseModel):
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

    @classmethod
    def of(cls, item: EventItem) -> "EventOut":
        return cls(**{name: getattr(item, name) for name in cls.model_fields})


class CheckInIn(BaseModel):
    lat: Latitude
    lng: Longitude


class Attendee(BaseModel):
    user_id: str
    username: str
    checked_in_at: datetime | None


class LeaderboardRow(BaseModel):
    rank: int
    user_id: str
    username: str
    points: int


class CarbonCreditIn(BaseModel):
    organisation: ShortText
    tonnes: Annotated[float, Field(ge=0.001, le=1_000_000, description="At least a kilogram")]
    price_per_tonne: Annotated[float, Field(ge=0.01, le=100_000)]


class CarbonCreditOut(BaseModel):
    request_id: str
    organisation: str
    tonnes: float
    price_per_tonne: float
    requested_by: str
    status: str
    reviewed_by: str | None
    review_reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, item: CarbonCreditItem) -> "CarbonCreditOut":
        return cls(**{name: getattr(item, name) for name in cls.model_fields})


@router.post("/events", status_code=status.HTTP_201_CREATED, response_model=EventOut)
def create_event(body: EventIn, caller: AdminDep) -> EventOut:
    item = EventItem(
        event_id=str(uuid.uuid4()),
        created_by=caller.user_id,
        **body.model_dump(),
    )
    return EventOut.of(events.create(caller.tenant, item))


@router.get("/events", response_model=PageOf[EventOut])
def upcoming_events(caller: CallerDep, limit: Limit = 20, cursor: Cursor = None) -> PageOf[EventOut]:
    page = events.upcoming(caller.tenant, utcnow(), limit, cursor)
    return PageOf[EventOut](items=[EventOut.of(item) for item in page.items], cursor=page.cursor)


@router.get("/events/{event_id}", response_model=EventOut)
def get_event(event_id: EventId, caller: CallerDep) -> EventOut:
    return EventOut.of(events.get(caller.tenant, event_id))


@router.post("/events/{event_id}/join", response_model=EventOut)
def join_event(event_id: EventId, caller: CitizenOrAdminDep) -> EventOut:
    event = events.get(caller.tenant, event_id)
    if event.ends_at <= datetime.now(UTC):
        raise ApiError(409, "event_over", "the event is over")
    return EventOut.of(events.join(caller.tenant, event, caller.user_id, caller.username))


@router.post("/events/{event_id}/check-in", response_model=Attendee)
def check_in(event_id: EventId, body: CheckInIn, caller: CitizenOrAdminDep) -> Attendee:
    """Only while the event runs and within its radius of the meeting point."""
    event = events.get(caller.tenant, event_id)
    attendee = events.attendee(caller.tenant, event_id, caller.user_id)
    if not event.starts_at <= datetime.now(UTC) <= event.ends_at:
        raise ApiError(409, "not_running", "check-in opens when the event starts and closes when it ends")
    distance = geo.distance_m(body.lat, body.lng, event.lat, event.lng)
    if distance > event.checkin_radius_m:
        raise ApiError(409, "too_far", f"you are {distance:.0f} m from the meeting point")
    if attendee.checked_in_at:
        return Attendee(user_id=attendee.user_id, username=attendee.username, checked_in_at=attendee.checked_in_at)
    checked = events.check_in(caller.tenant, event, attendee)
    return Attendee(user_id=checked.user_id, username=checked.username, checked_in_at=checked.checked_in_at)


@router.get("/events/{event_id}/attendees", response_model=PageOf[Attendee])
def attendees(event_id: EventId, caller: AdminDep, limit: Limit = 50, cursor: Cursor = None) -> PageOf[Attendee]:
    events.get(caller.tenant, event_id)
    page = events.attendees(caller.tenant, event_id, limit, cursor)
    items = [Attendee(user_id=a.user_id, username=a.username, checked_in_at=a.checked_in_at) for a in page.items]
    return PageOf[Attendee](items=items, cursor=page.cursor)


@router.get("/leaderboard", response_model=list[LeaderboardRow])
def leaderboard(
    caller: CallerDep,
    period: Annotated[str, Query(pattern=r"^(all|\d{4}-\d{2}|\d{4}-W\d{2})$")] = "all",
    limit: Limit = 20,
) -> list[LeaderboardRow]:
    """Periods: `all`, a month (`2026-11`) or an ISO week (`2026-W47`); kept up to date as rewards are granted."""
    rows = community.leaderboard(caller.tenant, period, limit)
    return [
        LeaderboardRow(rank=rank, user_id=row.user_id, username=row.username, points=int(row.points))
        for rank, row in enumerate(rows, start=1)
    ]


@router.post("/carbon-credits", status_code=status.HTTP_201_CREATED, response_model=CarbonCreditOut)
def request_carbon_credits(body: CarbonCreditIn, caller: CallerDep) -> CarbonCreditOut:
    item = CarbonCreditItem(request_id=str(uuid.uuid4()), requested_by=caller.user_id, **body.model_dump())
    return CarbonCreditOut.of(carbon.create(caller.tenant, item))
