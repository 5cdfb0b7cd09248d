"""A validated point on the Earth, as EXIF and reports give it. Distances are ecopulse.geo's."""

import math
from dataclasses import dataclass
from typing import Any

from ecopulse.geo import distance_m


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lng: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and math.isfinite(self.lng)):
            raise ValueError(f"coordinates must be finite numbers, not ({self.lat}, {self.lng})")
        if not (-90 <= self.lat <= 90 and -180 <= self.lng <= 180):
            raise ValueError(f"({self.lat}, {self.lng}) is not a latitude and longitude")

    def distance_m(self, other: "GeoPoint") -> float:
        """Great-circle distance in metres."""
        return distance_m(self.lat, self.lng, other.lat, other.lng)

    def to_dict(self) -> dict[str, Any]:
        return {"lat": self.lat, "lng": self.lng}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "GeoPoint | None":
        return None if data is None else cls(float(data["lat"]), float(data["lng"]))
