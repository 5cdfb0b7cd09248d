"""A city's figures and its verifier's standing in process: in-memory ports stand in for the aggregates, the
label tally and the head store, injected into the routes through FastAPI's dependency overrides."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecopulse.analytics import (
    MAX_DAYS,
    Counters,
    DailyPoint,
    HeatCell,
    InvalidRange,
    daily_range,
    summarise,
    zone_breakdown,
)
from ecopulse.api.auth import Group
from ecopulse.api.dependencies import analytics_repository, label_tally, promotion_record, tenant_repository
from ecopulse.store.analytics import COUNTERS
from ecopulse.tenants import TenantSettings, ZoneSettings
from ecopulse.verification.reviews import PromotedHead, verifier_standing
from tests.unit.function_apps import signed_in_client

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def counters(**values: float) -> Counters:
    return {name: float(values.get(name, 0)) for name in COUNTERS}


class MemoryAnalytics:
    """The ``Analytics`` port over per-tenant counters, days and cells held in memory."""

    def __init__(self) -> None:
        self.total: dict[str, Counters] = {}
        self.days: dict[tuple[str, date], Counters] = {}
        self.zone_counters: dict[tuple[str, str], Counters] = {}
        self.cells: dict[str, list[HeatCell]] = {}
        self.daily_reads: list[tuple[date, date]] = []

    def totals(self, tenant: str) -> Counters:
        return self.total.get(tenant, counters())

    def daily(self, tenant: str, start: date, end: date) -> list[DailyPoint]:
        self.daily_reads.append((start, end))
        span = range((end - start).days + 1)
        return [
            DailyPoint(day, self.days.get((tenant, day), counters())) for day in (start + timedelta(n) for n in span)
        ]

    def zones(self, tenant: str, zone_ids: list[str]) -> dict[str, Counters]:
        return {zone: self.zone_counters.get((tenant, zone), counters()) for zone in zone_ids}

    def heat_cells(self, tenant: str, prefix: str | None, limit: int) -> list[HeatCell]:
        return [cell for cell in self.cells.get(tenant, []) if cell.geohash.startswith(prefix or "")][:limit]


class MemoryTenants:
    def __init__(self, **settings: TenantSettings) -> None:
        self.saved = dict(settings)

    def settings(self, tenant: str) -> TenantSettings:
        return self.saved.get(tenant, TenantSettings(display_name=tenant))

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings:
        self.saved[tenant] = settings
        return settings


class Labels:
    def __init__(self, approved: int, rejected: int) -> None:
        self.counts = (approved, rejected)

    def tally(self, tenant: str) -> tuple[int, int]:
        return self.counts if tenant == "lahore" else (0, 0)


def promotion(version: str, threshold: float) -> PromotedHead:
    return PromotedHead(version, NOW, NOW, threshold, 120, "beat the rules", {"false_approval": 0.01})


class Promotions:
    def __init__(self, *newest_first: PromotedHead) -> None:
        self.records = list(newest_first)

    def current_record(self, tenant: str) -> PromotedHead | None:
        return self.records[0] if self.records and tenant == "lahore" else None

    def history(self, tenant: str) -> list[PromotedHead]:
        return self.records if tenant == "lahore" else []


def test_a_summary_gives_each_rate_of_the_totals():
    analytics = MemoryAnalytics()
    analytics.total["lahore"] = counters(
        decided_by_model=30, decided_by_admin=10, submissions_approved=27, submissions_rejected=9,
        review_seconds=3600, reports_created=8, reports_resolved=2,
    )  # fmt: skip
    summary = summarise(analytics, "lahore")
    assert (summary.ai_decision_rate, summary.approval_rate) == (0.75, 0.75)
    assert (summary.mean_review_seconds, summary.resolution_rate) == (360.0, 0.25)


def test_a_city_with_nothing_counted_has_no_rates_rather_than_zero_rates():
    summary = summarise(MemoryAnalytics(), "karachi")
    assert [summary.ai_decision_rate, summary.approval_rate, summary.mean_review_seconds] == [None, None, None]
    assert summary.resolution_rate is None and set(summary.counters.values()) == {0.0}


def test_the_daily_range_defaults_to_the_thirty_days_up_to_its_end():
    analytics = MemoryAnalytics()
    points = daily_range(analytics, "lahore", None, date(2026, 12, 6))
    assert (points[0].day, points[-1].day, len(points)) == (date(2026, 11, 7), date(2026, 12, 6), 30)
    assert len(daily_range(analytics, "lahore", None, date(1, 1, 3))) == 3


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2026, 12, 7), date(2026, 12, 6)), (date(2026, 12, 6) - timedelta(days=MAX_DAYS), date(2026, 12, 6))],
    ids=["ends before it starts", "longer than a year"],
)
def test_a_daily_range_out_of_order_or_too_long_is_refused_before_any_read(start, end):
    analytics = MemoryAnalytics()
    with pytest.raises(InvalidRange):
        daily_range(analytics, "lahore", start, end)
    assert analytics.daily_reads == []
    longest = daily_range(analytics, "lahore", end - timedelta(days=MAX_DAYS - 1), end)
    assert len(longest) == MAX_DAYS


def test_zones_come_in_the_citys_order_with_their_own_counters_only():
    analytics = MemoryAnalytics()
    analytics.zone_counters[("lahore", "old-town")] = counters(reports_created=4)
    analytics.zone_counters[("karachi", "old-town")] = counters(reports_created=99)
    zones = [
        ZoneSettings(zone_id=z, name=z.title(), min_lat=31, min_lng=74, max_lat=32, max_lng=75)
        for z in ("port", "old-town")
    ]
    tenants = MemoryTenants(lahore=TenantSettings(zones=zones))
    breakdown = zone_breakdown(analytics, tenants, "lahore")
    assert [(zone.zone_id, zone.counters["reports_created"]) for zone in breakdown] == [("port", 0), ("old-town", 4)]


def test_a_verifiers_standing_names_the_head_in_force_and_every_promotion():
    newest, older = promotion("v2", 0.93), promotion("v1", 1.5)
    standing = verifier_standing(Labels(40, 12), Promotions(newest, older), 0.02, "lahore")
    assert (standing.current, standing.history) == (newest, [newest, older])
    assert (standing.approved_labels, standing.rejected_labels, standing.target_false_approval) == (40, 12, 0.02)
    assert verifier_standing(Labels(40, 12), Promotions(newest), 0.02, "karachi").current is None


def clients(overrides: dict) -> tuple[TestClient, TestClient]:
    """The admin and analytics apps as an admin of lahore, with the ports in ``overrides`` replaced."""
    admin = signed_in_client("admin_api", "amina", Group.ADMIN, overrides)
    return admin, signed_in_client("analytics_api", "amina", Group.ADMIN, overrides)


def test_the_routes_answer_the_figures_and_refuse_a_range_out_of_order():
    analytics = MemoryAnalytics()
    analytics.total["lahore"] = counters(submissions_approved=3, submissions_rejected=1)
    analytics.cells["lahore"] = [HeatCell("ttsg3", 5), HeatCell("tw123", 1)]
    _, routes = clients({analytics_repository: analytics, tenant_repository: MemoryTenants()})
    summary = routes.get("/analytics/summary")
    assert (summary.status_code, summary.json()["approval_rate"]) == (200, 0.75)
    assert routes.get("/analytics/heatmap", params={"prefix": "tts"}).json() == [{"geohash": "ttsg3", "reports": 5}]
    refused = routes.get("/analytics/daily", params={"from": "2026-12-07", "to": "2026-12-06"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_range")
    assert analytics.daily_reads == []
    days = routes.get("/analytics/daily", params={"from": "2026-12-05", "to": "2026-12-06"}).json()
    assert [point["day"] for point in days] == ["2026-12-05", "2026-12-06"]


def test_the_verifier_route_shows_what_the_city_has_learned():
    overrides = {
        label_tally: Labels(40, 12),
        promotion_record: Promotions(promotion("v2", 0.93), promotion("v1", 1.5)),
        tenant_repository: MemoryTenants(lahore=TenantSettings(verifier_false_approval_target=0.02)),
    }
    routes, _ = clients(overrides)
    status = routes.get("/admin/verifier").json()
    assert status["labels"] == {"total": 52, "approved": 40, "rejected": 12}
    assert (status["current"]["version"], status["current"]["automates"]) == ("v2", True)
    assert [(record["version"], record["automates"]) for record in status["history"]] == [("v2", True), ("v1", False)]
    assert status["target_false_approval"] == 0.02
