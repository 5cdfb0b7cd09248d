"""The ``Events`` port on DynamoDB: capacity-checked joins and check-ins (with the bonus they grant), each one
transaction. The city's events are indexed by their end, so one query lists those that have not ended."""

import uuid
from dataclasses import replace
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ecopulse.events import AlreadyJoined, Attendee, Event, EventFull, EventNotFound, NewEvent, NotAttending
from ecopulse.paging import Page
from ecopulse.rewards import RewardGrant
from ecopulse.store.audit import audit_entry
from ecopulse.store.models import AttendeeItem, EventItem, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.store.rewards import write_grant
from ecopulse.store.transactions import ConcurrentChange, failed_on_condition, transact


def event_of(item: EventItem) -> Event:
    return Event(
        event_id=item.event_id,
        title=item.title,
        description=item.description,
        lat=float(item.lat),
        lng=float(item.lng),
        checkin_radius_m=float(item.checkin_radius_m),
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        capacity=int(item.capacity),
        attendees=int(item.attendees),
        bonus_points=int(item.bonus_points),
        created_by=item.created_by,
    )


def attendee_of(item: AttendeeItem) -> Attendee:
    return Attendee(user_id=item.user_id, username=item.username, checked_in_at=item.checked_in_at)


class EventRepository:
    def create(self, tenant: str, event: NewEvent) -> Event:
        event_id = str(uuid.uuid4())
        pk, sk = EventItem.keys(tenant, event_id)
        item = EventItem(
            pk, sk, tenant=tenant, event_id=event_id, title=event.title, description=event.description,
            lat=event.lat, lng=event.lng, checkin_radius_m=event.checkin_radius_m, starts_at=event.starts_at,
            ends_at=event.ends_at, capacity=event.capacity, bonus_points=event.bonus_points,
            created_by=event.created_by, gsi1pk=tenant_key(tenant, "EVENTS"),
            gsi1sk=sort_stamp(event.ends_at, event_id),
        )  # fmt: skip
        audit = audit_entry(tenant, "event", event_id, event.created_by, "created")

        def write(transaction: TransactWrite) -> None:
            transaction.save(item, condition=EventItem.pk.does_not_exist())
            transaction.save(audit)

        transact(write)
        return self.get(tenant, event_id)

    def get(self, tenant: str, event_id: str) -> Event:
        return event_of(self._item(tenant, event_id))

    def current(self, tenant: str, now: datetime, limit: int, cursor: str | None) -> Page[Event]:
        page: Page[EventItem] = paged(
            EventItem.gsi1.query, tenant, ("EVENTS",), limit, cursor, condition=EventItem.gsi1sk >= sort_stamp(now, "")
        )
        return Page([event_of(item) for item in page.items], page.cursor)

    def join(self, tenant: str, event_id: str, user_id: str, username: str) -> Event:
        """The capacity condition alone guards the places: without the version's condition, citizens joining at
        the same moment each get a place while one is left, instead of being told the event is full."""
        event = self._item(tenant, event_id)
        pk, sk = AttendeeItem.keys(tenant, event_id, user_id)
        mine = tenant_key(tenant, "USER", user_id, "EVENTS")  # the attendances a citizen leaving is found at
        attendee = AttendeeItem(pk, sk, tenant=tenant, user_id=user_id, username=username, gsi3pk=mine, gsi3sk=event_id)

        def write(transaction: TransactWrite) -> None:
            transaction.save(attendee, condition=AttendeeItem.sk.does_not_exist())
            transaction.update(
                event,
                actions=[EventItem.attendees.add(1)],
                condition=EventItem.attendees < event.capacity,
                add_version_condition=False,
            )

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            if AttendeeItem.count(pk, AttendeeItem.sk == sk, consistent_read=True):
                raise AlreadyJoined(event_id) from error
            raise EventFull(event_id) from error
        # The event as read, with this place taken: no read after the write.
        joined = event_of(event)
        return replace(joined, attendees=joined.attendees + 1)

    def attendee(self, tenant: str, event_id: str, user_id: str) -> Attendee:
        return attendee_of(self._attendee(tenant, event_id, user_id))

    def check_in(self, tenant: str, event_id: str, user_id: str, bonus: RewardGrant | None = None) -> Attendee:
        """A check-in that races another keeps the first one's time, and only the first grants the bonus: the
        arrival's condition and the ledger entry's (one per reward id) fail together. A bonus that lost its room
        under the daily cap, or its leaderboard standing, to an approval at the same moment fails the check-in
        with ``ConcurrentChange``; checking in again plans the bonus anew."""
        now = utcnow()
        attendee = AttendeeItem(*AttendeeItem.keys(tenant, event_id, user_id))
        audit = audit_entry(tenant, "event", event_id, user_id, "checked_in")

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                attendee,
                actions=[AttendeeItem.checked_in_at.set(now)],
                condition=AttendeeItem.pk.exists() & AttendeeItem.checked_in_at.does_not_exist(),
            )
            transaction.save(audit)
            if bonus:
                write_grant(transaction, bonus, "event check-in", now, event_id=event_id)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            checked_in = self.attendee(tenant, event_id, user_id)
            if checked_in.checked_in_at is None:
                raise ConcurrentChange(f"the bonus of {user_id} at {event_id} raced another reward") from error
            return checked_in
        return self.attendee(tenant, event_id, user_id)

    def attendees(self, tenant: str, event_id: str, limit: int, cursor: str | None) -> Page[Attendee]:
        page: Page[AttendeeItem] = paged(
            AttendeeItem.query,
            tenant,
            ("EVENT", event_id),
            limit,
            cursor,
            condition=AttendeeItem.sk.startswith("ATTENDEE#"),
        )
        return Page([attendee_of(item) for item in page.items], page.cursor)

    @staticmethod
    def _item(tenant: str, event_id: str) -> EventItem:
        try:
            return EventItem.get(*EventItem.keys(tenant, event_id), consistent_read=True)
        except DoesNotExist as error:
            raise EventNotFound(event_id) from error

    @staticmethod
    def _attendee(tenant: str, event_id: str, user_id: str) -> AttendeeItem:
        try:
            return AttendeeItem.get(*AttendeeItem.keys(tenant, event_id, user_id), consistent_read=True)
        except DoesNotExist as error:
            raise NotAttending(event_id) from error
