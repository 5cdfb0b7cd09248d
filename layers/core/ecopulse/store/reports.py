"""Report repository: creation, listing, the nearby search, votes and status changes, each write in one
transaction with its audit entry and the aggregates it moves."""

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from ecopulse import geo
from ecopulse.paging import Page
from ecopulse.reports import STATS_COUNTER, InvalidReportTransition, ReportStatus, sources_for
from ecopulse.store import stats
from ecopulse.store.audit import audit_entry
from ecopulse.store.models import ReportCounters, ReportItem, VoteItem, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.store.transactions import ConcurrentChange, failed_on_condition, transact


class ReportNotFound(LookupError):
    pass


class AlreadyVoted(Exception):
    """One vote per citizen per report."""


@dataclass(frozen=True)
class NewReport:
    report_id: str
    reporter_id: str
    waste_type: str
    lat: float
    lng: float
    description: str | None
    address: str | None
    photo_keys: list[str]
    priority: str
    zone: str | None
    source: str = "app"


class ReportRepository:
    def create(self, tenant: str, new: NewReport) -> ReportItem:
        now = utcnow()
        pk, sk = ReportItem.keys(tenant, new.report_id)
        stamp = sort_stamp(now, new.report_id)
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
            photo_keys=new.photo_keys,
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
        )
        audit = audit_entry(tenant, "report", new.report_id, new.reporter_id, "created", new=ReportStatus.SUBMITTED)

        def write(transaction):
            transaction.save(item, condition=ReportItem.pk.does_not_exist())
            transaction.save(audit)
            stats.count(transaction, tenant, new.zone, now, reports_created=1)
            stats.count_heat(transaction, tenant, item.geohash)

        transact(write)
        item.version = 1
        return item

    def get(self, tenant: str, report_id: str) -> ReportItem:
        try:
            return ReportItem.get(*ReportItem.keys(tenant, report_id), consistent_read=True)
        except DoesNotExist as error:
            raise ReportNotFound(report_id) from error

    def list_by_status(self, tenant: str, status: ReportStatus, limit: int, cursor: str | None) -> Page[ReportItem]:
        return paged(
            ReportItem.gsi1.query,
            tenant,
            (
                "REPORTS",
                status.value,
            ),
            limit,
            cursor,
            newest_first=True,
        )

    def created_between(
        self, tenant: str, status: ReportStatus, start: datetime, end: datetime, limit: int
    ) -> list[ReportItem]:
        """Newest first, read straight off the status index's time-ordered sort key."""
        return list(
            ReportItem.gsi1.query(
                tenant_key(tenant, "REPORTS", status.value),
                ReportItem.gsi1sk.between(sort_stamp(start, ""), sort_stamp(end, "~")),
                scan_index_forward=False,
                limit=limit,
            )
        )

    def list_by_reporter(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[ReportItem]:
        return paged(
            ReportItem.gsi3.query,
            tenant,
            (
                "USER",
                user_id,
                "REPORTS",
            ),
            limit,
            cursor,
            newest_first=True,
        )

    def nearby(
        self, tenant: str, lat: float, lng: float, radius_m: float, limit: int
    ) -> list[tuple[ReportItem, float]]:
        """Queries only the index cells that cover the circle, then keeps what is truly inside it."""
        found = []
        for cell in geo.cells_covering(lat, lng, radius_m):
            for item in ReportItem.gsi2.query(tenant_key(tenant, "GEO", cell), scan_index_forward=False, limit=500):
                distance = geo.distance_m(lat, lng, item.lat, item.lng)
                if distance <= radius_m:
                    found.append((item, distance))
        found.sort(key=lambda pair: pair[1])
        return found[:limit]

    def vote(self, tenant: str, report: ReportItem, user_id: str, agrees: bool) -> ReportItem:
        vote_pk, vote_sk = VoteItem.keys(tenant, report.report_id, user_id)
        counter = ReportCounters.votes_up if agrees else ReportCounters.votes_down
        vote = VoteItem(vote_pk, vote_sk, tenant=tenant, voter_id=user_id, value="up" if agrees else "down")

        def write(transaction):
            transaction.save(vote, condition=VoteItem.sk.does_not_exist())
            transaction.update(
                ReportCounters(report.pk, report.sk), actions=[counter.add(1)], condition=ReportCounters.pk.exists()
            )
            stats.count(transaction, tenant, report.zone, votes=1)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            if VoteItem.count(vote_pk, VoteItem.sk == vote_sk, consistent_read=True):
                raise AlreadyVoted(report.report_id) from error
            raise ReportNotFound(report.report_id) from error
        return self.get(tenant, report.report_id)

    def change_status(
        self,
        tenant: str,
        report: ReportItem,
        target: ReportStatus,
        actor: str,
        reason: str | None,
        vehicle_id: str | None = None,
    ) -> ReportItem:
        """Moves the report only from a status that allows it; a stale copy fails on its version."""
        if ReportStatus(report.status) not in sources_for(target):
            raise InvalidReportTransition(f"report {report.report_id} is {report.status}, cannot become {target}")
        now = utcnow()
        actions = [
            ReportItem.status.set(target.value),
            ReportItem.updated_at.set(now),
            ReportItem.gsi1pk.set(tenant_key(tenant, "REPORTS", target.value)),
        ]
        if vehicle_id is not None:
            actions.append(ReportItem.vehicle_id.set(vehicle_id))
        audit = audit_entry(tenant, "report", report.report_id, actor, target.value, report.status, target, reason)
        allowed = [status.value for status in sources_for(target)]

        def write(transaction):
            transaction.update(report, actions=actions, condition=ReportItem.status.is_in(*allowed))
            transaction.save(audit)
            if target in STATS_COUNTER:
                stats.count(transaction, tenant, report.zone, now, **{STATS_COUNTER[target]: 1})

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            raise ConcurrentChange(f"report {report.report_id} changed meanwhile") from error
        return self.get(tenant, report.report_id)
