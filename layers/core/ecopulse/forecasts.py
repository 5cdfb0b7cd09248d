"""Hotspot forecasts: how many reports each area of a city should expect over the next week, how well that
forecast did on the last four weeks against a seasonal-naive baseline, and which areas to send trucks to first.

An area is a string id (a zone today; a polygon or a grid cell would do as well). The model itself needs numpy and
lives in ``ecopulse.seasonal``, run by the scheduled forecast function; this module is plain Python, so the
analytics API reads stored forecasts without numpy. docs/forecast.md says what a forecast can and cannot know.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ecopulse.analytics import Analytics
from ecopulse.tenants import Tenants

HORIZON_DAYS = 7
BACKTEST_DAYS = 28
# Less than four weeks of an area's reports gives no forecast: the weekday pattern would rest on three
# observations of each day at most, and nothing would be left to test it on.
MIN_HISTORY_DAYS = 28
# The backtest trains on at least two weeks before each origin: each weekday seen twice.
MIN_TRAINING_DAYS = 14
# Sixteen weeks: enough for the weekday pattern and a trend, recent enough that the trend is today's.
HISTORY_DAYS = 112


class AreaStatus(StrEnum):
    FORECAST = "forecast"
    INSUFFICIENT_HISTORY = "insufficient_history"


class ForecastStatus(StrEnum):
    READY = "ready"
    NOT_FITTED = "not_fitted"


@dataclass(frozen=True)
class Errors:
    """Backtest errors in reports per day. ``mape`` is weighted (total absolute error over total reports), so
    days without reports count in it without dividing by zero; none when the backtest saw no report at all."""

    mae: float
    mape: float | None


@dataclass(frozen=True)
class Fit:
    """What the model makes of one area's daily counts: the next days' expected reports and both backtests."""

    expected: list[float]
    model: Errors
    baseline: Errors
    backtest_days: int


class Forecaster(Protocol):
    def __call__(self, first_day: date, counts: Sequence[int], horizon: int) -> Fit:
        """Fits ``counts`` (one per day from ``first_day``) and forecasts the ``horizon`` days after them."""
        ...


@dataclass(frozen=True)
class AreaForecast:
    area_id: str
    name: str
    status: AreaStatus
    history_days: int
    first_day: date
    expected: list[float] = field(default_factory=list)
    model: Errors | None = None
    baseline: Errors | None = None
    backtest_days: int = 0

    @property
    def beats_baseline(self) -> bool | None:
        """Whether the model's backtest error is below the baseline's; none without a forecast."""
        if self.model is None or self.baseline is None:
            return None
        return self.model.mae < self.baseline.mae

    def expected_on(self, day: date) -> float | None:
        offset = (day - self.first_day).days
        return self.expected[offset] if 0 <= offset < len(self.expected) else None


@dataclass(frozen=True)
class ForecastRun:
    """One tenant's forecasts, fitted at ``fitted_at`` on the complete days before ``first_day``."""

    tenant: str
    fitted_at: datetime
    first_day: date
    areas: list[AreaForecast]


class ReportHistory(Protocol):
    def tenants(self) -> list[str]:
        """Every tenant that has filed a report."""
        ...

    def daily_reports(self, tenant: str, area_ids: list[str], start: date, end: date) -> dict[str, list[int]]:
        """Reports created per day in each area, ``start`` to ``end`` both included, read from the counters kept
        on write."""
        ...


class ForecastStore(Protocol):
    def save(self, run: ForecastRun) -> None: ...

    def latest(self, tenant: str) -> ForecastRun | None: ...


def forecast_area(
    area_id: str, name: str, start: date, counts: Sequence[int], first_day: date, forecaster: Forecaster
) -> AreaForecast:
    """The area's history starts at its first report in the window read; before that it may not have existed."""
    first_report = next((offset for offset, count in enumerate(counts) if count > 0), len(counts))
    history = list(counts[first_report:])
    if len(history) < MIN_HISTORY_DAYS:
        return AreaForecast(area_id, name, AreaStatus.INSUFFICIENT_HISTORY, len(history), first_day)
    fit = forecaster(start + timedelta(days=first_report), history, HORIZON_DAYS)
    return AreaForecast(
        area_id, name, AreaStatus.FORECAST, len(history), first_day, fit.expected, fit.model, fit.baseline,
        fit.backtest_days,
    )  # fmt: skip


def forecast_tenant(
    tenant: str, tenants: Tenants, history: ReportHistory, store: ForecastStore, forecaster: Forecaster, now: datetime
) -> ForecastRun:
    """Fits every zone of the city on the complete days up to yesterday and stores the forecasts from today."""
    today = now.date()
    start, end = today - timedelta(days=HISTORY_DAYS), today - timedelta(days=1)
    zones = tenants.settings(tenant).zones
    counts = history.daily_reports(tenant, [zone.zone_id for zone in zones], start, end)
    areas = [forecast_area(zone.zone_id, zone.name, start, counts[zone.zone_id], today, forecaster) for zone in zones]
    run = ForecastRun(tenant, now, today, areas)
    store.save(run)
    return run


