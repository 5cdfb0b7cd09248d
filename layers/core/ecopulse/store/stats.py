"""Aggregates maintained on write: each change adds to its day's, its zone's and the all-time counters."""

from datetime import datetime

from pynamodb.transactions import TransactWrite

from ecopulse.store.models import HeatCellItem, StatsItem, utcnow

TOTAL = "TOTAL"


def day_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def count(
    transaction: TransactWrite,
    tenant: str,
    zone: str | None,
    moment: datetime | None = None,
    **increments: float,
) -> None:
    """Adds the increments to the day (tenant-wide and the zone) and to the all-time totals."""
    day = day_of(moment or utcnow())
    targets = [(day, None), (TOTAL, None)] + ([(day, zone), (TOTAL, zone)] if zone else [])
    for period, target_zone in targets:
        pk, sk = StatsItem.keys(tenant, period, target_zone)
        item = StatsItem(pk, sk)
        actions = [getattr(StatsItem, name).add(value) for name, value in increments.items()]
        actions.append(StatsItem.tenant.set(tenant))
        transaction.update(item, actions=actions)


def count_heat(transaction: TransactWrite, tenant: str, cell: str) -> None:
    pk, sk = HeatCellItem.keys(tenant, cell)
    transaction.update(HeatCellItem(pk, sk), actions=[HeatCellItem.reports.add(1), HeatCellItem.tenant.set(tenant)])
