"""Litter reports' rules and routes in process: in-memory ``Reports``, ``Tenants`` and ``Fleet`` stand in for
DynamoDB, injected into the report, admin, me and Open311 routes through FastAPI's dependency overrides."""

import importlib.util
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecopulse import geo
from ecopulse.api.auth import Caller, Group, current_caller
from ecopulse.api.dependencies import (
    fleet_repository,
    report_photo_board,
    report_photo_links,
    report_repository,
    tenant_repository,
    user_repository,
    versioned_settings,
)
from ecopulse.fleet import NewVehicle, VehicleBusy
from ecopulse.paging import Page
from ecopulse.reports import (
    AlreadyVoted,
    HistoryEntry,
    InvalidReportTransition,
    NewReport,
    OwnReportVote,
    Report,
    ReportNotFound,
    ReportStatus,
    cast_vote,
    change_status,
    dispatch_vehicle,
    file_report,
    transition_between,
)
from ecopulse.store.transactions import ConcurrentChange
from ecopulse.tenants import TenantSettings, ZoneSettings, hash_api_key
from ecopulse.uploads import ForeignPhoto
from tests.unit.report_photo_fakes import FakeLinks, MemoryBoard
from tests.unit.test_fleet import MemoryFleet
from tests.unit.user_fakes import MemoryUsers

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
CANAL = (31.52, 74.36)
ALICES_PHOTO = "uploads/lahore/alice/0123abcd-0000/report.jpg"
OLD_TOWN = ZoneSettings(zone_id="old-town", name="Old Town", min_lat=31.5, min_lng=74.3, max_lat=31.6, max_lng=74.4)


