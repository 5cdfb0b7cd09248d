"""Hotspot forecasts on synthetic history: the time to fit one tenant (every zone's model and its 4-week rolling
backtest) for N zones × D days of history, and the backtest errors of the model and of the seasonal-naive
baseline, averaged over zones.

Run: .venv/bin/python bench/forecast.py [--repeats N]

Each zone gets its own weekly pattern (a random busy day scale around a base level), a linear trend and Poisson
noise, seeded; "busy" zones average about 10 reports a day, "quiet" ones about 1 (many days without reports). The
fit runs ``ecopulse.forecasts.forecast_tenant`` with in-memory ports, so the time is the scheduled function's work
per tenant without DynamoDB.
"""

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from stats import Rows, print_table, shown, spread  # noqa: E402

from ecopulse.forecasts import HISTORY_DAYS, AreaStatus, ForecastRun, forecast_tenant  # noqa: E402
from ecopulse.seasonal import forecast  # noqa: E402
from ecopulse.tenants import TenantSettings, ZoneSettings  # noqa: E402

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
SIZES = [(10, 28), (10, 56), (10, 112), (200, 56), (200, 112)]  # a city has at most 200 zones
LEVELS = {"busy": 10.0, "quiet": 1.0}


def synthetic_zones(zones: int, days: int, level: float, seed: int) -> dict[str, list[int]]:
    """Per zone, ``days`` of counts ending yesterday: weekday shape × level, plus up to +50% trend, with noise."""
    rng = np.random.default_rng(seed)
    first = NOW.date() - timedelta(days=days)
    weekdays = (first.weekday() + np.arange(days)) % 7
    history = {}
    for index in range(zones):
        shape = rng.uniform(0.5, 1.5, 7)
        trend = 1 + rng.uniform(-0.3, 0.5) * np.arange(days) / days
        history[f"zone-{index}"] = rng.poisson(level * shape[weekdays] * trend).tolist()
    return history


class History:
    def __init__(self, counts: dict[str, list[int]]) -> None:
        self.counts = counts

    def tenants(self) -> list[str]:
        return ["bench"]

    def daily_reports(self, tenant: str, area_ids: list[str], start: date, end: date) -> dict[str, list[int]]:
        days = (end - start).days + 1
        return {area: ([0] * days + self.counts[area])[-days:] for area in area_ids}


class Settings:
    def __init__(self, zone_ids: list[str]) -> None:
        zones = [ZoneSettings(zone_id=z, name=z, min_lat=0, min_lng=0, max_lat=1, max_lng=1) for z in zone_ids]
        self.value = TenantSettings(zones=zones)

    def settings(self, tenant: str) -> TenantSettings:
        return self.value

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings:
        return settings


class Kept:
    def __init__(self) -> None:
        self.run: ForecastRun | None = None

    def save(self, run: ForecastRun) -> None:
        self.run = run

    def latest(self, tenant: str) -> ForecastRun | None:
        return self.run


def fit_tenant(counts: dict[str, list[int]]) -> ForecastRun:
    store = Kept()
    return forecast_tenant("bench", Settings(list(counts)), History(counts), store, forecast, NOW)


def timing(repeats: int) -> Rows:
    rows: Rows = {}
    for zones, days in SIZES:
        counts = synthetic_zones(zones, days, LEVELS["busy"], seed=zones + days)
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            fit_tenant(counts)
            samples.append((time.perf_counter() - started) * 1000)
        name = f"fit one tenant: {zones} zones x {days} days"
        rows[f"{name} (ms)"] = spread(samples)
        rows[f"{name}, per zone (ms)"] = {"p50": statistics.median(samples) / zones}
    return rows


def accuracy(zones: int = 200) -> Rows:
    rows: Rows = {}
    for name, level in LEVELS.items():
        run = fit_tenant(synthetic_zones(zones, HISTORY_DAYS, level, seed=7))
        fitted = [area for area in run.areas if area.status is AreaStatus.FORECAST and area.model and area.baseline]
        model_mae = statistics.mean(area.model.mae for area in fitted if area.model)
        baseline_mae = statistics.mean(area.baseline.mae for area in fitted if area.baseline)
        model_mape = statistics.mean(area.model.mape or 0 for area in fitted if area.model)
        baseline_mape = statistics.mean(area.baseline.mape or 0 for area in fitted if area.baseline)
        beats = sum(bool(area.beats_baseline) for area in fitted) / len(fitted) * 100
        label = f"backtest, {zones} {name} zones (~{level:g} reports/day), {HISTORY_DAYS} days"
        rows[f"{label}: MAE (reports/day)"] = {"model": model_mae, "baseline": baseline_mae}
        rows[f"{label}: weighted MAPE (%)"] = {"model": model_mape * 100, "baseline": baseline_mape * 100}
        rows[f"{label}: zones where the model beats the baseline (%)"] = {"model": beats}
    return rows


def markdown(times: Rows, errors: Rows) -> list[str]:
    lines = ["| measure | p50 | p95 |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {shown(v['p50'])} | {shown(v['p95']) if 'p95' in v else ''} |" for name, v in times.items()]
    lines += ["", "| measure | model | baseline |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {shown(v['model'])} | {shown(v['baseline']) if 'baseline' in v else ''} |"
              for name, v in errors.items()]  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    times, errors = timing(args.repeats), accuracy()
    print_table(times, ("p50", "p95", "max"))
    print()
    print_table(errors, ("model", "baseline"))
    print()
    print("\n".join(markdown(times, errors)))


if __name__ == "__main__":
    main()
