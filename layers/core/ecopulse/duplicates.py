"""Duplicate reports: found when a report is filed, merged by staff into the report that stays.

Filing a report answers with the open reports of the same category within the city's ``duplicate_distance_m``; the
report is filed anyway (the app may offer to vote on one of them instead). Staff merge a duplicate into its master:
the duplicate becomes ``duplicate`` with ``merged_into`` and keeps its own record; its votes, its followers and its
photos are added to the master, and its reporter follows the master. A citizen who voted on both counts once, and the
master's reporter never votes on their own report. The master gains ``ecopulse.priority`` points for the votes it
gains and for the duplicate's reporter, a witness of their own unless they had already voted on the master.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ecopulse import geo, priority
from ecopulse.fleet import Fleet
from ecopulse.paging import Page
from ecopulse.privacy import ReportView, Viewer, view_report
from ecopulse.report_photos import PhotoBoard, attach_photos
from ecopulse.reports import (
    CLOSED,
    InvalidReportTransition,
    Priority,
    Report,
    Reports,
    ReportStatus,
    file_report,
    sources_for,
)
from ecopulse.tenants import Tenants, TenantSettings
from ecopulse.uploads import REPORT_PHOTO_KEY_PATTERN

MERGEABLE = frozenset(sources_for(ReportStatus.DUPLICATE))
"""A report merges, or takes a merge, while it is open: where the transition table lets it become a duplicate."""
MAX_POSSIBLE_DUPLICATES = 10


class MergeIntoItself(ValueError):
    pass


class MasterNotOpen(Exception):
    """The master is closed (resolved, rejected or itself a duplicate): nothing would be done about what moves."""

    def __init__(self, master: Report) -> None:
        super().__init__(f"report {master.report_id} is {master.status}")
        self.details = [{"report_id": master.report_id, "status": master.status.value}] + (
            [{"merged_into": master.merged_into}] if master.merged_into else []
        )


class CategoryMismatch(Exception):
    """Reports of different categories merge only when staff say why (one pile reported as two kinds)."""


class AlreadyMerged(Exception):
    def __init__(self, duplicate: Report) -> None:
        super().__init__(f"report {duplicate.report_id} was merged into {duplicate.merged_into}")
        self.details = [{"merged_into": duplicate.merged_into}]


@dataclass(frozen=True)
class ReportSide:
    """A report with who voted on it (and how) and who follows it: one side of a merge."""

    report: Report
    votes: Mapping[str, bool] = field(default_factory=dict)
    followers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MergePlan:
    """What a merge writes; ``votes`` and ``followers`` are what the master does not have yet."""

    duplicate: Report
    master: Report
    votes: tuple[tuple[str, bool], ...]
    followers: tuple[str, ...]
    photo_keys: tuple[str, ...]
    witness: bool
    reason: str | None

    @property
    def votes_up(self) -> int:
        return sum(1 for _, agrees in self.votes if agrees)

    @property
    def votes_down(self) -> int:
        return len(self.votes) - self.votes_up

    @property
    def points_added(self) -> int:
        return self.votes_up - self.votes_down + (priority.WITNESS_POINTS if self.witness else 0)


class Merges(Protocol):
    def side(self, tenant: str, report_id: str) -> ReportSide:
        """The report with its votes and followers; ``ReportNotFound`` for one the city does not have."""
        ...

    def merge(self, tenant: str, plan: MergePlan, actor: str) -> None:
        """Writes the plan: one transaction when it fits DynamoDB's 100 items, otherwise votes and followers in
        transactions of their own first and the status change last, so that a merge repeated after a failure adds
        what is missing and nothing twice. A duplicate or master changed since it was read fails (409)."""
        ...

    def by_priority(self, tenant: str, status: ReportStatus, limit: int, cursor: str | None) -> Page[Report]:
        """The reports of a status, most urgent first (``ecopulse.priority``)."""
        ...


def plan_merge(duplicate: ReportSide, master: ReportSide, reason: str | None) -> MergePlan | None:
    """The merge of ``duplicate`` into ``master``, or None when it is merged into this master already."""
    dup, into = duplicate.report, master.report
    if dup.report_id == into.report_id:
        raise MergeIntoItself(dup.report_id)
    if dup.merged_into == into.report_id:
        return None
    if dup.merged_into:
        raise AlreadyMerged(dup)
    if into.status not in MERGEABLE:
        raise MasterNotOpen(into)
    if dup.status not in MERGEABLE:
        raise InvalidReportTransition(f"report {dup.report_id} is {dup.status} and cannot be merged")
    if dup.waste_type != into.waste_type and not reason:
        raise CategoryMismatch(f"{dup.waste_type} into {into.waste_type}")
    corroborated = set(master.votes) | {into.reporter_id}
    votes = tuple((voter, agrees) for voter, agrees in sorted(duplicate.votes.items()) if voter not in corroborated)
    already_following = master.followers | {into.reporter_id}
    followers = tuple(
        person for person in dict.fromkeys([dup.reporter_id, *sorted(duplicate.followers)])
        if person not in already_following
    )  # fmt: skip
    photos = tuple(key for key in dup.photo_keys if key not in into.photo_keys)
    return MergePlan(
        duplicate=dup,
        master=into,
        votes=votes,
        followers=followers,
        photo_keys=photos,
        witness=dup.reporter_id not in corroborated,
        reason=reason,
    )


def merge_reports(
    reports: Reports,
    merges: Merges,
    fleet: Fleet,
    board: PhotoBoard,
    tenant: str,
    duplicate_id: str,
    master_id: str,
    actor: str,
    reason: str | None,
) -> Report:
    """Staff merge a duplicate into its master (a city's reports only: any other is not found). The same merge
    again answers the duplicate as it is; a vehicle sent to the duplicate is freed. The master is named on the
    duplicate's photos' records, so their results show on it, now and when a verdict arrives later; the same
    merge again finishes that if it stopped half-way."""
    if duplicate_id == master_id:
        raise MergeIntoItself(duplicate_id)
    duplicate = merges.side(tenant, duplicate_id)
    master = merges.side(tenant, master_id)
    plan = plan_merge(duplicate, master, reason)
    if plan is not None:
        merges.merge(tenant, plan, actor)
        if duplicate.report.vehicle_id:
            fleet.release(tenant, duplicate.report.vehicle_id, duplicate_id)
    uploaded = [key for key in duplicate.report.photo_keys if re.fullmatch(REPORT_PHOTO_KEY_PATTERN, key)]
    attach_photos(board, tenant, master_id, uploaded)
    return reports.get(tenant, duplicate_id)


def is_possible_duplicate(filed: Report, other: Report) -> bool:
    return (
        other.report_id != filed.report_id
        and other.waste_type == filed.waste_type
        and other.status not in CLOSED
        and not other.merged_into
    )


def possible_duplicates(
    reports: Reports, tenant: str, settings: TenantSettings, filed: Report, viewer: Viewer
) -> list[tuple[ReportView, float]]:
    """The open reports of the filed one's category within the city's duplicate distance, nearest first, as the
    viewer may see them and measured to the place they are shown (a rounded place is not given away by an exact
    distance)."""
    radius = settings.duplicate_distance_m
    found = []
    for other, _ in reports.nearby(tenant, filed.lat, filed.lng, radius, 5 * MAX_POSSIBLE_DUPLICATES):
        if is_possible_duplicate(filed, other):
            view = view_report(other, viewer)
            found.append((view, geo.distance_m(filed.lat, filed.lng, view.lat, view.lng)))
    found.sort(key=lambda pair: pair[1])
    return found[:MAX_POSSIBLE_DUPLICATES]


class _SettingsReadOnce:
    """The city's settings read once for the whole filing, when first needed (after the photos are checked): the
    report's checks and the duplicate search."""

    def __init__(self, tenants: Tenants) -> None:
        self._tenants = tenants
        self._read: TenantSettings | None = None

    def settings(self, tenant: str) -> TenantSettings:
        if self._read is None:
            self._read = self._tenants.settings(tenant)
        return self._read

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings:
        return self._tenants.save(tenant, settings)


def file_report_finding_duplicates(
    reports: Reports,
    tenants: Tenants,
    tenant: str,
    reporter_id: str,
    waste_type: str,
    lat: float,
    lng: float,
    viewer: Viewer,
    *,
    description: str | None = None,
    address: str | None = None,
    photo_keys: Sequence[str] = (),
    report_priority: str = Priority.NORMAL,
) -> tuple[Report, list[tuple[ReportView, float]]]:
    """Files the report (``ecopulse.reports.file_report``) and finds the open reports it may duplicate."""
    read_once = _SettingsReadOnce(tenants)
    filed = file_report(
        reports,
        read_once,
        tenant,
        reporter_id,
        waste_type,
        lat,
        lng,
        description=description,
        address=address,
        photo_keys=photo_keys,
        priority=report_priority,
    )
    return filed, possible_duplicates(reports, tenant, read_once.settings(tenant), filed, viewer)