class MemoryReports:
    """The ``Reports`` port in memory, per tenant: the reports, who voted on which, and each report's trail.
    A change from a copy read before another change is refused, as the adapter's version condition does."""

    def __init__(self) -> None:
        self.reports: dict[tuple[str, str], Report] = {}
        self.voters: set[tuple[str, str, str]] = set()
        self.trails: dict[tuple[str, str], list[HistoryEntry]] = {}
        self.sources: dict[tuple[str, str], str] = {}
        self.ticks = 0

    def _now(self) -> datetime:
        """A minute after the last write: each report, change and ``tick`` (a comment, say) takes one."""
        return START + timedelta(minutes=len(self.reports) + sum(map(len, self.trails.values())) + self.ticks)

    def tick(self) -> datetime:
        """The time of a write the fake does not keep (a comment), and a minute on."""
        now = self._now()
        self.ticks += 1
        return now

    def create(self, tenant: str, new: NewReport) -> Report:
        now = self._now()
        report = Report(
            new.report_id, new.reporter_id, new.waste_type, ReportStatus.SUBMITTED, new.lat, new.lng,
            geo.geohash(new.lat, new.lng, geo.HEAT_PRECISION), new.zone, new.description, new.address,
            new.photo_keys, new.priority, None, None, 0, 0, None, now, now, 1,
        )  # fmt: skip
        self.reports[(tenant, new.report_id)] = report
        self.sources[(tenant, new.report_id)] = new.source
        self.trails[(tenant, new.report_id)] = [HistoryEntry(now, new.reporter_id, "created", None, "submitted", None)]
        return report

    def get(self, tenant: str, report_id: str) -> Report:
        try:
            return self.reports[(tenant, report_id)]
        except KeyError as error:
            raise ReportNotFound(report_id) from error

    def get_many(self, tenant: str, report_ids: Sequence[str]) -> list[Report]:
        wanted = dict.fromkeys(report_ids)
        return [self.reports[(tenant, report_id)] for report_id in wanted if (tenant, report_id) in self.reports]

    def _of(self, tenant: str) -> list[Report]:
        owned = [report for (owner, _), report in self.reports.items() if owner == tenant]
        return sorted(owned, key=lambda report: report.created_at, reverse=True)

    def list_by_status(self, tenant: str, status: ReportStatus, limit: int, cursor: str | None) -> Page[Report]:
        return Page([report for report in self._of(tenant) if report.status == status][:limit], None)

    def created_between(
        self, tenant: str, statuses: Collection[ReportStatus], start: datetime, end: datetime, limit: int
    ) -> list[Report]:
        in_window = [report for report in self._of(tenant) if start <= report.created_at <= end]
        found = [report for status in statuses for report in [r for r in in_window if r.status == status][:limit]]
        return sorted(found, key=lambda report: report.created_at, reverse=True)

    def list_by_reporter(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[Report]:
        return Page([report for report in self._of(tenant) if report.reporter_id == user_id][:limit], None)

    def nearby(self, tenant: str, lat: float, lng: float, radius_m: float, limit: int) -> list[tuple[Report, float]]:
        measured = [(report, geo.distance_m(lat, lng, report.lat, report.lng)) for report in self._of(tenant)]
        return sorted([pair for pair in measured if pair[1] <= radius_m], key=lambda pair: pair[1])[:limit]

    def vote(self, tenant: str, report: Report, voter_id: str, agrees: bool) -> Report:
        stored = self.get(tenant, report.report_id)
        if (tenant, report.report_id, voter_id) in self.voters:
            raise AlreadyVoted(report.report_id)
        self.voters.add((tenant, report.report_id, voter_id))
        counted = replace(stored, votes_up=stored.votes_up + agrees, votes_down=stored.votes_down + (not agrees))
        self.reports[(tenant, report.report_id)] = counted
        return counted

    def change_status(
        self, tenant: str, report: Report, target: ReportStatus, actor: str, reason: str | None
    ) -> Report:
        action = transition_between(report.status, target).action
        return self._move(tenant, report, target, actor, action, reason, report.vehicle_id)

    def dispatched(self, tenant: str, report: Report, vehicle_id: str, actor: str, note: str | None) -> None:
        """The report's side of ``Fleet.dispatch``."""
        self._move(tenant, report, ReportStatus.DISPATCHED, actor, "dispatched", note, vehicle_id)

    def _move(
        self,
        tenant: str,
        report: Report,
        target: ReportStatus,
        actor: str,
        action: str,
        reason: str | None,
        vehicle_id: str | None,
    ) -> Report:
        stored = self.get(tenant, report.report_id)
        if stored.version != report.version or stored.status != report.status:
            raise ConcurrentChange(report.report_id)
        now = self._now()
        resolved_at = now if target is ReportStatus.RESOLVED else stored.resolved_at
        moved = replace(
            stored, status=target, vehicle_id=vehicle_id, updated_at=now, version=stored.version + 1,
            resolved_at=resolved_at,
        )  # fmt: skip
        self.reports[(tenant, report.report_id)] = moved
        self.trails[(tenant, report.report_id)].append(HistoryEntry(now, actor, action, stored.status, target, reason))
        return moved

    def history(self, tenant: str, report_id: str) -> list[HistoryEntry]:
        try:
            return self.trails[(tenant, report_id)]
        except KeyError as error:
            raise ReportNotFound(report_id) from error

    def set_text_hidden(self, tenant: str, report: Report, hidden: bool, actor: str, reason: str) -> Report:
        stored = self.get(tenant, report.report_id)
        if stored.version != report.version:
            raise ConcurrentChange(report.report_id)
        now = self._now()
        changed = replace(stored, text_hidden=hidden, updated_at=now, version=stored.version + 1)
        self.reports[(tenant, report.report_id)] = changed
        action = "text_hidden" if hidden else "text_shown"
        self.trails[(tenant, report.report_id)].append(HistoryEntry(now, actor, action, None, None, reason))
        return changed


class MemoryTenants:
    """The ``Tenants`` port in memory: a city that saved nothing has the defaults."""

    def __init__(self) -> None:
        self.saved: dict[str, TenantSettings] = {}

    def settings(self, tenant: str) -> TenantSettings:
        return self.saved.get(tenant, TenantSettings(display_name=tenant))

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings:
        self.saved[tenant] = settings
        return settings

    def current(self, tenant: str) -> tuple[TenantSettings, int]:
        """As ``VersionedSettings``: version 0 is a city never set up."""
        return self.settings(tenant), int(tenant in self.saved)


@pytest.fixture
def reports() -> MemoryReports:
    return MemoryReports()


@pytest.fixture
def tenants() -> MemoryTenants:
    tenants = MemoryTenants()
    tenants.save("lahore", TenantSettings(zones=[OLD_TOWN]))
    return tenants


@pytest.fixture
def fleet(reports: MemoryReports) -> MemoryFleet:
    fleet = MemoryFleet(reports.dispatched)
    for vehicle_id in ("truck-7", "van-2"):
        fleet.add("lahore", NewVehicle(vehicle_id, vehicle_id.title()))
    return fleet


def filed(reports: MemoryReports, tenants: MemoryTenants, reporter: str = "alice", tenant: str = "lahore") -> Report:
    return file_report(reports, tenants, tenant, reporter, "plastic", *CANAL)


# --- the rules -------------------------------------------------------------------------------------------------


def test_a_report_is_filed_in_the_zone_of_the_citys_settings_with_its_reporters_photos(reports, tenants):
    report = file_report(
        reports, tenants, "lahore", "alice", "plastic", *CANAL, description="bags", photo_keys=[ALICES_PHOTO]
    )
    assert (report.status, report.zone, report.photo_keys, report.reporter_id) == (
        ReportStatus.SUBMITTED, "old-town", (ALICES_PHOTO,), "alice",
    )  # fmt: skip
    assert reports.get("lahore", report.report_id) == report
    assert file_report(reports, tenants, "lahore", "alice", "glass", 31.4, 74.3).zone is None


def test_the_zone_comes_from_the_filing_citys_own_settings(reports, tenants):
    assert filed(reports, tenants, tenant="karachi").zone is None


def test_a_report_showing_another_citizens_photo_is_not_filed(reports, tenants):
    with pytest.raises(ForeignPhoto):
        file_report(reports, tenants, "lahore", "bob", "plastic", *CANAL, photo_keys=[ALICES_PHOTO])
    assert reports.reports == {}


def test_others_vote_once_each_and_a_reporter_not_at_all(reports, tenants):
    report = filed(reports, tenants)
    with pytest.raises(OwnReportVote):
        cast_vote(reports, "lahore", report.report_id, "alice", agrees=True)
    assert cast_vote(reports, "lahore", report.report_id, "bob", agrees=True).votes_up == 1
    with pytest.raises(AlreadyVoted):
        cast_vote(reports, "lahore", report.report_id, "bob", agrees=False)
    counted = cast_vote(reports, "lahore", report.report_id, "carol", agrees=False)
    assert (counted.votes_up, counted.votes_down) == (1, 1)


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([ReportStatus.VERIFIED, ReportStatus.RESOLVED], None),
        ([ReportStatus.REJECTED], None),
        ([ReportStatus.RESOLVED], ReportStatus.REJECTED),
        ([ReportStatus.VERIFIED], ReportStatus.VERIFIED),
        ([ReportStatus.REJECTED], ReportStatus.VERIFIED),
    ],
    ids=["verified then resolved", "rejected", "resolved is final", "verified once", "rejected is final"],
)
def test_a_report_moves_only_along_its_lifecycle(reports, tenants, fleet, path, refused):
    report_id = filed(reports, tenants).report_id
    for target in path:
        assert change_status(reports, fleet, "lahore", report_id, target, "amina", "why").status == target
    if refused:
        before = reports.get("lahore", report_id)
        with pytest.raises(InvalidReportTransition):
            change_status(reports, fleet, "lahore", report_id, refused, "amina", "why")
        assert reports.get("lahore", report_id) == before


