"""The fleet's rules and routes in process: an in-memory ``Fleet`` stands in for DynamoDB, injected into the
routes through FastAPI's dependency overrides."""

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecopulse.api.auth import Caller, Group, current_caller
from ecopulse.api.dependencies import fleet_repository, user_repository
from ecopulse.fleet import NewVehicle, NotYourVehicle, Vehicle, VehicleExists, VehicleNotFound, report_position
from ecopulse.paging import Page
from ecopulse.reports import Report
from ecopulse.store.transactions import ConcurrentChange
from tests.unit.user_fakes import MemoryUsers

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


class MemoryFleet:
    """The ``Fleet`` port in memory, per tenant. In DynamoDB a dispatch changes the vehicle and the report in one
    transaction; here the report's side is ``dispatch_report`` (``MemoryReports.dispatched``) when a test keeps
    reports too."""

    def __init__(self, dispatch_report: Callable[[str, Report, str, str, str | None], None] | None = None) -> None:
        self.vehicles: dict[tuple[str, str], Vehicle] = {}
        self.dispatch_report = dispatch_report

    def add(self, tenant: str, vehicle: NewVehicle) -> Vehicle:
        if (tenant, vehicle.vehicle_id) in self.vehicles:
            raise VehicleExists(vehicle.vehicle_id)
        added = Vehicle(
            vehicle.vehicle_id, vehicle.name, vehicle.plate, vehicle.capacity_kg, "available",
            vehicle.lat, vehicle.lng, None, vehicle.driver_id, NOW,
        )  # fmt: skip
        self.vehicles[(tenant, vehicle.vehicle_id)] = added
        return added

    def get(self, tenant: str, vehicle_id: str) -> Vehicle:
        try:
            return self.vehicles[(tenant, vehicle_id)]
        except KeyError as error:
            raise VehicleNotFound(vehicle_id) from error

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[Vehicle]:
        return Page([vehicle for (owner, _), vehicle in sorted(self.vehicles.items()) if owner == tenant][:limit], None)

    def driven_by(self, tenant: str, driver_id: str) -> Sequence[Vehicle]:
        return [vehicle for (owner, _), vehicle in sorted(self.vehicles.items())
                if owner == tenant and vehicle.driver_id == driver_id]  # fmt: skip

    def move(self, tenant: str, vehicle_id: str, lat: float, lng: float, status=None) -> Vehicle:
        moved = replace(
            self.get(tenant, vehicle_id), lat=lat, lng=lng, status=status or self.get(tenant, vehicle_id).status
        )
        self.vehicles[(tenant, vehicle_id)] = moved
        return moved

    def dispatch(self, tenant: str, vehicle_id: str, report: Report, actor: str, note: str | None) -> None:
        vehicle = self.get(tenant, vehicle_id)
        if vehicle.status != "available":
            raise ConcurrentChange(f"vehicle {vehicle_id} changed")
        if self.dispatch_report:
            self.dispatch_report(tenant, report, vehicle_id, actor, note)
        self.vehicles[(tenant, vehicle_id)] = replace(vehicle, status="assigned", report_id=report.report_id)

    def release(self, tenant: str, vehicle_id: str, report_id: str) -> None:
        vehicle = self.get(tenant, vehicle_id)
        if (vehicle.status, vehicle.report_id) == ("assigned", report_id):
            self.vehicles[(tenant, vehicle_id)] = replace(vehicle, status="available", report_id=None)


@pytest.fixture
def fleet() -> MemoryFleet:
    fleet = MemoryFleet()
    fleet.add("lahore", NewVehicle("truck-7", "Truck 7", driver_id="dina"))
    return fleet


def test_a_driver_reports_the_position_of_their_own_vehicle(fleet):
    moved = report_position(fleet, "lahore", "truck-7", 31.52, 74.36, "offline", "dina", moves_any=False)
    assert (moved.lat, moved.lng, moved.status) == (31.52, 74.36, "offline")


def test_a_driver_cannot_move_another_drivers_vehicle_but_an_admin_can(fleet):
    with pytest.raises(NotYourVehicle):
        report_position(fleet, "lahore", "truck-7", 31.52, 74.36, None, "omar", moves_any=False)
    assert fleet.get("lahore", "truck-7").lat is None
    assert report_position(fleet, "lahore", "truck-7", 31.5, 74.3, None, "amina", moves_any=True).lat == 31.5


def test_another_citys_vehicle_is_not_found(fleet):
    with pytest.raises(VehicleNotFound):
        report_position(fleet, "karachi", "truck-7", 31.5, 74.3, None, "amina", moves_any=True)


def client(fleet: MemoryFleet, user: str, group: Group) -> TestClient:
    spec = importlib.util.spec_from_file_location("admin_api_fleet", ROOT / "functions" / "admin_api" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.app.dependency_overrides[current_caller] = lambda: Caller(
        user_id=user, username=user, tenant="lahore", groups=frozenset({group})
    )
    module.app.dependency_overrides[fleet_repository] = lambda: fleet
    users = MemoryUsers()
    module.app.dependency_overrides[user_repository] = lambda: users
    return TestClient(module.app)


def test_an_admin_adds_a_vehicle_once_and_a_driver_lists_it(fleet):
    admin = client(fleet, "amina", Group.ADMIN)
    body = {"vehicle_id": "van-2", "name": "Van 2", "capacity_kg": 750.1234, "lat": 31.5, "lng": 74.3}
    added = admin.post("/fleet/vehicles", json=body)
    assert added.status_code == 201, added.text
    assert added.json() | {"updated_at": None} == {
        "vehicle_id": "van-2", "name": "Van 2", "plate": None, "capacity_kg": 750.123, "status": "available",
        "lat": 31.5, "lng": 74.3, "report_id": None, "driver_id": None, "updated_at": None,
    }  # fmt: skip
    again = admin.post("/fleet/vehicles", json=body)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "vehicle_exists")
    listed = client(fleet, "dina", Group.DRIVER).get("/fleet/vehicles").json()
    assert [vehicle["vehicle_id"] for vehicle in listed["items"]] == ["truck-7", "van-2"]


@pytest.mark.parametrize(("user", "group", "expected"), [("dina", Group.DRIVER, 200), ("omar", Group.DRIVER, 403)])
def test_the_position_route_applies_the_drivers_rule(fleet, user, group, expected):
    answer = client(fleet, user, group).put("/fleet/vehicles/truck-7/position", json={"lat": 31.52, "lng": 74.36})
    assert answer.status_code == expected, answer.text
    if expected == 403:
        assert answer.json()["error"]["code"] == "not_your_vehicle"
        assert fleet.get("lahore", "truck-7").lat is None
