"""Hotspot forecasts in process: the seasonal model against the seasonal-naive baseline on synthetic history with
a known weekly pattern, trend and noise; the rules on history, storage and tomorrow's dispatch with in-memory
ports; and GET /analytics/forecast with its refusals."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import analytics_repository, forecast_store
from ecopulse.forecasts import (
    HISTORY_DAYS,
    MIN_HISTORY_DAYS,
    AreaForecast,
    AreaOutlook,
    AreaStatus,
    Errors,
    Fit,
    ForecastRun,
    ForecastStatus,
    dispatch_order,
    forecast_area,
    forecast_every_tenant,
    forecast_tenant,
    open_reports,
    outlook,
)
from ecopulse.seasonal import backtest, fit_pattern, forecast, seasonal_naive
from ecopulse.tenants import TenantSettings, ZoneSettings
from tests.unit.function_apps import signed_in_client
from tests.unit.test_analytics import MemoryAnalytics, MemoryTenants, counters

MONDAY = date(2026, 8, 3)
# Reports per weekday, Monday first: busy weekends, a quiet midweek.
PATTERN = np.array([8.0, 6.0, 5.0, 5.0, 7.0, 12.0, 14.0])
TREND_PER_DAY = 0.05
NOW = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
TODAY = NOW.date()


def expected_level(first_day: date, days: int, offset: int = 0) -> np.ndarray:
    index = np.arange(offset, offset + days)
    return PATTERN[(first_day.weekday() + index) % 7] + TREND_PER_DAY * index


def synthetic(days: int, seed: int, first_day: date = MONDAY) -> list[int]:
    """Poisson counts around the weekly pattern and its trend."""
    return np.random.default_rng(seed).poisson(expected_level(first_day, days)).tolist()


# ---------- the model ----------


@pytest.mark.parametrize("seed", range(5))
def test_the_model_beats_the_seasonal_naive_baseline_on_sixteen_weeks_of_noisy_history(seed):
    fit = forecast(MONDAY, synthetic(HISTORY_DAYS, seed), 7)
    assert fit.backtest_days == 28
    assert fit.model.mae < fit.baseline.mae
    assert fit.model.mape is not None and fit.baseline.mape is not None and fit.model.mape < fit.baseline.mape


def test_without_noise_the_model_recovers_the_weekly_pattern_and_trend_exactly():
    history = expected_level(MONDAY, HISTORY_DAYS)
    next_week = fit_pattern(MONDAY, history, 7)
    np.testing.assert_allclose(next_week, expected_level(MONDAY, 7, offset=HISTORY_DAYS), atol=1e-6)
    model, _, _ = backtest(MONDAY, history)
    assert model.mae == pytest.approx(0.0, abs=1e-6)


def test_with_noise_the_forecast_keeps_the_weekly_shape():
    fit = forecast(MONDAY, synthetic(HISTORY_DAYS, seed=11), 7)
    truth = expected_level(MONDAY, 7, offset=HISTORY_DAYS)
    assert int(np.argmax(fit.expected)) == int(np.argmax(truth)) == 6, "Sunday is the busiest day"
    assert min(fit.expected[5:]) > max(fit.expected[:5]), "weekends are busier than any weekday"
    assert np.abs(np.array(fit.expected) - truth).mean() < 1.5


def test_the_seasonal_naive_baseline_repeats_the_last_week():
    assert seasonal_naive([9, 9, 1, 2, 3, 4, 5, 6, 7], 9).tolist() == [1, 2, 3, 4, 5, 6, 7, 1, 2]


def test_an_area_without_reports_is_forecast_as_zero_with_no_percentage_error():
    fit = forecast(MONDAY, [0] * 56, 7)
    assert fit.expected == [0.0] * 7
    assert (fit.model, fit.baseline) == (Errors(0.0, None), Errors(0.0, None))


def test_a_falling_trend_is_clipped_at_zero_reports():
    falling = [max(0, 30 - day) for day in range(42)]
    fit = forecast(MONDAY, falling, 7)
    assert min(fit.expected) == 0.0 and all(value >= 0 for value in fit.expected)


def test_one_spike_moves_its_weekday_by_its_share_of_the_history_and_the_rest_by_the_trend_it_pulls():
    steady = expected_level(MONDAY, HISTORY_DAYS)
    spiked = steady.copy()
    spike_day = HISTORY_DAYS - 29  # a Saturday four weeks before the end, inside the backtest
    spiked[spike_day] += 200
    shift = fit_pattern(MONDAY, spiked, 7) - fit_pattern(MONDAY, steady, 7)
    saturday = (spike_day - HISTORY_DAYS) % 7
    others = np.delete(shift, saturday)
    assert np.ptp(others) < 0.1 and 0 < others[0] < 200 / 16 / 2, "the other weekdays move by the trend's pull only"
    assert shift[saturday] == pytest.approx(200 / 16 + others[0], abs=0.1), "one Saturday of sixteen"
    model, baseline, _ = backtest(MONDAY, spiked)
    assert np.isfinite([model.mae, baseline.mae]).all() and model.mae > 0


def test_the_backtest_needs_two_weeks_of_training_before_each_origin():
    _, _, tested = backtest(MONDAY, synthetic(MIN_HISTORY_DAYS, seed=3))
    assert tested == 14, "with four weeks, only the last two can be tested"


# ---------- history, storage and the run ----------


class FixedForecaster:
    """Records what it was asked to fit and answers a flat week."""

    def __init__(self) -> None:
        self.calls: list[tuple[date, list[int]]] = []

    def __call__(self, first_day: date, counts, horizon: int) -> Fit:
        self.calls.append((first_day, list(counts)))
        return Fit([float(counts[-1])] * horizon, Errors(1.0, 0.1), Errors(2.0, 0.2), 28)


class MemoryHistory:
    def __init__(self, counts: dict[tuple[str, str], list[int]]) -> None:
        self.counts = counts
        self.reads: list[tuple[str, list[str], date, date]] = []

    def tenants(self) -> list[str]:
        return sorted({tenant for tenant, _ in self.counts})

    def daily_reports(self, tenant: str, area_ids: list[str], start: date, end: date) -> dict[str, list[int]]:
        self.reads.append((tenant, area_ids, start, end))
        days = (end - start).days + 1
        return {area: self.counts.get((tenant, area), [0] * days)[-days:] for area in area_ids}


class MemoryForecasts:
    def __init__(self) -> None:
        self.runs: dict[str, ForecastRun] = {}

    def save(self, run: ForecastRun) -> None:
        self.runs[run.tenant] = run

    def latest(self, tenant: str) -> ForecastRun | None:
        return self.runs.get(tenant)


def zone(zone_id: str) -> ZoneSettings:
    return ZoneSettings(zone_id=zone_id, name=zone_id.title(), min_lat=31, min_lng=74, max_lat=32, max_lng=75)


def test_an_area_with_less_than_four_weeks_since_its_first_report_gets_no_forecast():
    forecaster = FixedForecaster()
    counts = [0] * 90 + [3] * (MIN_HISTORY_DAYS - 1)
    area = forecast_area("port", "Port", MONDAY, counts, TODAY, forecaster)
    assert (area.status, area.history_days, area.expected, area.beats_baseline) == (
        AreaStatus.INSUFFICIENT_HISTORY, MIN_HISTORY_DAYS - 1, [], None,
    )  # fmt: skip
    assert forecaster.calls == []
    enough = forecast_area("port", "Port", MONDAY, [0] * 89 + [3] * MIN_HISTORY_DAYS, TODAY, forecaster)
    assert enough.status is AreaStatus.FORECAST and enough.beats_baseline is True
    assert forecaster.calls == [(MONDAY + timedelta(days=89), [3] * MIN_HISTORY_DAYS)], "fitted from its first report"


def test_a_tenants_zones_are_fitted_on_the_complete_days_before_today_and_stored():
    history = MemoryHistory({("lahore", "port"): [2] * HISTORY_DAYS, ("lahore", "old-town"): [1] * 10})
    store = MemoryForecasts()
    tenants = MemoryTenants(lahore=TenantSettings(zones=[zone("port"), zone("old-town")]))
    run = forecast_tenant("lahore", tenants, history, store, FixedForecaster(), NOW)
    assert history.reads == [
        ("lahore", ["port", "old-town"], TODAY - timedelta(days=HISTORY_DAYS), TODAY - timedelta(1))
    ]
    assert store.latest("lahore") == run and (run.fitted_at, run.first_day) == (NOW, TODAY)
    port, old_town = run.areas
    assert (port.status, port.history_days, port.expected_on(TODAY + timedelta(1))) == (AreaStatus.FORECAST, 112, 2.0)
    assert (old_town.status, old_town.history_days) == (AreaStatus.INSUFFICIENT_HISTORY, 10)


def test_one_tenants_failure_leaves_the_others_forecast_and_is_reported():
    history = MemoryHistory({("lahore", "port"): [2] * HISTORY_DAYS, ("karachi", "port"): [2] * HISTORY_DAYS})
    store = MemoryForecasts()

    class BrokenForKarachi(MemoryTenants):
        def settings(self, tenant: str) -> TenantSettings:
            if tenant == "karachi":
                raise RuntimeError("settings unreadable")
            return TenantSettings(zones=[zone("port")])

    failures: list[str] = []
    summary = forecast_every_tenant(
        [], BrokenForKarachi(), history, store, FixedForecaster(), lambda: NOW, lambda t, e: failures.append(t)
    )
    assert summary.to_dict() == {
        "forecast": {"lahore": 1},
        "insufficient_history": {"lahore": 0},
        "failed": ["karachi"],
    }
    assert failures == ["karachi"] and list(store.runs) == ["lahore"]


# ---------- what admins read ----------


def stored_area(area_id: str, expected: list[float], model_mae: float = 1.0) -> AreaForecast:
    return AreaForecast(
        area_id,
        area_id.title(),
        AreaStatus.FORECAST,
        112,
        TODAY,
        expected,
        Errors(model_mae, 0.1),
        Errors(2.0, 0.2),
        28,
    )


def test_open_reports_are_those_neither_resolved_nor_rejected():
    assert open_reports(counters(reports_created=10, reports_dispatched=4, reports_resolved=3, reports_rejected=2)) == 5


def test_a_merged_duplicate_is_closed_and_a_reopened_resolution_open_again():
    figures = counters(
        reports_created=10, reports_resolved=4, reports_reopened=1, reports_merged=2, reports_confirmed=3
    )
    assert open_reports(figures) == 5
    assert open_reports(counters()) == 0


def test_tomorrows_dispatch_ranks_areas_by_expected_reports_plus_open_backlog():
    areas = [
        AreaOutlook(stored_area("port", [1.0, 6.0]), open_reports=0),
        AreaOutlook(stored_area("market", [1.0, 2.0]), open_reports=5),
        AreaOutlook(stored_area("canal", [1.0, 3.5]), open_reports=3),
        AreaOutlook(AreaForecast("new", "New", AreaStatus.INSUFFICIENT_HISTORY, 5, TODAY), open_reports=4),
        AreaOutlook(stored_area("quiet", [0.0, 0.0]), open_reports=0),
    ]
    order = dispatch_order(areas, TODAY + timedelta(days=1))
    assert [(s.rank, s.area_id, s.expected_reports, s.open_reports, s.score) for s in order] == [
        (1, "market", 2.0, 5, 7.0),
        (2, "canal", 3.5, 3, 6.5),
        (3, "port", 6.0, 0, 6.0),
        (4, "new", None, 4, 4.0),
    ], "an area with nothing expected and nothing open is left out"


def test_before_the_first_fit_the_outlook_is_empty_and_says_so():
    view = outlook(MemoryForecasts(), MemoryAnalytics(), "lahore", TODAY)
    assert (view.status, view.fitted_at, view.areas, view.dispatch) == (ForecastStatus.NOT_FITTED, None, [], [])


def forecast_client(user: str, group: Group, tenant: str, store: MemoryForecasts, analytics: MemoryAnalytics):
    overrides = {forecast_store: store, analytics_repository: analytics}
    return signed_in_client("analytics_api", user, group, overrides, tenant=tenant)


def lahore_forecast() -> tuple[MemoryForecasts, MemoryAnalytics]:
    store, analytics = MemoryForecasts(), MemoryAnalytics()
    first_day = date.today()
    store.save(
        ForecastRun(
            "lahore",
            NOW,
            first_day,
            [
                AreaForecast("port", "Port", AreaStatus.FORECAST, 112, first_day, [4.0, 5.5, 3, 3, 3, 3, 3],
                             Errors(1.2, 0.21), Errors(1.9, 0.33), 28),
                AreaForecast("old-town", "Old Town", AreaStatus.INSUFFICIENT_HISTORY, 12, first_day),
            ],
        )
    )  # fmt: skip
    analytics.zone_counters[("lahore", "old-town")] = counters(reports_created=9, reports_resolved=1)
    analytics.zone_counters[("lahore", "port")] = counters(reports_created=4, reports_rejected=1)
    return store, analytics


def test_an_admin_reads_each_zones_forecast_backtest_and_tomorrows_dispatch():
    store, analytics = lahore_forecast()
    answer = forecast_client("amina", Group.ADMIN, "lahore", store, analytics).get("/analytics/forecast")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert (body["status"], body["tomorrow"]) == ("ready", tomorrow)
    port, old_town = body["areas"]
    assert port["days"][1] == {"day": tomorrow, "expected_reports": 5.5} and len(port["days"]) == 7
    assert (port["model"], port["baseline"]) == ({"mae": 1.2, "mape": 0.21}, {"mae": 1.9, "mape": 0.33})
    assert (port["beats_baseline"], port["open_reports"], port["backtest_days"]) == (True, 3, 28)
    assert (old_town["status"], old_town["days"], old_town["model"], old_town["beats_baseline"]) == (
        "insufficient_history", [], None, None,
    )  # fmt: skip
    assert [(s["rank"], s["area_id"], s["score"]) for s in body["dispatch"]] == [(1, "port", 8.5), (2, "old-town", 8.0)]


@pytest.mark.parametrize("group", [Group.CITIZEN, Group.DRIVER])
def test_only_admins_read_the_forecast(group):
    store, analytics = lahore_forecast()
    answer = forecast_client("alice", group, "lahore", store, analytics).get("/analytics/forecast")
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden")


def test_another_citys_admin_sees_none_of_this_citys_forecast():
    store, analytics = lahore_forecast()
    answer = forecast_client("omar", Group.ADMIN, "karachi", store, analytics).get("/analytics/forecast")
    assert answer.status_code == 200
    assert answer.json() | {"tomorrow": None} == {
        "status": "not_fitted", "fitted_at": None, "tomorrow": None, "areas": [], "dispatch": [],
    }  # fmt: skip


def test_a_city_not_yet_forecast_gets_an_empty_answer_with_its_status_not_an_error():
    answer = forecast_client("amina", Group.ADMIN, "lahore", MemoryForecasts(), MemoryAnalytics()).get(
        "/analytics/forecast"
    )
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["areas"], answer.json()["dispatch"]) == ("not_fitted", [], [])