def test_a_dispatch_sends_an_available_vehicle_and_a_busy_one_nowhere(reports, tenants, fleet):
    first, second = filed(reports, tenants), filed(reports, tenants)
    dispatched = dispatch_vehicle(reports, fleet, "lahore", first.report_id, "truck-7", "amina", "canal side")
    assert (dispatched.status, dispatched.vehicle_id) == (ReportStatus.DISPATCHED, "truck-7")
    assert (fleet.get("lahore", "truck-7").status, fleet.get("lahore", "truck-7").report_id) == (
        "assigned", first.report_id,
    )  # fmt: skip
    with pytest.raises(VehicleBusy):
        dispatch_vehicle(reports, fleet, "lahore", second.report_id, "truck-7", "amina", None)
    assert reports.get("lahore", second.report_id).status == ReportStatus.SUBMITTED
    assert [entry.action for entry in reports.history("lahore", first.report_id)] == ["created", "dispatched"]


def test_a_closed_report_is_not_dispatched(reports, tenants, fleet):
    report = filed(reports, tenants)
    change_status(reports, fleet, "lahore", report.report_id, ReportStatus.RESOLVED, "amina", "gone")
    with pytest.raises(InvalidReportTransition):
        dispatch_vehicle(reports, fleet, "lahore", report.report_id, "van-2", "amina", None)
    assert fleet.get("lahore", "van-2").status == "available"


