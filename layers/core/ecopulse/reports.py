"""A litter report's lifecycle: submitted → verified → dispatched → resolved → confirmed, or rejected while open.

Every change of a report's status is a row of ``TRANSITIONS``: the action its history records, the statuses it may
start from, the status it leads to, and who may take it. The rules, the ``Reports`` port and the use cases the routes
call are here; ``ecopulse.store.reports.ReportRepository`` is the DynamoDB adapter.
"""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ecopulse import geo
from ecopulse.fleet import Fleet, VehicleBusy
from ecopulse.paging import Page
from ecopulse.report_photos import PhotoResult, report_assessment
from ecopulse.tenants import Tenants
from ecopulse.uploads import check_report_photos


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    CONFIRMED = "confirmed"
    DUPLICATE = "duplicate"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ReportNotFound(LookupError):
    pass


class AlreadyVoted(Exception):
    """One vote per citizen per report."""


class MergedReport(Exception):
    """The report was merged into another: votes, comments and follows go to that one."""

    def __init__(self, report_id: str, master_id: str) -> None:
        super().__init__(f"report {report_id} was merged into {master_id}")
        self.message = f"this report was merged into report {master_id}: act on that one"
        self.details = [{"merged_into": master_id}]


class InvalidReportTransition(Exception):
    """The report is not in a status the requested change may start from."""


class OwnReportVote(Exception):
    """A reporter's vote would corroborate their own report."""


@dataclass(frozen=True)
class NewReport:
    report_id: str
    reporter_id: str
    waste_type: str
    lat: float
    lng: float
    description: str | None
    address: str | None
    photo_keys: tuple[str, ...]
    priority: str
    zone: str | None
    source: str = "app"


@dataclass(frozen=True)
class Report:
    """A stored report. ``version`` is the revision it was read at: a change made from a copy that has been
    changed since fails instead of overwriting what someone else did."""

    report_id: str
    reporter_id: str
    waste_type: str
    status: ReportStatus
    lat: float
    lng: float
    geohash: str
    zone: str | None
    description: str | None
    address: str | None
    photo_keys: tuple[str, ...]
    priority: str
    ai_type: str | None
    ai_confidence: float | None
    votes_up: int
    votes_down: int
    vehicle_id: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    text_hidden: bool = False
    resolved_at: datetime | None = None
    merged_into: str | None = None
    """The report this one was merged into (``ecopulse.duplicates``), when it is a duplicate."""
    priority_points: int | None = None
    """By ``ecopulse.priority``'s rule; None for a report stored before it (its points are then computed)."""
    duplicates_merged: int = 0
    # Each photo's verification result by photo key (``ecopulse.report_photos``); none yet for a photo missing here.
    photos: Mapping[str, PhotoResult] = field(default_factory=dict, hash=False)

    def with_photos(self, results: Mapping[str, PhotoResult]) -> "Report":
        """The report with these photo results, its ``ai_type`` and ``ai_confidence`` those of the best."""
        ai_type, ai_confidence = report_assessment(results.values())
        return replace(self, photos=dict(results), ai_type=ai_type, ai_confidence=ai_confidence)


@dataclass(frozen=True)
class HistoryEntry:
    """One change in an audit trail: who did what, when, from which state to which, and why."""

    at: datetime
    actor: str
    action: str
    old: str | None
    new: str | None
    reason: str | None


@dataclass(frozen=True)
class TimelineEntry:
    """One entry of a report's timeline (``ecopulse.timeline``): a change of its history, or a comment with its
    ``text``. ``entry_id`` names it in the report's routes."""

    entry_id: str
    at: datetime
    actor: str
    action: str
    old: str | None = None
    new: str | None = None
    reason: str | None = None
    text: str | None = None
    internal: bool = False
    text_hidden: bool = False


