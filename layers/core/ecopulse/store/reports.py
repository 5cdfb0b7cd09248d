"""The ``Reports`` port on DynamoDB: creation, listing, the nearby search, votes and status changes, each write
in one transaction with its audit entry and the aggregates it moves."""

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from itertools import batched

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ecopulse import geo, priority
from ecopulse.paging import Page
from ecopulse.report_photos import PhotoResult
from ecopulse.reports import (
    STATS_COUNTER,
    AlreadyVoted,
    HistoryEntry,
    NewReport,
    Report,
    ReportNotFound,
    ReportStatus,
    check_not_merged,
    transition_between,
)
from ecopulse.store import stats
from ecopulse.store.at_once import read_at_once
from ecopulse.store.audit import audit_entry, history
from ecopulse.store.forecasts import mark_reported
from ecopulse.store.models import (
    FixQuestionItem,
    ReportCounters,
    ReportItem,
    VoteItem,
    sort_stamp,
    tenant_key,
    utcnow,
)
from ecopulse.store.pages import paged
from ecopulse.store.transactions import ConcurrentChange, failed_on_condition, transact

# BatchGetItem's most keys a call.
BATCH_GET_KEYS = 100


def report_of(item: ReportItem) -> Report:
    report = Report(
        report_id=item.report_id,
        reporter_id=item.reporter_id,
        waste_type=item.waste_type,
        status=ReportStatus(item.status),
        lat=float(item.lat),
        lng=float(item.lng),
        geohash=item.geohash,
        zone=item.zone,
        description=item.description,
        address=item.address,
        photo_keys=tuple(map(str, item.photo_keys or ())),
        priority=item.priority,
        ai_type=item.ai_type,
        ai_confidence=None if item.ai_confidence is None else float(item.ai_confidence),
        votes_up=int(item.votes_up or 0),
        votes_down=int(item.votes_down or 0),
        vehicle_id=item.vehicle_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version),
        text_hidden=bool(item.text_hidden),
        resolved_at=item.resolved_at,
        merged_into=item.merged_into,
        priority_points=None if item.priority_points is None else int(item.priority_points),
        duplicates_merged=int(item.duplicates_merged or 0),
    )
    results = item.photo_results.as_dict() if item.photo_results else {}
    if not results:
        return report
    return report.with_photos({key: PhotoResult.from_dict(result) for key, result in results.items()})


def fix_question(tenant: str, report_id: str, resolved_at: datetime) -> FixQuestionItem:
    """The report's "is it fixed?" question, waiting in the tenant's list by the time of the resolution."""
    return FixQuestionItem(
        *FixQuestionItem.keys(tenant, report_id),
        tenant=tenant,
        resolved_at=resolved_at,
        gsi1pk=FixQuestionItem.waiting(tenant),
        gsi1sk=sort_stamp(resolved_at, report_id),
    )


def _created_between(tenant: str, status: ReportStatus, start: datetime, end: datetime, limit: int) -> list[ReportItem]:
    return list(
        ReportItem.gsi1.query(
            tenant_key(tenant, "REPORTS", status.value),
            ReportItem.gsi1sk.between(sort_stamp(start, ""), sort_stamp(end, "~")),
            scan_index_forward=False,
            limit=limit,
        )
    )


def _get_batch(tenant: str, report_ids: tuple[str, ...]) -> list[ReportItem]:
    keys = [ReportItem.keys(tenant, report_id) for report_id in report_ids]
    return list(ReportItem.batch_get(keys, consistent_read=True))


def _newest_in_cell(tenant: str, cell: str) -> list[ReportItem]:
    return list(ReportItem.gsi2.query(tenant_key(tenant, "GEO", cell), scan_index_forward=False, limit=500))


def points_added(report: Report, added: int) -> tuple[list[Action], Condition]:
    """What adds ``added`` points to a report (``ecopulse.priority``) and takes as many days off its queue rank,
    without reading it: an addition to both. A report stored before points were kept gets them set in full, once
    (the condition fails a second writer, who retries on the report as it is then)."""
    if report.priority_points is not None:
        return [
            ReportCounters.priority_points.add(added),
            ReportCounters.queue_rank.add(priority.rank_change(added)),
        ], ReportCounters.priority_points.exists()
    now_points = priority.points_of(report) + added
    return [
        ReportCounters.priority_points.set(now_points),
        ReportCounters.queue_rank.set(priority.queue_rank(report.created_at, now_points)),
    ], ReportCounters.priority_points.does_not_exist()


