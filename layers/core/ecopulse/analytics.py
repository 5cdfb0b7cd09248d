"""A city's figures from the aggregates kept on write: the ``Analytics`` port and the ratios read off it.

``ecopulse.store.analytics.AnalyticsRepository`` is the DynamoDB adapter; no read here scans.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from ecopulse.tenants import Tenants

MAX_DAYS = 366
DEFAULT_DAYS = 30
Counters = dict[str, float]


class InvalidRange(ValueError):
    """A daily range that ends before it starts, or spans more days than one read may."""


@dataclass(frozen=True)
class Summary:
    counters: Counters
    ai_decision_rate: float | None
    approval_rate: float | None
    mean_review_seconds: float | None
    resolution_rate: float | None


@dataclass(frozen=True)
class DailyPoint:
    day: date
    counters: Counters


@dataclass(frozen=True)
class ZoneBreakdown:
    zone_id: str
    name: str
    counters: Counters


@dataclass(frozen=True)
class HeatCell:
    geohash: str
    reports: int


class Analytics(Protocol):
    def totals(self, tenant: str) -> Counters: ...

    def daily(self, tenant: str, start: date, end: date) -> list[DailyPoint]:
        """Every day from ``start`` to ``end``, both included; a day with nothing counted has zeros."""
        ...

    def zones(self, tenant: str, zone_ids: list[str]) -> dict[str, Counters]: ...

    def heat_cells(self, tenant: str, prefix: str | None, limit: int) -> list[HeatCell]: ...


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def summarise(analytics: Analytics, tenant: str) -> Summary:
    """The totals with the rates a city watches; a rate of nothing yet is none rather than zero."""
    c = analytics.totals(tenant)
    return Summary(
        counters=c,
        ai_decision_rate=_ratio(c["decided_by_model"], c["decided_by_model"] + c["decided_by_admin"]),
        approval_rate=_ratio(c["submissions_approved"], c["submissions_approved"] + c["submissions_rejected"]),
        mean_review_seconds=_ratio(c["review_seconds"], c["decided_by_admin"]),
        resolution_rate=_ratio(c["reports_resolved"], c["reports_created"]),
    )


def daily_range(analytics: Analytics, tenant: str, start: date | None, end: date) -> list[DailyPoint]:
    """From ``start`` to ``end``; without a start, the 30 days up to ``end`` (or as many as the calendar has)."""
    start = start or end - timedelta(days=min(DEFAULT_DAYS - 1, (end - date.min).days))
    if start > end or (end - start).days >= MAX_DAYS:
        raise InvalidRange(f"from {start} to {end}")
    return analytics.daily(tenant, start, end)


def zone_breakdown(analytics: Analytics, tenants: Tenants, tenant: str) -> list[ZoneBreakdown]:
    """The city's configured zones, in their order, each with its counters."""
    configured = tenants.settings(tenant).zones
    counters = analytics.zones(tenant, [zone.zone_id for zone in configured])
    return [ZoneBreakdown(zone.zone_id, zone.name, counters[zone.zone_id]) for zone in configured]
