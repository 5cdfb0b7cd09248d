"""Each city its own: categories that drive filing, rewards and Open311; zones as GeoJSON polygons, checked when
saved, listed to citizens and the only places alerts go. In process, with the fakes of test_reports."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from ecopulse import geo
from ecopulse.api.auth import Group
from ecopulse.api.dependencies import (
    community_repository,
    report_repository,
    tenant_repository,
    user_repository,
    versioned_settings,
)
from ecopulse.community import Alert, broadcast_alert, subscribe_to_zone
from ecopulse.reports import file_report
from ecopulse.rewards import reward_for
from ecopulse.tenants import (
    Category,
    CategoryDisabled,
    CategoryNotFound,
    PhotoRequired,
    TenantSettings,
    ZoneNotFound,
    ZoneSettings,
    default_categories,
)
from ecopulse.zones import area_problems
from tests.unit.function_apps import signed_in_client
from tests.unit.test_reports import ALICES_PHOTO, CANAL, MemoryReports, MemoryTenants
from tests.unit.user_fakes import MemoryUsers

# An L-shaped zone around the canal: its bounding box holds points that are not in it.
L_SHAPE = {
    "type": "Polygon",
    "coordinates": [
        [[74.3, 31.5], [74.4, 31.5], [74.4, 31.55], [74.35, 31.55], [74.35, 31.6], [74.3, 31.6], [74.3, 31.5]]
    ],
}
BOW_TIE = {"type": "Polygon", "coordinates": [[[74.3, 31.5], [74.4, 31.6], [74.4, 31.5], [74.3, 31.6], [74.3, 31.5]]]}
CANAL_ZONE = ZoneSettings(zone_id="canal", name="Canal", area=L_SHAPE)


class MemorySettingsStore(MemoryTenants):
    """``VersionedSettings`` in memory, enough for the settings routes."""

    def __init__(self) -> None:
        super().__init__()
        self.versions: dict[str, int] = {}

    def current(self, tenant: str) -> tuple[TenantSettings, int]:
        return self.settings(tenant), self.versions.get(tenant, 0)

    def commit(self, tenant: str, settings: TenantSettings, change: object) -> None:
        self.save(tenant, settings)
        self.versions[tenant] = self.versions.get(tenant, 0) + 1

    def history(self, tenant: str, limit: int, cursor: str | None) -> object:
        raise NotImplementedError


class MemoryCommunity:
    def __init__(self) -> None:
        self.subscriptions: set[tuple[str, str, str]] = set()
        self.alerts: list[tuple[str, str, str]] = []

    def subscribe(self, tenant: str, zone: str, user_id: str) -> None:
        self.subscriptions.add((tenant, zone, user_id))

    def unsubscribe(self, tenant: str, zone: str, user_id: str) -> None:
        self.subscriptions.discard((tenant, zone, user_id))

    def broadcast(self, tenant: str, zone: str, message: str, severity: str, sender: str) -> Alert:
        self.alerts.append((tenant, zone, message))
        return Alert(zone, message, severity, sender, 0, datetime.now(UTC))


@pytest.fixture
def store() -> MemorySettingsStore:
    store = MemorySettingsStore()
    store.save("lahore", TenantSettings(zones=[CANAL_ZONE]))
    return store


# --- categories ----------------------------------------------------------------------------------------------


def test_a_city_that_set_no_categories_takes_the_waste_types_it_always_took():
    codes = [category.code for category in TenantSettings().categories]
    assert codes == ["plastic", "glass", "metal", "paper", "organic", "e_waste", "mixed"]
    assert all(category.service_code == category.code and category.enabled for category in default_categories())


def test_a_report_is_filed_only_in_an_enabled_category_with_a_photo_where_it_needs_one():
    tenants, reports = MemoryTenants(), MemoryReports()
    tenants.save(
        "lahore",
        TenantSettings(
            categories=[
                Category(code="pothole", name="Pothole", service_code="PH-1"),
                Category(code="dumping", name="Dumping", service_code="DU-1", photo_required=True),
                Category(code="graffiti", name="Graffiti", service_code="GR-1", enabled=False),
            ]
        ),
    )
    assert file_report(reports, tenants, "lahore", "alice", "pothole", *CANAL).waste_type == "pothole"
    with pytest.raises(CategoryNotFound):
        file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL)
    with pytest.raises(CategoryDisabled):
        file_report(reports, tenants, "lahore", "alice", "graffiti", *CANAL)
    with pytest.raises(PhotoRequired):
        file_report(reports, tenants, "lahore", "alice", "dumping", *CANAL)
    assert file_report(reports, tenants, "lahore", "alice", "dumping", *CANAL, photo_keys=[ALICES_PHOTO]).photo_keys


@pytest.mark.parametrize(
    ("waste_type", "photos", "code"),
    [("asbestos", [], "unknown_category"), ("graffiti", [], "category_disabled"), ("dumping", [], "photo_required")],
)
def test_the_report_route_refuses_a_category_the_city_does_not_take_and_files_nothing(waste_type, photos, code):
    tenants, reports = MemoryTenants(), MemoryReports()
    tenants.save(
        "lahore",
        TenantSettings(
            categories=[
                Category(code="dumping", name="Dumping", service_code="DU-1", photo_required=True),
                Category(code="graffiti", name="Graffiti", service_code="GR-1", enabled=False),
            ]
        ),
    )
    http = signed_in_client(
        "reports_api",
        "alice",
        Group.CITIZEN,
        {report_repository: reports, tenant_repository: tenants, user_repository: MemoryUsers()},
    )
    body = {"waste_type": waste_type, "lat": CANAL[0], "lng": CANAL[1], "photo_keys": photos}
    refused = http.post("/reports", json=body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, code)
    assert reports.reports == {}


def test_two_categories_cannot_share_a_code_or_an_open311_service_code():
    twin = Category(code="a", name="A", service_code="X")
    for other in (Category(code="a", name="B", service_code="Y"), Category(code="b", name="B", service_code="X")):
        with pytest.raises(ValueError, match="same"):
            TenantSettings(categories=[twin, other])


def test_clearing_a_report_earns_its_categorys_rate_and_the_task_rate_without_one():
    settings = TenantSettings(
        reward_per_task={"cleanup": 10, "report": 2},
        daily_reward_cap=100,
        categories=[
            Category(code="dumping", name="Dumping", service_code="DU", reward=25),
            Category(code="litter", name="Litter", service_code="LI"),
        ],
    )
    assert reward_for("report", settings, 0, category="dumping") == 25
    assert reward_for("report", settings, 0, category="litter") == 2
    assert reward_for("report", settings, 0, category="gone") == 2
    assert reward_for("cleanup", settings, 0, category="dumping") == 10
    assert reward_for("report", settings, 90, category="dumping") == 10


# --- zones ---------------------------------------------------------------------------------------------------


def test_a_report_is_in_a_polygon_zone_only_inside_the_polygon_not_its_bounding_box():
    zone = CANAL_ZONE.zone()
    assert zone.contains(31.52, 74.32) and zone.contains(31.58, 74.32)
    assert not zone.contains(31.58, 74.38)  # inside the L's bounding box, outside the L
    assert geo.zone_of(31.58, 74.38, [zone]) is None


def test_a_zone_saved_as_a_rectangle_is_read_as_its_polygon():
    zone = ZoneSettings.model_validate(
        {"zone_id": "old", "name": "Old", "min_lat": 31.5, "min_lng": 74.3, "max_lat": 31.6, "max_lng": 74.4}
    )
    assert zone.area.type == "Polygon"
    assert zone.zone().contains(31.55, 74.35) and not zone.zone().contains(31.65, 74.35)
    assert "min_lat" not in zone.model_dump()


def test_a_hole_in_a_zone_is_not_in_it():
    outer = [[74.0, 31.0], [75.0, 31.0], [75.0, 32.0], [74.0, 32.0], [74.0, 31.0]]
    hole = [[74.4, 31.4], [74.6, 31.4], [74.6, 31.6], [74.4, 31.6], [74.4, 31.4]]
    zone = ZoneSettings(zone_id="ring", name="Ring", area={"type": "Polygon", "coordinates": [outer, hole]}).zone()
    assert zone.contains(31.2, 74.2) and not zone.contains(31.5, 74.5)


@settings(max_examples=300, deadline=None)
@given(lat=st.floats(31.45, 31.65), lng=st.floats(74.25, 74.45))
def test_the_pure_python_containment_agrees_with_shapely(lat, lng):
    polygon = shape(L_SHAPE)
    on_edge = polygon.exterior.distance(Point(lng, lat)) < 1e-9
    if not on_edge:
        assert CANAL_ZONE.zone().contains(lat, lng) == polygon.contains(Point(lng, lat))


def test_a_self_intersecting_zone_is_named_with_shapelys_reason_in_plain_words_and_where_it_crosses():
    settings = TenantSettings(zones=[CANAL_ZONE, ZoneSettings(zone_id="tie", name="Tie", area=BOW_TIE)])
    assert area_problems(settings) == [
        {"field": "zones.1.area", "problem": 'zone "Tie" crosses itself near 31.55000, 74.35000 (latitude, longitude)'}
    ]


def test_a_service_area_that_crosses_itself_is_refused_and_keeps_the_settings(store):
    http = signed_in_client(
        "admin_api", "amina", Group.ADMIN, {versioned_settings: store, user_repository: MemoryUsers()}
    )
    body = {**store.settings("lahore").model_dump(mode="json"), "service_area": BOW_TIE}
    refused = http.put("/admin/settings", json=body)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["message"]) == ("invalid_zone", "the service area or a zone is not a valid polygon")
    problem = "the service area crosses itself near 31.55000, 74.35000 (latitude, longitude)"
    assert error["details"] == [{"field": "service_area", "problem": problem}]
    assert store.settings("lahore").service_area is None


@pytest.mark.parametrize(
    ("area", "problem"),
    [
        (BOW_TIE, "crosses itself"),
        (
            {"type": "Polygon", "coordinates": [[[74.3, 31.5], [74.4, 31.5], [74.4, 31.6], [74.3, 31.6]]]},
            "same start and end",
        ),
        ({"type": "Polygon", "coordinates": [[[74.3, 31.5], [74.4, 31.5], [74.3, 31.5]]]}, "4"),
        ({"type": "Point", "coordinates": [74.3, 31.5]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[True, 31.5], [74.4, 31.5], [74.4, 31.6], [True, 31.5]]]}, "number"),
    ],
)
def test_saving_a_zone_that_is_not_a_valid_closed_polygon_is_refused_and_keeps_the_settings(store, area, problem):
    http = signed_in_client(
        "admin_api", "amina", Group.ADMIN, {versioned_settings: store, user_repository: MemoryUsers()}
    )
    body = {**TenantSettings().model_dump(mode="json"), "zones": [{"zone_id": "bad", "name": "Bad", "area": area}]}
    refused = http.put("/admin/settings", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] in {"invalid_zone", "invalid_request"}
    assert problem in refused.text
    assert store.settings("lahore").zones == [CANAL_ZONE]


def test_a_valid_polygon_zone_is_saved_as_a_new_version(store):
    http = signed_in_client(
        "admin_api", "amina", Group.ADMIN, {versioned_settings: store, user_repository: MemoryUsers()}
    )
    body = {**store.settings("lahore").model_dump(mode="json")}
    body["zones"].append({"zone_id": "l", "name": "L", "area": L_SHAPE})
    saved = http.put("/admin/settings", json=body)
    assert saved.status_code == 200, saved.text
    assert [zone.zone_id for zone in store.settings("lahore").zones] == ["canal", "l"]
    assert store.versions["lahore"] == 1


def test_citizens_list_their_own_citys_zones(store):
    store.save("karachi", TenantSettings(zones=[ZoneSettings(zone_id="port", name="Port", area=L_SHAPE)]))
    http = signed_in_client("community_api", "alice", Group.CITIZEN, {tenant_repository: store})
    listed = http.get("/zones")
    assert listed.status_code == 200
    assert [(zone["zone_id"], zone["name"], zone["area"]["type"]) for zone in listed.json()] == [
        ("canal", "Canal", "Polygon")
    ]


def test_subscribing_to_or_alerting_a_zone_the_city_has_not_set_is_not_found(store):
    community = MemoryCommunity()
    with pytest.raises(ZoneNotFound):
        subscribe_to_zone(community, store, "lahore", "nowhere", "alice")
    with pytest.raises(ZoneNotFound):
        broadcast_alert(community, store, "karachi", "canal", "closed", "info", "amina")
    subscribe_to_zone(community, store, "lahore", "canal", "alice")
    assert community.subscriptions == {("lahore", "canal", "alice")} and community.alerts == []


def test_the_alert_routes_answer_404_for_a_zone_the_city_has_not_set(store):
    community = MemoryCommunity()
    ports = {community_repository: community, tenant_repository: store, user_repository: MemoryUsers()}
    admin = signed_in_client("admin_api", "amina", Group.ADMIN, ports)
    refused = admin.post("/admin/alerts", json={"zone": "nowhere", "message": "Road closed"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "zone_not_found")
    assert community.alerts == []
    sent = admin.post("/admin/alerts", json={"zone": "canal", "message": "Road closed"})
    assert sent.status_code == 201, sent.text
    assert community.alerts == [("lahore", "canal", "Road closed")]


def test_zones_too_large_to_store_or_sharing_an_id_are_refused():
    ring = [[74.0 + i / 1000, 31.0 + (i % 2) / 1000] for i in range(498)] + [[74.0, 31.5], [74.0, 31.0]]
    big = {"type": "Polygon", "coordinates": [ring]}
    with pytest.raises(ValueError, match="5000 positions together"):
        TenantSettings(zones=[ZoneSettings(zone_id=f"z{i}", name="Z", area=big) for i in range(11)])
    with pytest.raises(ValueError, match="at most 500 positions"):
        ZoneSettings(zone_id="huge", name="Huge", area={"type": "Polygon", "coordinates": [ring[:-1] + ring]})
    with pytest.raises(ValueError, match="same zone_id"):
        TenantSettings(zones=[CANAL_ZONE, CANAL_ZONE])
