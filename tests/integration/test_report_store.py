"""The ``Reports`` and ``Fleet`` adapters against moto and DynamoDB Local: what the in-memory fakes of the unit
tests stand in for, here with DynamoDB's conditions, versions and transactions."""

import pytest

from ecopulse.fleet import NewVehicle
from ecopulse.jobs import JobOrder, cleared_reason, driver_jobs, resolve_cleared_report
from ecopulse.reports import (
    AlreadyVoted,
    ReportNotFound,
    ReportStatus,
    cast_vote,
    change_status,
    dispatch_vehicle,
    file_report,
)
from ecopulse.store.fleet import FleetRepository
from ecopulse.store.models import VehicleItem
from ecopulse.store.reports import ReportRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.transactions import ConcurrentChange
from ecopulse.submissions import Status
from ecopulse.tenants import TenantSettings, ZoneSettings
from tests.unit.submission_fakes import a_submission

CANAL = (31.52, 74.36)
PHOTO = "uploads/lahore/alice/0123abcd-0000/report.png"


@pytest.fixture(scope="module")
def stores(app_table):
    tenants = TenantRepository()
    zone = ZoneSettings(zone_id="old-town", name="Old Town", min_lat=31.5, min_lng=74.3, max_lat=31.6, max_lng=74.4)
    tenants.save("lahore", TenantSettings(zones=[zone]))
    return ReportRepository(), FleetRepository(), tenants


def test_a_filed_report_reads_back_as_it_was_filed(stores):
    reports, _, tenants = stores
    filed = file_report(
        reports, tenants, "lahore", "alice", "plastic", *CANAL, address="Canal Bank", photo_keys=[PHOTO]
    )
    read = reports.get("lahore", filed.report_id)
    assert read == filed
    assert (read.status, read.zone, read.photo_keys, read.votes_up, read.version) == (
        ReportStatus.SUBMITTED, "old-town", (PHOTO,), 0, 1,
    )  # fmt: skip
    assert filed.report_id in {
        report.report_id for report in reports.list_by_reporter("lahore", "alice", 100, None).items
    }
    assert [(report.report_id, round(distance)) for report, distance in reports.nearby("lahore", *CANAL, 10, 5)] == [
        (filed.report_id, 0)
    ]


def test_votes_count_once_per_citizen_and_a_report_of_another_city_is_not_found(stores):
    reports, _, tenants = stores
    report_id = file_report(reports, tenants, "lahore", "alice", "glass", *CANAL).report_id
    assert cast_vote(reports, "lahore", report_id, "bob", agrees=False).votes_down == 1
    with pytest.raises(AlreadyVoted):
        cast_vote(reports, "lahore", report_id, "bob", agrees=True)
    with pytest.raises(ReportNotFound):
        cast_vote(reports, "karachi", report_id, "bob", agrees=True)
    with pytest.raises(ReportNotFound):
        reports.history("karachi", report_id)


def test_a_change_from_a_copy_read_before_another_change_is_refused(stores):
    reports, _, tenants = stores
    report = file_report(reports, tenants, "lahore", "alice", "metal", *CANAL)
    reports.change_status("lahore", report, ReportStatus.VERIFIED, "amina", "seen")
    with pytest.raises(ConcurrentChange):
        reports.change_status("lahore", report, ReportStatus.REJECTED, "omar", "spam")
    assert reports.get("lahore", report.report_id).status == ReportStatus.VERIFIED


def test_a_dispatched_vehicle_is_freed_by_its_report_only(stores):
    reports, fleet, tenants = stores
    first, second = (file_report(reports, tenants, "lahore", "alice", "mixed", *CANAL) for _ in range(2))
    fleet.add("lahore", NewVehicle("truck-store", "Truck"))
    dispatched = dispatch_vehicle(reports, fleet, "lahore", first.report_id, "truck-store", "amina", "go")
    assert (dispatched.status, dispatched.vehicle_id, dispatched.version) == (ReportStatus.DISPATCHED, "truck-store", 2)
    fleet.move("lahore", "truck-store", *CANAL, "available")
    dispatch_vehicle(reports, fleet, "lahore", second.report_id, "truck-store", "amina", None)
    change_status(reports, fleet, "lahore", first.report_id, ReportStatus.RESOLVED, "amina", "done")
    truck = fleet.get("lahore", "truck-store")
    assert (truck.status, truck.report_id) == ("assigned", second.report_id)
    change_status(reports, fleet, "lahore", second.report_id, ReportStatus.RESOLVED, "amina", "done")
    truck = fleet.get("lahore", "truck-store")
    assert (truck.status, truck.report_id) == ("available", None)
    trail = reports.history("lahore", first.report_id)
    assert [(entry.action, entry.old, entry.new) for entry in trail] == [
        ("created", None, "submitted"),
        ("dispatched", "submitted", "dispatched"),
        ("resolved", "dispatched", "resolved"),
    ]


