"""Places: distances, the geohash cells that cover a search circle, and which zone a point is in."""

import math
from dataclasses import dataclass

import pygeohash

EARTH_RADIUS_M = 6_371_008.8
INDEX_PRECISION = 5
HEAT_PRECISION = 6
MAX_NEARBY_RADIUS_M = 5_000


@dataclass(frozen=True)
class Zone:
    zone_id: str
    name: str
    min_lat: float
    min_lng: float
    max_lat: float
    max_lng: float

    def contains(self, lat: float, lng: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lng <= lng <= self.max_lng


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def geohash(lat: float, lng: float, precision: int = INDEX_PRECISION) -> str:
    return pygeohash.encode(lat, lng, precision)


def cells_covering(lat: float, lng: float, radius_m: float, precision: int = INDEX_PRECISION) -> list[str]:
    """The index cells that together contain every point within ``radius_m`` of the centre."""
    d_lat = math.degrees(radius_m / EARTH_RADIUS_M)
    d_lng = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6)))
    box = pygeohash.BoundingBox(
        max(lat - d_lat, -90.0), max(lng - d_lng, -180.0), min(lat + d_lat, 90.0), min(lng + d_lng, 180.0)
    )
    return pygeohash.geohashes_in_box(box, precision)


def zone_of(lat: float, lng: float, zones: list[Zone]) -> str | None:
    return next((zone.zone_id for zone in zones if zone.contains(lat, lng)), None)
