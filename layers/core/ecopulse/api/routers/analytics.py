"""City analytics from the aggregates kept on write: KPIs, daily trends, zones, heatmap cells."""

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from ecopulse.analytics import daily_range, summarise, zone_breakdown
from ecopulse.api.auth import AdminDep
from ecopulse.api.dependencies import AnalyticsDep, ForecastsDep, TenantsDep
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.forecasts import AreaStatus, ForecastStatus
from ecopulse.forecasts import outlook as forecast_outlook

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=ERROR_RESPONSES)


class Summary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    counters: dict[str, float]
    ai_decision_rate: float | None
    approval_rate: float | None
    mean_review_seconds: float | None
    resolution_rate: float | None


class DailyPoint(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    counters: dict[str, float]


class ZoneBreakdown(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    zone_id: str
    name: str
    counters: dict[str, float]


class HeatCell(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    geohash: str
    reports: int


@router.get("/summary", response_model=Summary)
def summary(caller: AdminDep, analytics: AnalyticsDep) -> Summary:
    return Summary.model_validate(summarise(analytics, caller.tenant))


@router.get("/daily", response_model=list[DailyPoint])
def daily(
    caller: AdminDep,
    analytics: AnalyticsDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> list[DailyPoint]:
    """The 30 days up to `to` (today) unless `from` says otherwise; at most 366 days."""
    points = daily_range(analytics, caller.tenant, start, end or date.today())
    return [DailyPoint.model_validate(point) for point in points]


@router.get("/zones", response_model=list[ZoneBreakdown])
def zones(caller: AdminDep, analytics: AnalyticsDep, tenants: TenantsDep) -> list[ZoneBreakdown]:
    return [ZoneBreakdown.model_validate(zone) for zone in zone_breakdown(analytics, tenants, caller.tenant)]


@router.get("/heatmap", response_model=list[HeatCell])
def heatmap(
    caller: AdminDep,
    analytics: AnalyticsDep,
    prefix: Annotated[str | None, Query(pattern=r"^[0-9bcdefghjkmnpqrstuvwxyz]{1,6}$")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[HeatCell]:
    """Report counts per ~1 km geohash cell; `prefix` narrows to the viewport."""
    return [HeatCell.model_validate(cell) for cell in analytics.heat_cells(caller.tenant, prefix, limit)]


class BacktestErrors(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    mae: float
    mape: float | None


class DayForecast(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    expected_reports: float


class AreaForecast(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    area_id: str
    name: str
    status: AreaStatus
    history_days: int
    open_reports: int
    days: list[DayForecast]
    model: BacktestErrors | None
    baseline: BacktestErrors | None
    backtest_days: int
    beats_baseline: bool | None


class DispatchSuggestion(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int
    area_id: str
    name: str
    expected_reports: float | None
    open_reports: int
    score: float


class Forecast(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: ForecastStatus
    fitted_at: datetime | None
    tomorrow: date
    areas: list[AreaForecast]
    dispatch: list[DispatchSuggestion]


@router.get("/forecast", response_model=Forecast)
def forecast(caller: AdminDep, analytics: AnalyticsDep, forecasts: ForecastsDep) -> Forecast:
    """Each zone's expected reports for the next 7 days with the backtest of the model and of the seasonal-naive
    baseline on the last 4 weeks (`mape` is total absolute error over total reports), and tomorrow's suggested
    dispatch: zones by expected new reports plus open reports. Before the first daily fit, `status` is
    `not_fitted` and the lists are empty."""
    today = datetime.now(UTC).date()  # the day the daily fit counts in
    return Forecast.model_validate(forecast_outlook(forecasts, analytics, caller.tenant, today))