def test_a_drivers_jobs_are_read_by_key_from_the_vehicles_listed_under_them(stores):
    reports, fleet, tenants = stores
    report = file_report(reports, tenants, "lahore", "alice", "paper", *CANAL, priority="high")
    fleet.add("lahore", NewVehicle("truck-dina", "Truck", driver_id="dina-store"))
    fleet.add("lahore", NewVehicle("van-dina", "Van", driver_id="dina-store"))
    fleet.add("lahore", NewVehicle("bus-omar", "Bus", driver_id="omar-store"))
    assert [vehicle.vehicle_id for vehicle in fleet.driven_by("lahore", "dina-store")] == ["truck-dina", "van-dina"]
    assert fleet.driven_by("karachi", "dina-store") == []
    dispatch_vehicle(reports, fleet, "lahore", report.report_id, "van-dina", "amina", None)
    [job] = driver_jobs(fleet, reports, "lahore", "dina-store", JobOrder.PRIORITY)
    assert (job.report.report_id, job.vehicle.vehicle_id, job.vehicle.status) == (
        report.report_id,
        "van-dina",
        "assigned",
    )


def test_a_vehicle_added_before_the_driver_index_is_listed_after_its_next_position(stores):
    _, fleet, _ = stores
    fleet.add("lahore", NewVehicle("truck-old", "Truck", driver_id="rafi-store"))
    VehicleItem(*VehicleItem.keys("lahore", "truck-old")).update(
        actions=[VehicleItem.gsi2pk.remove(), VehicleItem.gsi2sk.remove()], add_version_condition=False
    )
    assert fleet.driven_by("lahore", "rafi-store") == []
    fleet.move("lahore", "truck-old", *CANAL, None)
    assert [vehicle.vehicle_id for vehicle in fleet.driven_by("lahore", "rafi-store")] == ["truck-old"]


def test_an_approved_cleanup_resolves_its_report_once_in_one_transaction_with_its_history(stores):
    reports, fleet, tenants = stores
    report = file_report(reports, tenants, "lahore", "alice", "organic", *CANAL)
    fleet.add("lahore", NewVehicle("truck-job", "Truck", driver_id="dina-store"))
    dispatch_vehicle(reports, fleet, "lahore", report.report_id, "truck-job", "amina", None)
    cleanup = a_submission("sub-store-1", "dina-store", Status.APPROVED, report_id=report.report_id, closeout=True)
    assert resolve_cleared_report(reports, fleet, cleanup, "model").status is ReportStatus.RESOLVED
    assert resolve_cleared_report(reports, fleet, cleanup, "model") is None
    trail = reports.history("lahore", report.report_id)
    assert [(entry.action, entry.reason) for entry in trail][-1] == ("resolved", cleared_reason("sub-store-1"))
    assert [entry.action for entry in trail].count("resolved") == 1
    assert fleet.get("lahore", "truck-job").status == "available"


def test_reports_asked_by_id_come_in_the_order_asked_each_once_and_only_the_citys(stores):
    """More ids than one BatchGetItem takes, a repeat, an unknown id and another city's report."""
    reports, _, tenants = stores
    filed = [file_report(reports, tenants, "lahore", "alice", "paper", *CANAL).report_id for _ in range(3)]
    elsewhere = file_report(reports, tenants, "karachi", "alice", "paper", *CANAL).report_id
    unknown = [f"r-unknown-{n}" for n in range(120)]
    asked = [filed[2], *unknown, filed[0], filed[2], elsewhere, filed[1]]
    assert [report.report_id for report in reports.get_many("lahore", asked)] == [filed[2], filed[0], filed[1]]


def test_reports_of_several_statuses_filed_in_a_window_come_newest_first(stores):
    reports, fleet, tenants = stores
    older = file_report(reports, tenants, "multan", "alice", "metal", *CANAL)
    newer = file_report(reports, tenants, "multan", "alice", "metal", *CANAL)
    rejected = change_status(reports, fleet, "multan", older.report_id, ReportStatus.REJECTED, "admin", "not litter")
    statuses = [ReportStatus.SUBMITTED, ReportStatus.REJECTED, ReportStatus.RESOLVED]
    found = reports.created_between("multan", statuses, older.created_at, newer.created_at, 10)
    assert [(report.report_id, report.status) for report in found] == [
        (newer.report_id, ReportStatus.SUBMITTED),
        (rejected.report_id, ReportStatus.REJECTED),
    ]


def test_the_widest_nearby_search_finds_reports_in_every_cell_it_covers(stores):
    """5 km around the canal covers 12 index cells: a report near each corner of the circle's box is found, and
    one just outside the circle is not."""
    reports, _, tenants = stores
    north_east = file_report(reports, tenants, "sialkot", "alice", "glass", CANAL[0] + 0.03, CANAL[1] + 0.03)
    south_west = file_report(reports, tenants, "sialkot", "alice", "glass", CANAL[0] - 0.03, CANAL[1] - 0.03)
    file_report(reports, tenants, "sialkot", "alice", "glass", CANAL[0] + 0.046, CANAL[1])
    found = reports.nearby("sialkot", *CANAL, 5000, 10)
    assert sorted(report.report_id for report, _ in found) == sorted([north_east.report_id, south_west.report_id])
