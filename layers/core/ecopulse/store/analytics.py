"""Reads of the aggregates kept on write: never a scan of reports or submissions."""

from datetime import date, timedelta

from pynamodb.exceptions import DoesNotExist

from ecopulse.analytics import Counters, DailyPoint, HeatCell
from ecopulse.store.models import HeatCellItem, StatsItem, tenant_key
from ecopulse.store.stats import TOTAL

COUNTERS = [
    "reports_created",
    "reports_dispatched",
    "reports_resolved",
    "reports_rejected",
    "reports_confirmed",
    "reports_merged",
    "reports_reopened",
    "submissions_received",
    "submissions_approved",
    "submissions_rejected",
    "decided_by_model",
    "decided_by_admin",
    "review_seconds",
    "rewards_granted",
    "rewards_minted",
    "votes",
    "checkins",
]


def counters_of(item: StatsItem | None) -> Counters:
    return {name: float(getattr(item, name) or 0) if item else 0.0 for name in COUNTERS}


class AnalyticsRepository:
    """The ``Analytics`` port on the stats and heat-cell items."""

    def totals(self, tenant: str) -> Counters:
        try:
            return counters_of(StatsItem.get(*StatsItem.keys(tenant, TOTAL, None)))
        except DoesNotExist:
            return counters_of(None)

    def daily(self, tenant: str, start: date, end: date) -> list[DailyPoint]:
        days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
        keys = [StatsItem.keys(tenant, day.isoformat(), None) for day in days]
        found = {item.pk: item for item in StatsItem.batch_get(keys)}
        return [DailyPoint(day, counters_of(found.get(key[0]))) for day, key in zip(days, keys, strict=True)]

    def zones(self, tenant: str, zone_ids: list[str]) -> dict[str, Counters]:
        keys = [StatsItem.keys(tenant, TOTAL, zone) for zone in zone_ids]
        found = {item.sk: item for item in StatsItem.batch_get(keys)} if keys else {}
        return {zone: counters_of(found.get(f"ZONE#{zone}")) for zone in zone_ids}

    def heat_cells(self, tenant: str, prefix: str | None, limit: int) -> list[HeatCell]:
        condition = HeatCellItem.sk.startswith(prefix) if prefix else None
        cells = HeatCellItem.query(tenant_key(tenant, "HEAT"), condition, limit=limit)
        return [HeatCell(geohash=cell.sk, reports=int(cell.reports)) for cell in cells]