@pytest.mark.parametrize("closing", [ReportStatus.RESOLVED, ReportStatus.REJECTED])
def test_closing_a_dispatched_report_frees_its_vehicle(reports, tenants, fleet, closing):
    report = filed(reports, tenants)
    dispatch_vehicle(reports, fleet, "lahore", report.report_id, "truck-7", "amina", None)
    assert change_status(reports, fleet, "lahore", report.report_id, closing, "amina", "done").status == closing
    assert (fleet.get("lahore", "truck-7").status, fleet.get("lahore", "truck-7").report_id) == ("available", None)


def test_closing_a_report_leaves_its_vehicle_on_the_job_it_has_moved_to_since(reports, tenants, fleet):
    first, second = filed(reports, tenants), filed(reports, tenants)
    dispatch_vehicle(reports, fleet, "lahore", first.report_id, "truck-7", "amina", None)
    fleet.move("lahore", "truck-7", *CANAL, "available")
    dispatch_vehicle(reports, fleet, "lahore", second.report_id, "truck-7", "amina", None)
    change_status(reports, fleet, "lahore", first.report_id, ReportStatus.RESOLVED, "amina", "done")
    assert (fleet.get("lahore", "truck-7").status, fleet.get("lahore", "truck-7").report_id) == (
        "assigned", second.report_id,
    )  # fmt: skip


def test_a_citys_reports_are_not_found_from_another_city(reports, tenants, fleet):
    report_id = filed(reports, tenants).report_id
    with pytest.raises(ReportNotFound):
        cast_vote(reports, "karachi", report_id, "bob", agrees=True)
    with pytest.raises(ReportNotFound):
        change_status(reports, fleet, "karachi", report_id, ReportStatus.REJECTED, "omar", "spam")
    with pytest.raises(ReportNotFound):
        dispatch_vehicle(reports, fleet, "karachi", report_id, "truck-7", "omar", None)
    with pytest.raises(ReportNotFound):
        reports.history("karachi", report_id)
    assert reports.list_by_status("karachi", ReportStatus.SUBMITTED, 20, None).items == []
    assert reports.get("lahore", report_id).status == ReportStatus.SUBMITTED


# --- the routes ------------------------------------------------------------------------------------------------


