"""Places: distances, the geohash cells that cover a search circle, and which zone a point is in."""

import math
from dataclasses import dataclass

import pygeohash

EARTH_RADIUS_M = 6_371_008.8
INDEX_PRECISION = 5
HEAT_PRECISION = 6
MAX_NEARBY_RADIUS_M = 5_000


Ring = tuple[tuple[float, float], ...]
"""A closed ring of (lng, lat) positions, as GeoJSON orders them."""


def in_ring(lat: float, lng: float, ring: Ring) -> bool:
    """Even-odd rule: a ray from the point crosses the ring's edges an odd number of times when it is inside.

    Pure Python so that every function can place a point: shapely (and numpy) ship only in the geometry and
    inference layers; ``ecopulse.zones`` checks the shapes with shapely when a city saves them."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


@dataclass(frozen=True)
class Zone:
    """A zone's polygons, each its outer ring then its holes."""

    zone_id: str
    name: str
    polygons: tuple[tuple[Ring, ...], ...]

    def contains(self, lat: float, lng: float) -> bool:
        return any(
            in_ring(lat, lng, outer) and not any(in_ring(lat, lng, hole) for hole in holes)
            for outer, *holes in self.polygons
        )


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