def stored(tenant: str, report: Report) -> ReportItem:
    """The report's item as it was read, for a write conditioned on that revision."""
    return ReportItem(*ReportItem.keys(tenant, report.report_id), version=report.version)


class ReportRepository:
    def create(self, tenant: str, new: NewReport) -> Report:
        now = utcnow()
        pk, sk = ReportItem.keys(tenant, new.report_id)
        stamp = sort_stamp(now, new.report_id)
        points = priority.base_points(new.priority)
        item = ReportItem(
            pk,
            sk,
            tenant=tenant,
            report_id=new.report_id,
            reporter_id=new.reporter_id,
            waste_type=new.waste_type,
            description=new.description,
            address=new.address,
            lat=new.lat,
            lng=new.lng,
            geohash=geo.geohash(new.lat, new.lng, geo.HEAT_PRECISION),
            zone=new.zone,
            photo_keys=list(new.photo_keys),
            photo_results={},
            priority=new.priority,
            status=ReportStatus.SUBMITTED.value,
            source=new.source,
            created_at=now,
            updated_at=now,
            gsi1pk=tenant_key(tenant, "REPORTS", ReportStatus.SUBMITTED.value),
            gsi1sk=stamp,
            gsi2pk=tenant_key(tenant, "GEO", geo.geohash(new.lat, new.lng)),
            gsi2sk=stamp,
            gsi3pk=tenant_key(tenant, "USER", new.reporter_id, "REPORTS"),
            gsi3sk=stamp,
            priority_points=points,
            queue_rank=priority.queue_rank(now, points),
            duplicates_merged=0,
        )
        audit = audit_entry(tenant, "report", new.report_id, new.reporter_id, "created", new=ReportStatus.SUBMITTED)

        def write(transaction: TransactWrite) -> None:
            transaction.save(item, condition=ReportItem.pk.does_not_exist())
            transaction.save(audit)
            stats.count(transaction, tenant, new.zone, now, reports_created=1)
            stats.count_heat(transaction, tenant, item.geohash)
            mark_reported(transaction, tenant)

        transact(write)
        item.version = 1
        return report_of(item)

    def get(self, tenant: str, report_id: str) -> Report:
        try:
            return report_of(ReportItem.get(*ReportItem.keys(tenant, report_id), consistent_read=True))
        except DoesNotExist as error:
            raise ReportNotFound(report_id) from error

    def get_many(self, tenant: str, report_ids: Sequence[str]) -> list[Report]:
        """BatchGetItem, 100 keys a call, the calls sent together."""
        wanted = list(dict.fromkeys(report_ids))
        reads = [partial(_get_batch, tenant, chunk) for chunk in batched(wanted, BATCH_GET_KEYS)]
        found = {item.report_id: item for items in read_at_once(ReportItem, reads) for item in items}
        return [report_of(found[report_id]) for report_id in wanted if report_id in found]

    def list_by_status(self, tenant: str, status: ReportStatus, limit: int, cursor: str | None) -> Page[Report]:
        page: Page[ReportItem] = paged(
            ReportItem.gsi1.query, tenant, ("REPORTS", status.value), limit, cursor, newest_first=True
        )
        return Page([report_of(item) for item in page.items], page.cursor)

    def created_between(
        self, tenant: str, statuses: Collection[ReportStatus], start: datetime, end: datetime, limit: int
    ) -> list[Report]:
        """Newest first, read straight off the status index's time-ordered sort key: one query per status, sent
        together."""
        reads = [partial(_created_between, tenant, status, start, end, limit) for status in statuses]
        found = [report_of(item) for items in read_at_once(ReportItem, reads) for item in items]
        return sorted(found, key=lambda report: report.created_at, reverse=True)

    def list_by_reporter(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[Report]:
        page: Page[ReportItem] = paged(
            ReportItem.gsi3.query, tenant, ("USER", user_id, "REPORTS"), limit, cursor, newest_first=True
        )
        return Page([report_of(item) for item in page.items], page.cursor)

    def nearby(self, tenant: str, lat: float, lng: float, radius_m: float, limit: int) -> list[tuple[Report, float]]:
        """Queries only the index cells that cover the circle, all together, then keeps what is truly inside it."""
        found = []
        cells = [partial(_newest_in_cell, tenant, cell) for cell in geo.cells_covering(lat, lng, radius_m)]
        for items in read_at_once(ReportItem, cells):
            for item in items:
                distance = geo.distance_m(lat, lng, item.lat, item.lng)
                if distance <= radius_m:
                    found.append((item, distance))
        found.sort(key=lambda pair: pair[1])
        return [(report_of(item), distance) for item, distance in found[:limit]]

    def vote(self, tenant: str, report: Report, voter_id: str, agrees: bool) -> Report:
        vote_pk, vote_sk = VoteItem.keys(tenant, report.report_id, voter_id)
        counter = ReportCounters.votes_up if agrees else ReportCounters.votes_down
        vote = VoteItem(vote_pk, vote_sk, tenant=tenant, voter_id=voter_id, value="up" if agrees else "down")
        added = 1 if agrees else -1
        points, points_condition = points_added(report, added)

        def write(transaction: TransactWrite) -> None:
            transaction.save(vote, condition=VoteItem.sk.does_not_exist())
            transaction.update(
                ReportCounters(*ReportItem.keys(tenant, report.report_id)),
                actions=[counter.add(1), *points],
                # A report merged meanwhile takes no vote; its master does.
                condition=ReportCounters.pk.exists()
                & (ReportCounters.status != ReportStatus.DUPLICATE.value)
                & points_condition,
            )
            stats.count(transaction, tenant, report.zone, votes=1)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            if VoteItem.count(vote_pk, VoteItem.sk == vote_sk, consistent_read=True):
                raise AlreadyVoted(report.report_id) from error
            now = self.get(tenant, report.report_id)
            check_not_merged(now)
            raise ConcurrentChange(f"report {report.report_id} changed meanwhile") from error
        # The report as read, with this vote counted: no read after the write (votes cast meanwhile by others
        # show on the next read).
        counted = replace(report, priority_points=priority.points_of(report) + added)
        if agrees:
            return replace(counted, votes_up=report.votes_up + 1)
        return replace(counted, votes_down=report.votes_down + 1)

    def change_status(
        self, tenant: str, report: Report, target: ReportStatus, actor: str, reason: str | None
    ) -> Report:
        """Moves the report along the row of ``TRANSITIONS`` from its status to ``target``, recording the row's action;
        a stale copy fails on its version. A resolution waits for its "is it fixed?" question (``FixQuestionItem``);
        leaving ``resolved`` answers it."""
        row = transition_between(report.status, target)
        now = utcnow()
        actions: list[Action] = [
            ReportItem.status.set(target.value),
            ReportItem.updated_at.set(now),
            ReportItem.gsi1pk.set(tenant_key(tenant, "REPORTS", target.value)),
        ]
        if target is ReportStatus.RESOLVED:
            actions.append(ReportItem.resolved_at.set(now))
        audit = audit_entry(tenant, "report", report.report_id, actor, row.action, report.status, target, reason)

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                stored(tenant, report), actions=actions, condition=ReportItem.status == report.status.value
            )
            transaction.save(audit)
            if target is ReportStatus.RESOLVED:
                transaction.save(fix_question(tenant, report.report_id, now))
            elif report.status is ReportStatus.RESOLVED:
                transaction.delete(FixQuestionItem(*FixQuestionItem.keys(tenant, report.report_id)))
            if target in STATS_COUNTER:
                stats.count(transaction, tenant, report.zone, now, **{STATS_COUNTER[target]: 1})

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            raise ConcurrentChange(f"report {report.report_id} changed meanwhile") from error
        return self.get(tenant, report.report_id)

    def set_text_hidden(self, tenant: str, report: Report, hidden: bool, actor: str, reason: str) -> Report:
        now = utcnow()
        actions: list[Action] = [ReportItem.text_hidden.set(hidden), ReportItem.updated_at.set(now)]
        action = "text_hidden" if hidden else "text_shown"
        audit = audit_entry(tenant, "report", report.report_id, actor, action, reason=reason)

        def write(transaction: TransactWrite) -> None:
            transaction.update(stored(tenant, report), actions=actions)
            transaction.save(audit)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            raise ConcurrentChange(f"report {report.report_id} changed meanwhile") from error
        return self.get(tenant, report.report_id)

    def history(self, tenant: str, report_id: str) -> list[HistoryEntry]:
        """A report's trail starts with its creation, written with it: a report without one does not exist."""
        entries = history(tenant, "report", report_id)
        if not entries:
            raise ReportNotFound(report_id)
        return entries