def client(
    function: str, reports: MemoryReports, tenants: MemoryTenants, fleet: MemoryFleet | None = None,
    user: str = "alice", group: Group = Group.CITIZEN, tenant: str = "lahore",
) -> TestClient:  # fmt: skip
    spec = importlib.util.spec_from_file_location(f"{function}_reports", ROOT / "functions" / function / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    overrides, users = module.app.dependency_overrides, MemoryUsers()
    overrides[current_caller] = lambda: Caller(user_id=user, username=user, tenant=tenant, groups=frozenset({group}))
    overrides[report_repository] = lambda: reports
    overrides[tenant_repository] = lambda: tenants
    overrides[versioned_settings] = lambda: tenants
    overrides[fleet_repository] = lambda: fleet
    overrides[user_repository] = lambda: users
    overrides[report_photo_board] = lambda: MemoryBoard()
    overrides[report_photo_links] = lambda: FakeLinks()
    return TestClient(module.app)


REPORT_FIELDS = {
    "report_id", "reporter_id", "waste_type", "status", "lat", "lng", "geohash", "zone", "description", "address",
    "photo_keys", "priority", "ai_type", "ai_confidence", "votes_up", "votes_down", "vehicle_id", "created_at",
    "updated_at", "text_hidden", "exact", "resolved_at", "merged_into", "priority_points", "duplicates_merged",
    "photos",
}  # fmt: skip


def test_a_citizen_files_reads_lists_and_finds_a_report_nearby(reports, tenants):
    alice = client("reports_api", reports, tenants)
    body = {"waste_type": "plastic", "lat": CANAL[0], "lng": CANAL[1], "photo_keys": [ALICES_PHOTO]}
    created = alice.post("/reports", json=body)
    assert created.status_code == 201, created.text
    report = created.json()
    assert report.pop("possible_duplicates") == []
    assert set(report) == REPORT_FIELDS
    assert {key: report[key] for key in ("status", "zone", "photo_keys", "votes_up", "priority")} == {
        "status": "submitted", "zone": "old-town", "photo_keys": [ALICES_PHOTO], "votes_up": 0, "priority": "normal",
    }  # fmt: skip
    assert alice.get(f"/reports/{report['report_id']}").json() == report
    assert [r["report_id"] for r in alice.get("/reports").json()["items"]] == [report["report_id"]]
    assert alice.get("/reports", params={"status": "resolved"}).json() == {"items": [], "cursor": None}
    nearby = alice.get("/reports/nearby", params={"lat": CANAL[0] + 0.002, "lng": CANAL[1], "radius_m": 500}).json()
    assert [(n["report"]["report_id"], n["distance_m"]) for n in nearby] == [(report["report_id"], 222.4)]
    mine = client("me_api", reports, tenants).get("/me/reports").json()["items"]
    assert [r["report_id"] for r in mine] == [report["report_id"]]
    assert client("me_api", reports, tenants, user="bob").get("/me/reports").json()["items"] == []


def test_another_citys_report_is_not_found_through_the_api(reports, tenants):
    report_id = filed(reports, tenants).report_id
    omar = client("reports_api", reports, tenants, user="omar", tenant="karachi")
    for answer in (
        omar.get(f"/reports/{report_id}"),
        omar.get(f"/reports/{report_id}/history"),
        omar.post(f"/reports/{report_id}/votes", json={"agrees": True}),
    ):
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "report_not_found")


def test_the_vote_route_counts_a_vote_once(reports, tenants):
    report_id = filed(reports, tenants).report_id
    bob = client("reports_api", reports, tenants, user="bob")
    voted = bob.post(f"/reports/{report_id}/votes", json={"agrees": True})
    assert (voted.status_code, voted.json()["votes_up"]) == (201, 1)
    again = bob.post(f"/reports/{report_id}/votes", json={"agrees": False})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_voted")
    own = client("reports_api", reports, tenants).post(f"/reports/{report_id}/votes", json={"agrees": True})
    assert (own.status_code, own.json()["error"]["code"]) == (409, "own_report")


