"""A report's timeline: every change of its history and every comment on it, oldest first.

The city's staff (admins and drivers) and the report's reporter comment on it; only staff may mark a comment
internal, and internal comments are shown to staff only (never to other citizens, nor through Open311). Staff hide a
comment's text from everyone else as they hide a report's (``ecopulse.privacy``). A comment is an entry of the
report's trail, so the table's stream tells the report's followers of a public one (``ecopulse.report_notices``).
"""

from dataclasses import dataclass
from typing import Protocol

from ecopulse.paging import Page
from ecopulse.privacy import Viewer, view_timeline_entry
from ecopulse.reports import Reports, TimelineEntry, check_not_merged

COMMENTED = "commented"
COMMENT_HIDDEN = "comment_hidden"
COMMENT_SHOWN = "comment_shown"
MAX_COMMENT_LENGTH = 2000


class CommentNotAllowed(PermissionError):
    """Only the city's staff and the report's reporter comment on a report."""


class InternalCommentNotAllowed(PermissionError):
    """Only staff write internal comments."""


class CommentNotFound(LookupError):
    pass


@dataclass(frozen=True)
class NewComment:
    report_id: str
    author: str
    text: str
    internal: bool


class Timeline(Protocol):
    def add_comment(self, tenant: str, comment: NewComment) -> TimelineEntry: ...

    def entries(
        self, tenant: str, report_id: str, with_internal: bool, limit: int, cursor: str | None
    ) -> Page[TimelineEntry]:
        """Oldest first; internal comments only ``with_internal``."""
        ...

    def comment(self, tenant: str, report_id: str, entry_id: str) -> TimelineEntry:
        """``CommentNotFound`` for an entry that is not a comment on the report."""
        ...

    def set_comment_hidden(
        self, tenant: str, report_id: str, entry_id: str, hidden: bool, actor: str, reason: str
    ) -> TimelineEntry:
        """Hides the comment's text from all but staff (or shows it again), with an entry in the report's trail."""
        ...


def add_comment(
    reports: Reports,
    timeline: Timeline,
    tenant: str,
    report_id: str,
    author: str,
    staff: bool,
    text: str,
    internal: bool,
) -> TimelineEntry:
    report = reports.get(tenant, report_id)
    if not staff and author != report.reporter_id:
        raise CommentNotAllowed(f"only staff and the reporter comment on report {report_id}")
    if internal and not staff:
        raise InternalCommentNotAllowed("only staff write internal comments")
    if not internal:
        check_not_merged(report)
    return timeline.add_comment(tenant, NewComment(report_id, author, text, internal))


def read_timeline(
    reports: Reports, timeline: Timeline, tenant: str, report_id: str, viewer: Viewer, limit: int, cursor: str | None
) -> Page[TimelineEntry]:
    """The report's changes and comments as ``viewer`` may see them (``privacy.view_timeline_entry``)."""
    report = reports.get(tenant, report_id)
    page = timeline.entries(tenant, report_id, viewer.staff, limit, cursor)
    shown = [view_timeline_entry(report, entry, viewer) for entry in page.items if viewer.staff or not entry.internal]
    return Page(shown, page.cursor)


def set_comment_hidden(
    reports: Reports,
    timeline: Timeline,
    tenant: str,
    report_id: str,
    entry_id: str,
    hidden: bool,
    actor: str,
    reason: str,
) -> TimelineEntry:
    """Staff hide a comment's text (a phone number, an insult) or show it again; asking for what is already so
    changes nothing and writes no entry."""
    reports.get(tenant, report_id)
    comment = timeline.comment(tenant, report_id, entry_id)
    if comment.text_hidden == hidden:
        return comment
    return timeline.set_comment_hidden(tenant, report_id, entry_id, hidden, actor, reason)
