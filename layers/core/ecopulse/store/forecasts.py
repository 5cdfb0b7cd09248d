"""Report history for the forecasts and the forecasts themselves, on the application table (docs/data-model.md,
access patterns 32-34).

History is the per-zone daily counters of the aggregates (``StatsItem``, pattern 21), read by key, never scanned. The
tenants that filed a report are listed under ``gsi1pk=REPORTED_TENANTS`` (by the stream's aggregator, with the
counters) for the scheduled function to find without a scan. A tenant's forecasts are one partition,
``pk=TENANT#T#FORECAST``: the run (``sk=RUN``) and one item per area (``sk=AREA#<area id>``), read by one Query.
"""

from datetime import date, datetime, timedelta

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from ecopulse.aggregates import Listing
from ecopulse.forecasts import AreaForecast, AreaStatus, Errors, ForecastRun
from ecopulse.store.models import StatsItem, _Item, tenant_key
from ecopulse.store.stats import listed_tenants

RUN = "RUN"
AREA = "AREA#"


class ForecastItem(_Item):
    """A tenant's forecast run (``sk=RUN``) or one area's forecast in it (``sk=AREA#id``)."""

    fitted_at = UTCDateTimeAttribute()
    first_day = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    history_days = NumberAttribute(null=True)
    expected: ListAttribute[float] = ListAttribute(of=NumberAttribute, null=True)  # type: ignore[arg-type]
    model_mae = NumberAttribute(null=True)
    model_mape = NumberAttribute(null=True)
    baseline_mae = NumberAttribute(null=True)
    baseline_mape = NumberAttribute(null=True)
    backtest_days = NumberAttribute(null=True)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "FORECAST")


def _errors(mae: float | None, mape: float | None) -> Errors | None:
    return None if mae is None else Errors(float(mae), None if mape is None else float(mape))


def _area_of(item: ForecastItem) -> AreaForecast:
    return AreaForecast(
        area_id=item.sk.removeprefix(AREA),
        name=item.name or "",
        status=AreaStatus(item.status),
        history_days=int(item.history_days or 0),
        first_day=date.fromisoformat(item.first_day),
        expected=[float(value) for value in item.expected or []],
        model=_errors(item.model_mae, item.model_mape),
        baseline=_errors(item.baseline_mae, item.baseline_mape),
        backtest_days=int(item.backtest_days or 0),
    )


class ForecastRepository:
    """The ``ReportHistory`` and ``ForecastStore`` ports of ``ecopulse.forecasts``."""

    def tenants(self) -> list[str]:
        return listed_tenants(Listing.REPORTED)

    def daily_reports(self, tenant: str, area_ids: list[str], start: date, end: date) -> dict[str, list[int]]:
        days = [(start + timedelta(days=offset)).isoformat() for offset in range((end - start).days + 1)]
        keys = [StatsItem.keys(tenant, day, area) for area in area_ids for day in days]
        found = {(item.pk, item.sk): int(item.reports_created or 0) for item in StatsItem.batch_get(keys)}
        return {area: [found.get(StatsItem.keys(tenant, day, area), 0) for day in days] for area in area_ids}

    def save(self, run: ForecastRun) -> None:
        """The areas first, then the run that names them: a reader sees a whole run, old or new. Areas left from
        an older run (a zone since removed) are deleted."""
        partition = ForecastItem.partition(run.tenant)
        current = {AREA + area.area_id for area in run.areas}
        stale = [item for item in ForecastItem.query(partition) if item.sk.startswith(AREA) and item.sk not in current]
        with ForecastItem.batch_write() as batch:
            for area in run.areas:
                batch.save(self._area_item(run, area))
        first_day = run.first_day.isoformat()
        ForecastItem(partition, RUN, tenant=run.tenant, fitted_at=run.fitted_at, first_day=first_day).save()
        with ForecastItem.batch_write() as batch:
            for item in stale:
                batch.delete(item)

    @staticmethod
    def _area_item(run: ForecastRun, area: AreaForecast) -> ForecastItem:
        return ForecastItem(
            ForecastItem.partition(run.tenant),
            AREA + area.area_id,
            tenant=run.tenant,
            fitted_at=run.fitted_at,
            first_day=area.first_day.isoformat(),
            name=area.name,
            status=area.status.value,
            history_days=area.history_days,
            expected=list(area.expected),
            model_mae=area.model.mae if area.model else None,
            model_mape=area.model.mape if area.model else None,
            baseline_mae=area.baseline.mae if area.baseline else None,
            baseline_mape=area.baseline.mape if area.baseline else None,
            backtest_days=area.backtest_days,
        )

    def latest(self, tenant: str) -> ForecastRun | None:
        items = list(ForecastItem.query(ForecastItem.partition(tenant)))
        run = next((item for item in items if item.sk == RUN), None)
        if run is None:
            return None
        fitted: datetime = run.fitted_at
        areas = [_area_of(item) for item in items if item.sk.startswith(AREA) and item.fitted_at == fitted]
        return ForecastRun(tenant, fitted, date.fromisoformat(run.first_day), areas)
