"""A city's fleet: the vehicles an admin adds and dispatches, and the positions their drivers report.

The rules and the ``Fleet`` port; ``ecopulse.store.fleet.FleetRepository`` is the DynamoDB adapter.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from ecopulse.paging import Page

if TYPE_CHECKING:
    # Reports send vehicles through this port: ``ecopulse.reports`` imports this module.
    from ecopulse.reports import Report

VehicleStatus = Literal["available", "assigned", "offline"]


class VehicleNotFound(LookupError):
    pass


class VehicleBusy(Exception):
    """The vehicle is not available for a new job."""


class VehicleExists(Exception):
    """The city has a vehicle with this id already."""


class NotYourVehicle(Exception):
    """A driver reporting the position of a vehicle that is not theirs."""


@dataclass(frozen=True)
class NewVehicle:
    vehicle_id: str
    name: str
    plate: str | None = None
    capacity_kg: float = 0.0
    driver_id: str | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class Vehicle:
    vehicle_id: str
    name: str
    plate: str | None
    capacity_kg: float
    status: str
    lat: float | None
    lng: float | None
    report_id: str | None
    driver_id: str | None
    updated_at: datetime


class Fleet(Protocol):
    def add(self, tenant: str, vehicle: NewVehicle) -> Vehicle: ...

    def get(self, tenant: str, vehicle_id: str) -> Vehicle: ...

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[Vehicle]: ...

    def driven_by(self, tenant: str, driver_id: str) -> Sequence[Vehicle]:
        """The vehicles the city gave ``driver_id`` to drive."""
        ...

    def move(self, tenant: str, vehicle_id: str, lat: float, lng: float, status: VehicleStatus | None) -> Vehicle: ...

    def dispatch(self, tenant: str, vehicle_id: str, report: "Report", actor: str, note: str | None) -> None:
        """Assigns the vehicle to the report and the report to the vehicle, both or neither; either changed
        since it was read is a ``ConcurrentChange``."""
        ...

    def release(self, tenant: str, vehicle_id: str, report_id: str) -> None:
        """Frees the vehicle from the report's job; a vehicle that has left that job already stays as it is."""
        ...


def report_position(
    fleet: Fleet,
    tenant: str,
    vehicle_id: str,
    lat: float,
    lng: float,
    status: VehicleStatus | None,
    driver_id: str,
    moves_any: bool,
) -> Vehicle:
    """A driver moves only their own vehicle; someone who ``moves_any`` (an admin) any of the city's."""
    vehicle = fleet.get(tenant, vehicle_id)
    if not moves_any and vehicle.driver_id != driver_id:
        raise NotYourVehicle(f"{vehicle_id} is not driven by {driver_id}")
    return fleet.move(tenant, vehicle_id, lat, lng, status)
