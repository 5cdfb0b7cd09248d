"""The forecast adapter against moto and DynamoDB Local: the history it reads is the per-zone daily counters that
filing a report adds to (through the table's stream), the tenants it finds are those that filed one, and a stored
run reads back whole, without
the areas an older run had."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from ecopulse.forecasts import AreaForecast, AreaStatus, Errors, ForecastRun
from ecopulse.reports import file_report
from ecopulse.store.forecasts import ForecastRepository
from ecopulse.store.reports import ReportRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.tenants import TenantSettings, ZoneSettings
from tests.aggregation import aggregate_stream

PORT = ZoneSettings(zone_id="port", name="Port", min_lat=31.50, min_lng=74.30, max_lat=31.52, max_lng=74.32)
MARKET = ZoneSettings(zone_id="market", name="Market", min_lat=31.55, min_lng=74.30, max_lat=31.57, max_lng=74.32)
FITTED = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)


@pytest.fixture
def tenant(app_table) -> str:
    name = f"forecast-{uuid.uuid4().hex[:6]}"
    TenantRepository().save(name, TenantSettings(zones=[PORT, MARKET]))
    return name


def test_filed_reports_are_the_history_and_name_their_tenant(tenant, dynamodb_endpoint, app_table):
    reports, tenants, forecasts = ReportRepository(), TenantRepository(), ForecastRepository()
    for lat in (31.51, 31.51, 31.56):
        file_report(reports, tenants, tenant, "alice", "plastic", lat, 74.31)
    assert tenant not in forecasts.tenants(), "a report writes only its own items"
    aggregate_stream(dynamodb_endpoint, app_table)
    today = datetime.now(UTC).date()
    counts = forecasts.daily_reports(tenant, ["port", "market", "elsewhere"], today - timedelta(days=2), today)
    assert counts == {"port": [0, 0, 2], "market": [0, 0, 1], "elsewhere": [0, 0, 0]}
    assert tenant in forecasts.tenants()


def area(area_id: str, expected: list[float]) -> AreaForecast:
    return AreaForecast(
        area_id, area_id.title(), AreaStatus.FORECAST, 112, date(2026, 12, 7), expected, Errors(1.25, 0.2),
        Errors(2.5, None), 28,
    )  # fmt: skip


def test_a_stored_run_reads_back_whole_and_replaces_the_areas_of_the_last(tenant):
    forecasts = ForecastRepository()
    assert forecasts.latest(tenant) is None
    first = ForecastRun(tenant, FITTED, date(2026, 12, 7), [area("port", [1.5, 2.25]), area("canal", [0.0, 0.5])])
    forecasts.save(first)
    read = forecasts.latest(tenant)
    assert read is not None and (read.fitted_at, read.first_day) == (FITTED, date(2026, 12, 7))
    assert read.areas == sorted(first.areas, key=lambda a: a.area_id), "areas come in the order of their ids"
    short = AreaForecast("market", "Market", AreaStatus.INSUFFICIENT_HISTORY, 12, date(2026, 12, 8))
    second = ForecastRun(tenant, FITTED + timedelta(days=1), date(2026, 12, 8), [area("port", [3.0]), short])
    forecasts.save(second)
    read = forecasts.latest(tenant)
    assert read is not None and read.fitted_at == second.fitted_at
    assert read.areas == [short, area("port", [3.0])], "canal's forecast is gone"
    assert forecasts.latest(f"other-{tenant}") is None
