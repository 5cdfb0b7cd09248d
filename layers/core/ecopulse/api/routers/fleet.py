"""Fleet: vehicles an admin adds and dispatches, drivers report positions and finish jobs."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from ecopulse.api.auth import AdminDep, FleetDep, Group
from ecopulse.api.errors import ERROR_RESPONSES, ApiError
from ecopulse.api.schemas import Cursor, Latitude, Limit, Longitude, PageOf, ShortText, rounded
from ecopulse.store.fleet import FleetRepository
from ecopulse.store.models import VehicleItem

router = APIRouter(prefix="/fleet", tags=["fleet"], responses=ERROR_RESPONSES)
fleet = FleetRepository()
VehicleId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]


class VehicleIn(BaseModel):
    vehicle_id: VehicleId
    name: ShortText
    plate: Annotated[str | None, Field(max_length=20)] = None
    capacity_kg: Annotated[float, Field(ge=0, le=100_000), rounded(3)] = 0
    driver_id: Annotated[str | None, Field(max_length=64)] = None
    lat: Latitude | None = None
    lng: Longitude | None = None


class VehicleOut(BaseModel):
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

    @classmethod
    def of(cls, item: VehicleItem) -> "VehicleOut":
        return cls(**{name: getattr(item, name) for name in cls.model_fields})


class PositionIn(BaseModel):
    lat: Latitude
    lng: Longitude
    status: Literal["available", "assigned", "offline"] | None = None


@router.post("/vehicles", status_code=status.HTTP_201_CREATED, response_model=VehicleOut)
def add_vehicle(body: VehicleIn, caller: AdminDep) -> VehicleOut:
    return VehicleOut.of(fleet.add(caller.tenant, VehicleItem(**body.model_dump())))


@router.get("/vehicles", response_model=PageOf[VehicleOut])
def list_vehicles(caller: FleetDep, limit: Limit = 100, cursor: Cursor = None) -> PageOf[VehicleOut]:
    page = fleet.list(caller.tenant, limit, cursor)
    return PageOf[VehicleOut](items=[VehicleOut.of(item) for item in page.items], cursor=page.cursor)


@router.put("/vehicles/{vehicle_id}/position", response_model=VehicleOut)
def report_position(vehicle_id: VehicleId, body: PositionIn, caller: FleetDep) -> VehicleOut:
    """A driver moves only their own vehicle; an admin any of the city's."""
    vehicle = fleet.get(caller.tenant, vehicle_id)
    if not caller.is_in(Group.ADMIN) and vehicle.driver_id != caller.user_id:
        raise ApiError(403, "not_your_vehicle", "drivers report positions for their own vehicle only")
    return VehicleOut.of(fleet.move(vehicle, body.lat, body.lng, body.status))
