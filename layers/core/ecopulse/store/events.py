"""Community events: capacity-checked joins and geofenced check-ins, each one transaction."""

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from ecopulse.paging import Page
from ecopulse.store import stats
from ecopulse.store.audit import audit_entry
from ecopulse.store.models import AttendeeItem, EventItem, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.store.transactions import failed_on_condition, transact


class EventNotFound(LookupError):
    pass


class EventFull(Exception):
    pass


class AlreadyJoined(Exception):
    pass


class NotAttending(Exception):
    pass


class EventRepository:
    def create(self, tenant: str, event: EventItem) -> EventItem:
        event.pk, event.sk = EventItem.keys(tenant, event.event_id)
        event.tenant = tenant
        event.gsi1pk = tenant_key(tenant, "EVENTS")
        event.gsi1sk = sort_stamp(event.starts_at, event.event_id)
        audit = audit_entry(tenant, "event", event.event_id, event.created_by, "created")

        def write(transaction):
            transaction.save(event, condition=EventItem.pk.does_not_exist())
            transaction.save(audit)

        transact(write)
        return self.get(tenant, event.event_id)

    def get(self, tenant: str, event_id: str) -> EventItem:
        try:
            return EventItem.get(*EventItem.keys(tenant, event_id), consistent_read=True)
        except DoesNotExist as error:
            raise EventNotFound(event_id) from error

    def upcoming(self, tenant: str, now: datetime, limit: int, cursor: str | None) -> Page[EventItem]:
        return paged(
            EventItem.gsi1.query, tenant, ("EVENTS",), limit, cursor, condition=EventItem.gsi1sk >= sort_stamp(now, "")
        )

    def join(self, tenant: str, event: EventItem, user_id: str, username: str) -> EventItem:
        pk, sk = AttendeeItem.keys(tenant, event.event_id, user_id)
        attendee = AttendeeItem(pk, sk, tenant=tenant, user_id=user_id, username=username)

        def write(transaction):
            transaction.save(attendee, condition=AttendeeItem.sk.does_not_exist())
            transaction.update(
                event, actions=[EventItem.attendees.add(1)], condition=EventItem.attendees < event.capacity
            )

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            if AttendeeItem.count(pk, AttendeeItem.sk == sk, consistent_read=True):
                raise AlreadyJoined(event.event_id) from error
            raise EventFull(event.event_id) from error
        return self.get(tenant, event.event_id)

    def attendee(self, tenant: str, event_id: str, user_id: str) -> AttendeeItem:
        try:
            return AttendeeItem.get(*AttendeeItem.keys(tenant, event_id, user_id), consistent_read=True)
        except DoesNotExist as error:
            raise NotAttending(event_id) from error

    def check_in(self, tenant: str, event: EventItem, attendee: AttendeeItem) -> AttendeeItem:
        now = utcnow()
        audit = audit_entry(tenant, "event", event.event_id, attendee.user_id, "checked_in")

        def write(transaction):
            transaction.update(
                attendee,
                actions=[AttendeeItem.checked_in_at.set(now)],
                condition=AttendeeItem.checked_in_at.does_not_exist(),
            )
            transaction.save(audit)
            stats.count(transaction, tenant, None, now, checkins=1)

        transact(write)
        return self.attendee(tenant, event.event_id, attendee.user_id)

    def attendees(self, tenant: str, event_id: str, limit: int, cursor: str | None) -> Page[AttendeeItem]:
        return paged(
            AttendeeItem.query,
            tenant,
            (
                "EVENT",
                event_id,
            ),
            limit,
            cursor,
            condition=AttendeeItem.sk.startswith("ATTENDEE#"),
        )