class Reports(Protocol):
    def create(self, tenant: str, new: NewReport) -> Report: ...

    def get(self, tenant: str, report_id: str) -> Report: ...

    def get_many(self, tenant: str, report_ids: Sequence[str]) -> list[Report]:
        """The city's reports among ``report_ids``, in their order, each once; ids it does not have are left out."""
        ...

    def list_by_status(self, tenant: str, status: ReportStatus, limit: int, cursor: str | None) -> Page[Report]:
        """Newest first."""
        ...

    def created_between(
        self, tenant: str, statuses: Collection[ReportStatus], start: datetime, end: datetime, limit: int
    ) -> list[Report]:
        """Newest first, at most ``limit`` of each status."""
        ...

    def list_by_reporter(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[Report]:
        """Newest first."""
        ...

    def nearby(self, tenant: str, lat: float, lng: float, radius_m: float, limit: int) -> list[tuple[Report, float]]:
        """The reports within ``radius_m`` of the point with their distance in metres, nearest first."""
        ...

    def vote(self, tenant: str, report: Report, voter_id: str, agrees: bool) -> Report:
        """Counts the vote once; a second vote of the same citizen is ``AlreadyVoted``."""
        ...

    def change_status(
        self, tenant: str, report: Report, target: ReportStatus, actor: str, reason: str | None
    ) -> Report: ...

    def history(self, tenant: str, report_id: str) -> list[HistoryEntry]:
        """The report's audit trail, oldest first; ``ReportNotFound`` for a report the city does not have."""
        ...

    def set_text_hidden(self, tenant: str, report: Report, hidden: bool, actor: str, reason: str) -> Report:
        """Hides the report's description and address from all but staff (or shows them again), with an audit
        entry; a stale copy fails as a status change does."""
        ...


class Party(StrEnum):
    """Who may take a transition: the city's staff (admins and drivers), the report's reporter, a citizen who voted
    that the report is right, or the platform itself (a workflow, a schedule)."""

    STAFF = "staff"
    REPORTER = "reporter"
    VOTER = "voter"
    SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[ReportStatus]
    target: ReportStatus
    parties: frozenset[Party]


OPEN = frozenset({ReportStatus.SUBMITTED, ReportStatus.VERIFIED, ReportStatus.DISPATCHED})
_S, _V, _D = ReportStatus.SUBMITTED, ReportStatus.VERIFIED, ReportStatus.DISPATCHED


def _row(action: str, sources: set[ReportStatus], target: ReportStatus, *parties: Party) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(parties))


# Every change of a report's status, one row each. No two rows share a source and a target, so a move names its
# action. After resolution the reporter and the citizens who agreed with the report confirm the fix (closing the
# report) or say it is still there (back in the queue as verified), within the city's ``reopen_window_days``.
TRANSITIONS: tuple[Transition, ...] = (
    _row("verified", {_S}, _V, Party.STAFF),
    _row("dispatched", {_S, _V}, _D, Party.STAFF),
    _row("resolved", set(OPEN), ReportStatus.RESOLVED, Party.STAFF, Party.SYSTEM),
    _row("rejected", set(OPEN), ReportStatus.REJECTED, Party.STAFF),
    _row("confirmed", {ReportStatus.RESOLVED}, ReportStatus.CONFIRMED, Party.REPORTER, Party.VOTER),
    _row("reopened", {ReportStatus.RESOLVED}, _V, Party.REPORTER, Party.VOTER),
    _row("duplicate", set(OPEN), ReportStatus.DUPLICATE, Party.STAFF),
)
CLOSED = frozenset({ReportStatus.RESOLVED, ReportStatus.REJECTED, ReportStatus.CONFIRMED, ReportStatus.DUPLICATE})

STATS_COUNTER = {
    ReportStatus.DISPATCHED: "reports_dispatched",
    ReportStatus.RESOLVED: "reports_resolved",
    ReportStatus.REJECTED: "reports_rejected",
}


def sources_for(target: ReportStatus) -> set[ReportStatus]:
    """Every status some party may move a report to ``target`` from."""
    return {source for row in TRANSITIONS if row.target is target for source in row.sources}


def transition_between(source: ReportStatus, target: ReportStatus) -> Transition:
    """The one row that moves a report from ``source`` to ``target``; ``InvalidReportTransition`` if none does."""
    for row in TRANSITIONS:
        if source in row.sources and row.target is target:
            return row
    raise InvalidReportTransition(f"no report moves from {source} to {target}")


def check_transition(report: Report, target: ReportStatus, party: Party = Party.STAFF) -> Transition:
    """The row ``party`` takes to move ``report`` to ``target``; ``InvalidReportTransition`` when the report's status
    or the party does not allow it."""
    try:
        row = transition_between(report.status, target)
    except InvalidReportTransition as error:
        raise InvalidReportTransition(
            f"report {report.report_id} is {report.status}, cannot become {target}"
        ) from error
    if party not in row.parties:
        raise InvalidReportTransition(f"the {party} cannot take '{row.action}' on report {report.report_id}")
    return row