@dataclass(frozen=True)
class RunSummary:
    forecast: dict[str, int]
    insufficient_history: dict[str, int]
    failed: list[str]

    def to_dict(self) -> dict[str, object]:
        return {"forecast": self.forecast, "insufficient_history": self.insufficient_history, "failed": self.failed}


def forecast_every_tenant(
    requested: list[str],
    tenants: Tenants,
    history: ReportHistory,
    store: ForecastStore,
    forecaster: Forecaster,
    clock: Callable[[], datetime],
    on_failure: Callable[[str, Exception], None],
) -> RunSummary:
    """The requested tenants, or every tenant with reports. One tenant's failure is reported and the others
    still get their forecasts."""
    done: dict[str, int] = {}
    short: dict[str, int] = {}
    failed: list[str] = []
    for tenant in requested or history.tenants():
        try:
            run = forecast_tenant(tenant, tenants, history, store, forecaster, clock())
        except Exception as error:  # one city's failure must not keep the others from their forecast
            on_failure(tenant, error)
            failed.append(tenant)
            continue
        done[tenant] = sum(area.status is AreaStatus.FORECAST for area in run.areas)
        short[tenant] = len(run.areas) - done[tenant]
    return RunSummary(done, short, failed)


# ---------- what the analytics API shows ----------


@dataclass(frozen=True)
class DispatchSuggestion:
    """An area in tomorrow's suggested order: expected new reports plus the open reports already there."""

    rank: int
    area_id: str
    name: str
    expected_reports: float | None
    open_reports: int
    score: float


@dataclass(frozen=True)
class DayForecast:
    day: date
    expected_reports: float


@dataclass(frozen=True)
class AreaOutlook:
    """An area's forecast as admins read it, with the reports open there now."""

    forecast: AreaForecast
    open_reports: int

    @property
    def area_id(self) -> str:
        return self.forecast.area_id

    @property
    def name(self) -> str:
        return self.forecast.name

    @property
    def status(self) -> AreaStatus:
        return self.forecast.status

    @property
    def history_days(self) -> int:
        return self.forecast.history_days

    @property
    def days(self) -> list[DayForecast]:
        start = self.forecast.first_day
        return [DayForecast(start + timedelta(days=n), value) for n, value in enumerate(self.forecast.expected)]

    @property
    def model(self) -> Errors | None:
        return self.forecast.model

    @property
    def baseline(self) -> Errors | None:
        return self.forecast.baseline

    @property
    def backtest_days(self) -> int:
        return self.forecast.backtest_days

    @property
    def beats_baseline(self) -> bool | None:
        return self.forecast.beats_baseline


@dataclass(frozen=True)
class Outlook:
    status: ForecastStatus
    fitted_at: datetime | None
    tomorrow: date
    areas: list[AreaOutlook]
    dispatch: list[DispatchSuggestion]


def open_reports(counters: dict[str, float]) -> int:
    """Reports created in the area and not closed yet: neither resolved (unless reopened since), rejected nor merged
    into another (dispatched ones are still open; a confirmation closes a report already counted resolved)."""
    closed = sum(counters.get(name, 0.0) for name in ("reports_resolved", "reports_rejected", "reports_merged"))
    return max(0, int(counters.get("reports_created", 0.0) + counters.get("reports_reopened", 0.0) - closed))


def dispatch_order(areas: list[AreaOutlook], tomorrow: date) -> list[DispatchSuggestion]:
    """Areas by expected new reports tomorrow plus open reports, highest first, ties by area id. An area
    without a forecast for tomorrow counts its open reports only; an area with neither is left out."""
    scored = []
    for area in areas:
        expected = area.forecast.expected_on(tomorrow)
        score = round((expected or 0.0) + area.open_reports, 2)
        if score > 0:
            scored.append((area, expected, score))
    scored.sort(key=lambda entry: (-entry[2], entry[0].forecast.area_id))
    return [
        DispatchSuggestion(rank, area.forecast.area_id, area.forecast.name, expected, area.open_reports, score)
        for rank, (area, expected, score) in enumerate(scored, start=1)
    ]


def outlook(store: ForecastStore, analytics: Analytics, tenant: str, today: date) -> Outlook:
    """The stored forecasts with each area's open reports and tomorrow's suggested dispatch; before the first
    fit, an empty outlook that says so."""
    tomorrow = today + timedelta(days=1)
    run = store.latest(tenant)
    if run is None:
        return Outlook(ForecastStatus.NOT_FITTED, None, tomorrow, [], [])
    counters = analytics.zones(tenant, [area.area_id for area in run.areas])
    areas = [AreaOutlook(area, open_reports(counters[area.area_id])) for area in run.areas]
    return Outlook(ForecastStatus.READY, run.fitted_at, tomorrow, areas, dispatch_order(areas, tomorrow))
