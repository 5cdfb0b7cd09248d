"""A city's zones are checked as geometry when the city saves them: each polygon valid (closed rings that do not
cross themselves or each other, holes inside), so that a point is in a zone by one rule.

Shapely (with numpy) ships in the geometry layer, which only the admin function (saving settings) and the Open311
filing function (placing a request by its address) carry; placing a point in a zone needs no shapely
(``ecopulse.geo.in_ring``), so every other function reads the zones without it. It is imported on those two paths
only, not when a function starts: loading numpy would add to every cold start of the admin function."""

from datetime import datetime
from typing import Any

from ecopulse.settings_history import VersionedSettings, change_settings
from ecopulse.tenants import InvalidZone, TenantSettings


def _shape(document: dict[str, Any]) -> Any:
    from shapely.geometry import shape

    return shape(document)


def area_problems(settings: TenantSettings) -> list[dict[str, str]]:
    """Each zone that is not a valid polygon, with shapely's reason, such as ``Self-intersection[74.35 31.52]``."""
    from shapely.validation import explain_validity

    problems = []
    for index, zone in enumerate(settings.zones):
        geometry = _shape(zone.area.model_dump(exclude_none=True))
        if not geometry.is_valid:
            problems.append({"field": f"zones.{index}.area", "problem": explain_validity(geometry)})
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
    """Saves the city's settings as a new version (``settings_history``) once every zone is a valid polygon."""
    problems = area_problems(settings)
    if problems:
        raise InvalidZone(problems)
    return change_settings(store, tenant, settings, actor, now, expected_version)