def check_not_merged(report: Report) -> None:
    """A duplicate takes no votes, comments or follows: they belong to the report it was merged into."""
    if report.merged_into:
        raise MergedReport(report.report_id, report.merged_into)


def check_vote(reporter_id: str, voter_id: str) -> None:
    """Votes say that someone else saw the problem too: a reporter cannot vote on their own report."""
    if reporter_id == voter_id:
        raise OwnReportVote(f"{voter_id} filed this report")


def file_report(
    reports: Reports,
    tenants: Tenants,
    tenant: str,
    reporter_id: str,
    waste_type: str,
    lat: float,
    lng: float,
    *,
    description: str | None = None,
    address: str | None = None,
    photo_keys: Sequence[str] = (),
    priority: str = Priority.NORMAL,
    source: str = "app",
) -> Report:
    """Files a report in one of the city's enabled categories (with a photo where the category needs one), in the
    city's zone that covers its place. It shows only photos its reporter uploaded for reports in this city, whether
    it comes from the app or from a city CRM over Open311."""
    check_report_photos(tenant, reporter_id, list(photo_keys))
    settings = tenants.settings(tenant)
    settings.check_report(waste_type, len(photo_keys))
    zone = geo.zone_of(lat, lng, settings.zone_list())
    new = NewReport(
        report_id=str(uuid.uuid4()),
        reporter_id=reporter_id,
        waste_type=waste_type,
        lat=lat,
        lng=lng,
        description=description,
        address=address,
        photo_keys=tuple(photo_keys),
        priority=priority,
        zone=zone,
        source=source,
    )
    return reports.create(tenant, new)


def cast_vote(reports: Reports, tenant: str, report_id: str, voter_id: str, agrees: bool) -> Report:
    """Someone other than the reporter corroborates (or disputes) the report, once."""
    report = reports.get(tenant, report_id)
    check_vote(report.reporter_id, voter_id)
    check_not_merged(report)
    return reports.vote(tenant, report, voter_id, agrees)


def change_status(
    reports: Reports,
    fleet: Fleet,
    tenant: str,
    report_id: str,
    target: ReportStatus,
    actor: str,
    reason: str | None,
    party: Party = Party.STAFF,
) -> Report:
    """Moves the report along its lifecycle as ``party`` may (staff unless said otherwise)."""
    return move(reports, fleet, tenant, reports.get(tenant, report_id), target, actor, reason, party)


def move(
    reports: Reports,
    fleet: Fleet,
    tenant: str,
    report: Report,
    target: ReportStatus,
    actor: str,
    reason: str | None,
    party: Party,
) -> Report:
    """Moves the report as read along a row of ``TRANSITIONS``; closing it frees the vehicle sent to it."""
    if target is ReportStatus.DUPLICATE:
        raise InvalidReportTransition(f"report {report.report_id} becomes a duplicate by a merge into its master")
    check_transition(report, target, party)
    changed = reports.change_status(tenant, report, target, actor, reason)
    if target in CLOSED and report.vehicle_id:
        fleet.release(tenant, report.vehicle_id, report.report_id)
    return changed


def dispatch_vehicle(
    reports: Reports, fleet: Fleet, tenant: str, report_id: str, vehicle_id: str, actor: str, note: str | None
) -> Report:
    """Sends an available vehicle to an open report: both change together, or neither."""
    report = reports.get(tenant, report_id)
    if fleet.get(tenant, vehicle_id).status != "available":
        raise VehicleBusy(vehicle_id)
    check_transition(report, ReportStatus.DISPATCHED)
    fleet.dispatch(tenant, vehicle_id, report, actor, note)
    return reports.get(tenant, report_id)


def set_text_hidden(reports: Reports, tenant: str, report_id: str, hidden: bool, actor: str, reason: str) -> Report:
    """Staff hide a report's text (a phone number, an insult) from other citizens and the public, or show it again.
    Asking for what is already so changes nothing and writes no audit entry."""
    report = reports.get(tenant, report_id)
    if report.text_hidden == hidden:
        return report
    return reports.set_text_hidden(tenant, report, hidden, actor, reason)
