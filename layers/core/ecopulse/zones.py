"""A city's service area and zones are checked as geometry when the city saves them: each polygon valid (closed
rings that do not cross themselves or each other, holes inside), so that a point is in an area by one rule.

Shapely (with numpy) ships in the geometry layer, which only the admin function (saving settings) and the Open311
filing function (placing a request by its address) carry; placing a point in a zone needs no shapely
(``ecopulse.geo.in_ring``), so every other function reads the zones without it. It is imported on those two paths
only, not when a function starts: loading numpy would add to every cold start of the admin function."""

import re
from datetime import datetime
from typing import Any

from ecopulse.settings_history import VersionedSettings, change_settings
from ecopulse.tenants import InvalidZone, TenantSettings


def _shape(document: dict[str, Any]) -> Any:
    from shapely.geometry import shape

    return shape(document)


# Shapely's reasons (GEOS's validity messages) in words an admin drawing on a map understands.
_PLAIN_REASONS = {
    "Self-intersection": "crosses itself",
    "Ring Self-intersection": "touches itself at a corner",
    "Hole lies outside shell": "has a hole outside its outline",
    "Nested shells": "has a polygon inside another",
    "Interior is disconnected": "is cut in two by its holes",
    "Too few points": "has too few corners",
}
_REASON = re.compile(r"^(?P<reason>[^\[]+)\[(?P<lng>\S+) (?P<lat>\S+)\]$")


def _plainly(subject: str, explanation: str) -> str:
    """``Self-intersection[74.35 31.52]`` as ``zone "Tie" crosses itself near 31.52, 74.35 (latitude, longitude)``."""
    found = _REASON.match(explanation)
    if not found:
        return f"{subject} is not a valid polygon: {explanation}"
    reason = found["reason"].strip()
    where = f"{float(found['lat']):.5f}, {float(found['lng']):.5f}"
    return f"{subject} {_PLAIN_REASONS.get(reason, reason.lower())} near {where} (latitude, longitude)"


def area_problems(settings: TenantSettings) -> list[dict[str, str]]:
    """The service area and each zone that is not a valid polygon, with shapely's reason in plain words and the
    place it found it, such as ``zone "Tie" crosses itself near 31.55000, 74.35000 (latitude, longitude)``: a ring
    crossing itself would make "inside" mean nothing."""
    from shapely.validation import explain_validity

    areas = [("service_area", "the service area", settings.service_area)] if settings.service_area else []
    areas += [(f"zones.{index}.area", f'zone "{zone.name}"', zone.area) for index, zone in enumerate(settings.zones)]
    problems = []
    for field, subject, area in areas:
        geometry = _shape(area.model_dump(exclude_none=True))
        if not geometry.is_valid:
            problems.append({"field": field, "problem": _plainly(subject, explain_validity(geometry))})
    return problems


def address_place(settings: TenantSettings) -> tuple[float, float] | None:
    """Where a request placed by its address alone is filed: a point inside the city's service area (there is no
    geocoder), or None for a city without one."""
    if settings.service_area is None:
        return None
    point = _shape(settings.service_area.model_dump(exclude_none=True)).representative_point()
    return round(point.y, 7), round(point.x, 7)


def save_settings(
    store: VersionedSettings,
    tenant: str,
    settings: TenantSettings,
    actor: str,
    now: datetime,
    expected_version: int | None = None,
) -> tuple[TenantSettings, int]:
    """Saves the city's settings as a new version (``settings_history``) once the service area and every zone are
    valid polygons."""
    problems = area_problems(settings)
    if problems:
        raise InvalidZone(problems)
    return change_settings(store, tenant, settings, actor, now, expected_version)
