"""The ``Timeline`` port on DynamoDB: a report's comments are entries of its trail (``AuditItem``, action
``commented``), in the report's partition beside its changes, so one Query reads both in order of time."""

import re

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ecopulse.paging import Page
from ecopulse.reports import TimelineEntry
from ecopulse.store.audit import AUDIT_PREFIX, audit_entry
from ecopulse.store.models import AuditItem, tenant_key
from ecopulse.store.pages import paged
from ecopulse.store.transactions import failed_on_condition, transact
from ecopulse.timeline import COMMENT_HIDDEN, COMMENT_SHOWN, COMMENTED, CommentNotFound, NewComment

# An entry's id is its sort key after the prefix, with ``_`` for ``#``: safe in a path segment.
ENTRY_ID_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z_[0-9a-f]{8}$"


def entry_id_of(sort_key: str) -> str:
    return sort_key.removeprefix(AUDIT_PREFIX).replace("#", "_")


def sort_key_of(entry_id: str) -> str:
    if not re.match(ENTRY_ID_PATTERN, entry_id):
        raise CommentNotFound(entry_id)
    return AUDIT_PREFIX + entry_id.replace("_", "#")


def entry_of(item: AuditItem) -> TimelineEntry:
    return TimelineEntry(
        entry_id=entry_id_of(item.sk),
        at=item.created_at,
        actor=item.actor,
        action=item.action,
        old=item.old,
        new=item.new,
        reason=item.reason,
        text=item.text,
        internal=bool(item.internal),
        text_hidden=bool(item.text_hidden),
    )


class TimelineRepository:
    def add_comment(self, tenant: str, comment: NewComment) -> TimelineEntry:
        item = audit_entry(tenant, "report", comment.report_id, comment.author, COMMENTED)
        item.text, item.internal, item.text_hidden = comment.text, comment.internal, False
        item.save(condition=AuditItem.sk.does_not_exist())
        return entry_of(item)

    def entries(
        self, tenant: str, report_id: str, with_internal: bool, limit: int, cursor: str | None
    ) -> Page[TimelineEntry]:
        public = AuditItem.internal.does_not_exist() | (AuditItem.internal == False)  # noqa: E712  # an expression
        page: Page[AuditItem] = paged(
            AuditItem.query,
            tenant,
            ("REPORT", report_id),
            limit,
            cursor,
            condition=AuditItem.sk.startswith(AUDIT_PREFIX),
            filter_condition=None if with_internal else public,
        )
        return Page([entry_of(item) for item in page.items], page.cursor)

    def comment(self, tenant: str, report_id: str, entry_id: str) -> TimelineEntry:
        try:
            item = AuditItem.get(tenant_key(tenant, "REPORT", report_id), sort_key_of(entry_id), consistent_read=True)
        except DoesNotExist as error:
            raise CommentNotFound(entry_id) from error
        if item.action != COMMENTED:
            raise CommentNotFound(entry_id)
        return entry_of(item)

    def set_comment_hidden(
        self, tenant: str, report_id: str, entry_id: str, hidden: bool, actor: str, reason: str
    ) -> TimelineEntry:
        comment = AuditItem(tenant_key(tenant, "REPORT", report_id), sort_key_of(entry_id))
        action = COMMENT_HIDDEN if hidden else COMMENT_SHOWN
        audit = audit_entry(tenant, "report", report_id, actor, action, new=entry_id, reason=reason)

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                comment, actions=[AuditItem.text_hidden.set(hidden)], condition=AuditItem.action == COMMENTED
            )
            transaction.save(audit)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            raise CommentNotFound(entry_id) from error
        return self.comment(tenant, report_id, entry_id)
