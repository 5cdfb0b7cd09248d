"""City analytics from the aggregates kept on write: KPIs, daily trends, zones, heatmap cells."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ecopulse.api.auth import AdminDep
from ecopulse.api.errors import ERROR_RESPONSES, ApiError
from ecopulse.store.analytics import AnalyticsRepository
from ecopulse.store.tenants import TenantRepository

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=ERROR_RESPONSES)
analytics = AnalyticsRepository()
tenants = TenantRepository()
MAX_DAYS = 366
DEFAULT_DAYS = 30


class Summary(BaseModel):
    counters: dict[str, float]
    ai_decision_rate: float | None
    approval_rate: float | None
    mean_review_seconds: float | None
    resolution_rate: float | None


class DailyPoint(BaseModel):
    day: date
    counters: dict[str, float]


class ZoneBreakdown(BaseModel):
    zone_id: str
    name: str
    counters: dict[str, float]


class HeatCell(BaseModel):
    geohash: str
    reports: int


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


@router.get("/summary", response_model=Summary)
def summary(caller: AdminDep) -> Summary:
    c = analytics.totals(caller.tenant)
    decided = c["decided_by_model"] + c["decided_by_admin"]
    return Summary(
        counters=c,
        ai_decision_rate=_ratio(c["decided_by_model"], decided),
        approval_rate=_ratio(c["submissions_approved"], c["submissions_approved"] + c["submissions_rejected"]),
        mean_review_seconds=_ratio(c["review_seconds"], c["decided_by_admin"]),
        resolution_rate=_ratio(c["reports_resolved"], c["reports_created"]),
    )


@router.get("/daily", response_model=list[DailyPoint])
def daily(
    caller: AdminDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> list[DailyPoint]:
    end = end or date.today()
    # The 30 days up to `end`, or as many as the calendar has before it.
    start = start or end - timedelta(days=min(DEFAULT_DAYS - 1, (end - date.min).days))
    if start > end or (end - start).days >= MAX_DAYS:
        raise ApiError(422, "invalid_range", f"from must not be after to, and the range at most {MAX_DAYS} days")
    return [DailyPoint(day=day, counters=counters) for day, counters in analytics.daily(caller.tenant, start, end)]


@router.get("/zones", response_model=list[ZoneBreakdown])
def zones(caller: AdminDep) -> list[ZoneBreakdown]:
    configured = tenants.settings(caller.tenant).zones
    counters = analytics.zones(caller.tenant, [zone.zone_id for zone in configured])
    return [ZoneBreakdown(zone_id=z.zone_id, name=z.name, counters=counters[z.zone_id]) for z in configured]


@router.get("/heatmap", response_model=list[HeatCell])
def heatmap(
    caller: AdminDep,
    prefix: Annotated[str | None, Query(pattern=r"^[0-9bcdefghjkmnpqrstuvwxyz]{1,6}$")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[HeatCell]:
    """Report counts per ~1 km geohash cell; `prefix` narrows to the viewport."""
    cells = analytics.heat_cells(caller.tenant, prefix, limit)
    return [HeatCell(geohash=cell.sk, reports=int(cell.reports)) for cell in cells]
