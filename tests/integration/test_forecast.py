"""Through the running system: sixteen weeks of a zone's daily report counters in its table, reports filed today,
the scheduled forecast function invoked as the schedule does, and an admin reading GET /analytics/forecast."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pytest

from ecopulse.store import models
from ecopulse.store.models import StatsItem
from tests.support import wait_until

# Reports per weekday, Monday first, with a slow rise: what the model should find and the baseline only echoes.
PATTERN = np.array([8.0, 6.0, 5.0, 5.0, 7.0, 12.0, 14.0])
WEEKS = 16
PORT = {"zone_id": "port", "name": "Port", "min_lat": 31.50, "min_lng": 74.30, "max_lat": 31.52, "max_lng": 74.32}
MARKET = {"zone_id": "market", "name": "Market", "min_lat": 31.55, "min_lng": 74.30, "max_lat": 31.57, "max_lng": 74.32}


@pytest.fixture
def running_table(local_system, monkeypatch):
    """The stats items pointed at the running system's table."""
    for model in (models._Item, StatsItem):
        monkeypatch.setattr(model.Meta, "table_name", local_system.output("TableName"))
        monkeypatch.setattr(model.Meta, "host", local_system.dynamodb, raising=False)
        monkeypatch.setattr(model.Meta, "aws_access_key_id", "local", raising=False)
        monkeypatch.setattr(model.Meta, "aws_secret_access_key", "local", raising=False)
        monkeypatch.setattr(model, "_connection", None)


def seed_history(tenant: str, zone: str, days: int, seed: int) -> None:
    """The per-zone daily counters report creation keeps, for the ``days`` before today, each with a report."""
    today = datetime.now(UTC).date()
    rng = np.random.default_rng(seed)
    with StatsItem.batch_write() as batch:
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            level = PATTERN[day.weekday()] + 0.05 * (days - back)
            pk, sk = StatsItem.keys(tenant, day.isoformat(), zone)
            batch.save(StatsItem(pk, sk, tenant=tenant, reports_created=max(1, int(rng.poisson(level)))))


def file_report(local_system, tenant: str, zone: dict) -> None:
    citizen = local_system.bearer(f"citizen-{uuid.uuid4().hex[:6]}", "citizen", tenant)
    body = {"waste_type": "plastic", "lat": zone["min_lat"] + 0.01, "lng": zone["min_lng"] + 0.01}
    created = httpx.post(local_system.api + "/reports", json=body, headers=citizen, timeout=30)
    assert created.status_code == 201, created.text
    assert created.json()["zone"] == zone["zone_id"]


def counted_today(tenant: str, zone: str) -> int:
    """Today's reports in ``zone`` as the aggregator has counted them so far."""
    try:
        item = StatsItem.get(*StatsItem.keys(tenant, datetime.now(UTC).date().isoformat(), zone), consistent_read=True)
    except StatsItem.DoesNotExist:
        return 0
    return int(item.reports_created or 0)


def run_forecasts(local_system) -> dict:
    """The forecast function invoked with the schedule's event, which names no tenant."""
    functions = local_system.client("lambda")
    forecaster = next(
        f["FunctionName"]
        for f in functions.list_functions()["Functions"]
        if f["FunctionName"].endswith("-ForecastFunction")
    )
    answer = functions.invoke(FunctionName=forecaster, Payload=json.dumps({"detail-type": "Scheduled Event"}))
    assert "FunctionError" not in answer, answer["Payload"].read()
    summary: dict = json.loads(answer["Payload"].read())
    return summary


def test_the_daily_forecast_beats_the_seasonal_baseline_and_suggests_tomorrows_dispatch(local_system, running_table):
    tenant = f"forecast-{uuid.uuid4().hex[:6]}"
    admin = local_system.bearer("amina", "admin", tenant)
    settings = httpx.get(local_system.api + "/admin/settings", headers=admin).json()
    saved = httpx.put(local_system.api + "/admin/settings", json={**settings, "zones": [PORT, MARKET]}, headers=admin)
    assert saved.status_code == 200, saved.text

    before = httpx.get(local_system.api + "/analytics/forecast", headers=admin)
    assert before.status_code == 200, before.text
    assert (before.json()["status"], before.json()["areas"], before.json()["dispatch"]) == ("not_fitted", [], [])

    seed_history(tenant, "port", WEEKS * 7, seed=5)
    seed_history(tenant, "market", 10, seed=6)
    for zone in (PORT, PORT, MARKET):
        file_report(local_system, tenant, zone)
    # The stream's aggregator counts them (and lists the city) within its batching window.
    wait_until(lambda: (counted_today(tenant, "port"), counted_today(tenant, "market")) == (2, 1))

    summary = run_forecasts(local_system)
    assert summary["forecast"][tenant] == 1 and summary["insufficient_history"][tenant] == 1, summary
    assert summary["failed"] == []

    answer = httpx.get(local_system.api + "/analytics/forecast", headers=admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ready"
    areas = {area["area_id"]: area for area in body["areas"]}
    port, market = areas["port"], areas["market"]
    assert port["status"] == "forecast" and port["history_days"] == WEEKS * 7 and port["backtest_days"] == 28
    assert port["beats_baseline"] and port["model"]["mae"] < port["baseline"]["mae"], port
    expected = [day["expected_reports"] for day in port["days"]]
    weekdays = [datetime.fromisoformat(day["day"]).weekday() for day in port["days"]]
    assert len(expected) == 7 and all(value >= 0 for value in expected)
    busiest = weekdays[int(np.argmax(expected))]
    assert busiest in (5, 6), "the weekend pattern was found"
    assert (market["status"], market["history_days"], market["days"]) == ("insufficient_history", 10, [])
    assert (port["open_reports"], market["open_reports"]) == (2, 1)

    tomorrow = next(day["expected_reports"] for day in port["days"] if day["day"] == body["tomorrow"])
    assert [(s["rank"], s["area_id"]) for s in body["dispatch"]] == [(1, "port"), (2, "market")]
    assert body["dispatch"][0]["score"] == pytest.approx(tomorrow + 2, abs=0.01)

    citizen = local_system.bearer("alice", "citizen", tenant)
    refused = httpx.get(local_system.api + "/analytics/forecast", headers=citizen)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    other_admin = local_system.bearer("omar", "admin", f"elsewhere-{uuid.uuid4().hex[:6]}")
    elsewhere = httpx.get(local_system.api + "/analytics/forecast", headers=other_admin)
    assert elsewhere.status_code == 200 and elsewhere.json()["status"] == "not_fitted"
    assert elsewhere.json()["areas"] == [] and tenant not in elsewhere.text