def test_an_admin_dispatches_and_resolves_and_the_trail_tells_it(reports, tenants, fleet):
    report_id = filed(reports, tenants).report_id
    admin = client("admin_api", reports, tenants, fleet, user="amina", group=Group.ADMIN)
    dispatched = admin.post(f"/admin/reports/{report_id}/dispatch", json={"vehicle_id": "truck-7", "note": "go"})
    assert dispatched.status_code == 200, dispatched.text
    assert (dispatched.json()["status"], dispatched.json()["vehicle_id"]) == ("dispatched", "truck-7")
    busy = admin.post(f"/admin/reports/{report_id}/dispatch", json={"vehicle_id": "truck-7"})
    assert (busy.status_code, busy.json()["error"]["code"]) == (409, "vehicle_busy")
    again = admin.post(f"/admin/reports/{report_id}/dispatch", json={"vehicle_id": "van-2"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")
    resolved = admin.post(f"/admin/reports/{report_id}/status", json={"status": "resolved", "reason": "done"})
    assert (resolved.status_code, resolved.json()["status"]) == (200, "resolved")
    assert fleet.get("lahore", "truck-7").status == "available"
    reopened = admin.post(f"/admin/reports/{report_id}/status", json={"status": "verified", "reason": "oops"})
    assert (reopened.status_code, reopened.json()["error"]["code"]) == (409, "invalid_transition")
    history = client("reports_api", reports, tenants).get(f"/reports/{report_id}/history").json()
    assert [(h["action"], h["actor"], h["old"], h["new"], h["reason"]) for h in history] == [
        ("created", "alice", None, "submitted", None),
        ("dispatched", "amina", "submitted", "dispatched", "go"),
        ("resolved", "amina", "dispatched", "resolved", "done"),
    ]
    assert set(history[0]) == {"at", "actor", "action", "old", "new", "reason"}


def test_open311_lists_and_reads_a_citys_reports_as_service_requests(reports, tenants):
    report = filed(reports, tenants)
    tenants.save("lahore", TenantSettings(open311_jurisdiction="Lahore Waste Management"))
    public = client("open311_api", reports, tenants)
    listed = public.get("/open311/lahore/v2/requests.json", params={"start_date": START.isoformat()}).json()
    assert [(r["service_request_id"], r["status"], r["agency_responsible"]) for r in listed] == [
        (report.report_id, "open", "Lahore Waste Management"),
    ]
    assert public.get("/open311/lahore/v2/requests.json", params={"status": "closed"}).json() == []
    xml = public.get(f"/open311/lahore/v2/requests/{report.report_id}.xml")
    assert xml.headers["content-type"].startswith("text/xml") and f"<lat>{CANAL[0]}</lat>" in xml.text
    missing = public.get("/open311/lahore/v2/requests/no-such-report.json")
    assert (missing.status_code, missing.json()) == (404, [{"code": 404, "description": "no such service request"}])
    other_city = public.get(f"/open311/karachi/v2/requests/{report.report_id}.json")
    assert (other_city.status_code, other_city.json()[0]["description"]) == (404, "no jurisdiction karachi")


def test_open311_files_a_request_only_with_one_of_the_citys_keys(reports, tenants):
    tenants.save("quetta", TenantSettings(open311_key_hashes=[hash_api_key("crm-secret")]))
    public = client("open311_api", reports, tenants)
    url = "/open311/quetta/v2/requests.json"
    form = {"service_code": "mixed", "lat": "30.18", "long": "66.99", "description": "dumped rubble"}
    refused = public.post(url, data={**form, "api_key": "wrong"})
    assert (refused.status_code, refused.json()[0]["code"]) == (403, 403)
    invalid = public.post(url, data={**form, "lat": "123", "api_key": "crm-secret"})
    assert (invalid.status_code, invalid.json()[0]["code"]) == (400, 400)
    assert reports.reports == {}
    filed_request = public.post(url, data={**form, "api_key": "crm-secret"})
    assert filed_request.status_code == 201, filed_request.text
    request_id = filed_request.json()[0]["service_request_id"]
    stored = reports.get("quetta", request_id)
    assert (stored.reporter_id, stored.waste_type, stored.description) == ("open311", "mixed", "dumped rubble")
    assert reports.sources[("quetta", request_id)] == "open311"
