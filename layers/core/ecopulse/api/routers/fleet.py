"""Fleet: vehicles an admin adds and dispatches, drivers report positions and finish jobs."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from ecopulse.api.auth import ACTIVE, AdminDep, FleetDep, Group
from ecopulse.api.dependencies import Vehicles
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.schemas import Cursor, Latitude, Limit, Longitude, PageOf, ShortText, rounded
from ecopulse.fleet import NewVehicle, VehicleStatus, report_position

router = APIRouter(prefix="/fleet", tags=["fleet"], responses=ERROR_RESPONSES)
VehicleId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]


class VehicleIn(BaseModel):
    vehicle_id: VehicleId
    name: ShortText
    plate: Annotated[str | None, Field(max_length=20)] = None
    capacity_kg: Annotated[float, Field(ge=0, le=100_000, strict=True), rounded(3)] = 0
    driver_id: Annotated[str | None, Field(max_length=64)] = None
    lat: Latitude | None = None
    lng: Longitude | None = None


class VehicleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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


class PositionIn(BaseModel):
    lat: Latitude
    lng: Longitude
    status: VehicleStatus | None = None


@router.post("/vehicles", status_code=status.HTTP_201_CREATED, response_model=VehicleOut, dependencies=[ACTIVE])
def add_vehicle(body: VehicleIn, caller: AdminDep, vehicles: Vehicles) -> VehicleOut:
    return VehicleOut.model_validate(vehicles.add(caller.tenant, NewVehicle(**body.model_dump())))


@router.get("/vehicles", response_model=PageOf[VehicleOut])
def list_vehicles(
    caller: FleetDep, vehicles: Vehicles, limit: Limit = 100, cursor: Cursor = None
) -> PageOf[VehicleOut]:
    page = vehicles.list(caller.tenant, limit, cursor)
    return PageOf[VehicleOut](items=[VehicleOut.model_validate(v) for v in page.items], cursor=page.cursor)


@router.put("/vehicles/{vehicle_id}/position", response_model=VehicleOut, dependencies=[ACTIVE])
def move_vehicle(vehicle_id: VehicleId, body: PositionIn, caller: FleetDep, vehicles: Vehicles) -> VehicleOut:
    """A driver moves only their own vehicle; an admin any of the city's."""
    moved = report_position(
        vehicles, caller.tenant, vehicle_id, body.lat, body.lng, body.status, caller.user_id, caller.is_in(Group.ADMIN)
    )
    return VehicleOut.model_validate(moved)
