"""Privacy by default, in process: who sees a report as filed and who sees it rounded, with the in-memory ports of
test_reports injected into the report, me, admin and Open311 routes."""

from datetime import UTC, datetime, timedelta

import pytest

from ecopulse import geo
from ecopulse.api.auth import Group
from ecopulse.privacy import (
    PUBLIC,
    Audience,
    Viewer,
    audience_of,
    hour_window,
    report_history,
    reports_nearby,
    view_report,
)
from ecopulse.reports import ReportNotFound, file_report, set_text_hidden
from ecopulse.tenants import TenantSettings
from tests.unit.test_reports import ALICES_PHOTO, OLD_TOWN, START, MemoryReports, MemoryTenants, client

# Where alice stood, to the tenth of a metre, and the place anyone else is shown.
PLACE = (31.520449, 74.358512)
SHOWN = (31.52, 74.359)
ALICE, BOB, STAFF = Viewer("alice"), Viewer("bob"), Viewer("amina", staff=True)


class ClockedReports(MemoryReports):
    """The first report is filed at 09:17:30, each later change a minute after the one before."""

    def _now(self) -> datetime:
        return super()._now() + timedelta(minutes=17, seconds=30)


@pytest.fixture
def reports() -> MemoryReports:
    return ClockedReports()


@pytest.fixture
def tenants() -> MemoryTenants:
    tenants = MemoryTenants()
    tenants.save("lahore", TenantSettings(zones=[OLD_TOWN]))
    return tenants


def alices_report(reports: MemoryReports, tenants: MemoryTenants, lat: float = PLACE[0], lng: float = PLACE[1]):
    return file_report(
        reports, tenants, "lahore", "alice", "plastic", lat, lng,
        description="bags by my gate, call 0300-1234567", address="12 Canal Road", photo_keys=[ALICES_PHOTO],
    )  # fmt: skip


# --- the rules -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "audience"),
    [(ALICE, Audience.REPORTER), (STAFF, Audience.STAFF), (BOB, Audience.CITIZEN), (PUBLIC, Audience.PUBLIC)],
    ids=["the reporter", "staff", "another citizen", "the public"],
)
def test_who_is_looking_decides_the_audience(reports, tenants, viewer, audience):
    assert audience_of(alices_report(reports, tenants), viewer) is audience


def test_a_driver_is_staff_even_when_they_filed_the_report(reports, tenants):
    report = alices_report(reports, tenants)
    assert audience_of(report, Viewer("alice", staff=True)) is Audience.STAFF


@pytest.mark.parametrize("viewer", [ALICE, STAFF], ids=["the reporter", "staff"])
def test_the_reporter_and_staff_see_the_report_as_filed(reports, tenants, viewer):
    report = alices_report(reports, tenants)
    view = view_report(report, viewer)
    assert (view.reporter_id, (view.lat, view.lng), view.photo_keys, view.exact) == (
        "alice", PLACE, (ALICES_PHOTO,), True,
    )  # fmt: skip
    assert (view.created_at, view.updated_at, view.geohash) == (report.created_at, report.updated_at, report.geohash)
    assert (view.created_at.minute, view.created_at.second) == (17, 30)


@pytest.mark.parametrize("viewer", [BOB, PUBLIC], ids=["another citizen", "the public"])
def test_anyone_else_sees_no_reporter_no_photos_and_a_rounded_place_and_hour(reports, tenants, viewer):
    report = alices_report(reports, tenants)
    view = view_report(report, viewer)
    assert (view.reporter_id, (view.lat, view.lng), view.photo_keys, view.exact) == (None, SHOWN, (), False)
    assert view.created_at == view.updated_at == datetime(2026, 12, 6, 9, 0, tzinfo=UTC) != report.created_at
    assert view.geohash == geo.geohash(*SHOWN, geo.HEAT_PRECISION)
    assert geo.distance_m(*PLACE, view.lat, view.lng) < 80
    assert view.description == report.description and view.address == report.address


def test_hidden_text_shows_to_staff_only(reports, tenants):
    report = alices_report(reports, tenants)
    hidden = set_text_hidden(reports, "lahore", report.report_id, True, "amina", "a phone number")
    assert view_report(hidden, STAFF).description == report.description
    for viewer in (ALICE, BOB, PUBLIC):
        view = view_report(hidden, viewer)
        assert (view.description, view.address, view.text_hidden) == (None, None, True)
    shown = set_text_hidden(reports, "lahore", report.report_id, False, "amina", "number removed by phone")
    assert view_report(shown, BOB).description == report.description


def test_hiding_text_is_recorded_once_and_only_in_the_reports_city(reports, tenants):
    report = alices_report(reports, tenants)
    set_text_hidden(reports, "lahore", report.report_id, True, "amina", "a phone number")
    again = set_text_hidden(reports, "lahore", report.report_id, True, "amina", "still")
    assert again.text_hidden is True
    trail = [(entry.action, entry.actor, entry.reason) for entry in reports.history("lahore", report.report_id)]
    assert trail == [("created", "alice", None), ("text_hidden", "amina", "a phone number")]
    with pytest.raises(ReportNotFound):
        set_text_hidden(reports, "karachi", report.report_id, False, "omar", "mine now")
    assert reports.get("lahore", report.report_id).text_hidden is True


# Along a meridian from these reports: 0.002° of latitude is 222.4 m, 0.0024° is 266.9 m, 0.0028° is 311.4 m.
QUERY = (31.5224, 74.36)


def test_nearby_measures_others_to_the_rounded_place_and_keeps_them_by_it(reports, tenants):
    inside_truly = alices_report(reports, tenants, 31.5204, 74.36)  # shown at 31.520: 266.9 m from the query
    outside_truly = alices_report(reports, tenants, 31.5196, 74.36)  # 311.4 m away, shown at 31.520 too

    def found(viewer: Viewer, radius_m: float) -> list[tuple[str, float]]:
        listed = reports_nearby(reports, "lahore", viewer, *QUERY, radius_m, 10)
        return [(view.report_id, round(distance, 1)) for view, distance in listed]

    assert found(STAFF, 240) == [(inside_truly.report_id, 222.4)]
    assert found(BOB, 240) == []
    assert sorted(found(BOB, 280)) == sorted([(inside_truly.report_id, 266.9), (outside_truly.report_id, 266.9)])
    assert found(STAFF, 280) == [(inside_truly.report_id, 222.4)]
    assert found(ALICE, 240) == [(inside_truly.report_id, 222.4)]


def test_the_history_names_roles_and_hours_to_anyone_but_the_reporter_and_staff(reports, tenants):
    report = alices_report(reports, tenants)
    set_text_hidden(reports, "lahore", report.report_id, True, "amina", "a phone number")
    exact = [(entry.actor, entry.at.minute) for entry in report_history(reports, "lahore", report.report_id, ALICE)]
    assert exact == [("alice", 17), ("amina", 19)]
    assert report_history(reports, "lahore", report.report_id, STAFF) == reports.history("lahore", report.report_id)
    rounded = [(entry.actor, entry.at.minute, entry.action) for entry in
               report_history(reports, "lahore", report.report_id, BOB)]  # fmt: skip
    assert rounded == [("reporter", 0, "created"), ("staff", 0, "text_hidden")]


def test_an_hour_window_holds_whole_hours():
    first, last = hour_window(datetime(2026, 12, 6, 9, 41, 7, tzinfo=UTC), datetime(2026, 12, 6, 11, 5, tzinfo=UTC))
    assert (first, last) == (
        datetime(2026, 12, 6, 9, tzinfo=UTC),
        datetime(2026, 12, 6, 11, 59, 59, 999999, tzinfo=UTC),
    )


# --- the routes ------------------------------------------------------------------------------------------------


def test_another_citizen_reads_no_reporter_and_rounded_places_on_every_report_route(reports, tenants):
    report = alices_report(reports, tenants)
    bob = client("reports_api", reports, tenants, user="bob")
    answers = [
        bob.get(f"/reports/{report.report_id}"),
        bob.get("/reports"),
        bob.get("/reports/nearby", params={"lat": PLACE[0], "lng": PLACE[1], "radius_m": 500}),
        bob.get(f"/reports/{report.report_id}/history"),
        bob.post(f"/reports/{report.report_id}/votes", json={"agrees": True}),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
        assert "alice" not in answer.text and str(PLACE[0]) not in answer.text and ":17:30" not in answer.text
    seen = answers[0].json()
    assert (seen["reporter_id"], seen["lat"], seen["lng"], seen["photo_keys"], seen["exact"]) == (
        None, *SHOWN, [], False,
    )  # fmt: skip
    assert seen["created_at"] == "2026-12-06T09:00:00Z"
    assert answers[2].json()[0]["distance_m"] == round(geo.distance_m(*PLACE, *SHOWN), 1)


@pytest.mark.parametrize(
    ("function", "user", "group", "path"),
    [
        ("reports_api", "alice", Group.CITIZEN, "/reports/{id}"),
        ("me_api", "alice", Group.CITIZEN, "/me/reports"),
        ("reports_api", "dara", Group.DRIVER, "/reports/{id}"),
        ("reports_api", "amina", Group.ADMIN, "/reports/{id}"),
    ],
    ids=["the reporter", "the reporter's own list", "a driver", "an admin"],
)
def test_the_reporter_and_staff_read_the_report_as_filed(reports, tenants, function, user, group, path):
    report = alices_report(reports, tenants)
    answer = client(function, reports, tenants, user=user, group=group).get(path.format(id=report.report_id))
    assert answer.status_code == 200, answer.text
    seen = answer.json()["items"][0] if "items" in answer.json() else answer.json()
    assert (seen["reporter_id"], seen["lat"], seen["lng"], seen["photo_keys"], seen["exact"]) == (
        "alice", *PLACE, [ALICES_PHOTO], True,
    )  # fmt: skip
    assert seen["created_at"] == "2026-12-06T09:17:30Z"


def test_open311_publishes_rounded_places_hours_and_no_hidden_text(reports, tenants):
    report = alices_report(reports, tenants)
    public = client("open311_api", reports, tenants)
    listed = public.get("/open311/lahore/v2/requests.json", params={"start_date": START.isoformat()}).json()
    assert [(r["lat"], r["long"], r["requested_datetime"], r["description"]) for r in listed] == [
        (*SHOWN, "2026-12-06T09:00:00+00:00", report.description),
    ]
    assert "alice" not in public.get("/open311/lahore/v2/requests.json").text
    set_text_hidden(reports, "lahore", report.report_id, True, "amina", "a phone number")
    got = public.get(f"/open311/lahore/v2/requests/{report.report_id}.json").json()
    assert (got[0]["description"], got[0]["address"], got[0]["lat"]) == (None, None, SHOWN[0])
    xml = public.get(f"/open311/lahore/v2/requests/{report.report_id}.xml").text
    assert "0300" not in xml and "Canal Road" not in xml and "<lat>31.52</lat>" in xml


def test_open311_windows_take_whole_hours_so_they_cannot_find_the_minute(reports, tenants):
    report = alices_report(reports, tenants)  # filed at 09:17:30
    public = client("open311_api", reports, tenants)

    def listed(start: str, end: str) -> list[str]:
        answer = public.get("/open311/lahore/v2/requests.json", params={"start_date": start, "end_date": end})
        return [r["service_request_id"] for r in answer.json()]

    assert listed("2026-12-06T09:30:00Z", "2026-12-06T10:00:00Z") == [report.report_id]
    assert listed("2026-12-06T08:00:00Z", "2026-12-06T09:10:00Z") == [report.report_id]
    assert listed("2026-12-06T10:00:00Z", "2026-12-06T11:00:00Z") == []


def test_an_admin_hides_and_shows_a_reports_text_and_others_may_not(reports, tenants):
    report = alices_report(reports, tenants)
    admin = client("admin_api", reports, tenants, user="amina", group=Group.ADMIN)
    url = f"/admin/reports/{report.report_id}/visibility"
    hidden = admin.put(url, json={"text_hidden": True, "reason": "a phone number"})
    assert hidden.status_code == 200, hidden.text
    assert (hidden.json()["text_hidden"], hidden.json()["description"]) == (True, report.description)
    bob = client("reports_api", reports, tenants, user="bob").get(f"/reports/{report.report_id}").json()
    assert (bob["text_hidden"], bob["description"], bob["address"]) == (True, None, None)
    for refused, status in [
        (client("admin_api", reports, tenants, user="alice"), 403),
        (client("admin_api", reports, tenants, user="dara", group=Group.DRIVER), 403),
        (client("admin_api", reports, tenants, user="omar", group=Group.ADMIN, tenant="karachi"), 404),
    ]:
        answer = refused.put(url, json={"text_hidden": False, "reason": "let me"})
        assert answer.status_code == status, answer.text
    assert reports.get("lahore", report.report_id).text_hidden is True
    assert admin.put(url, json={"text_hidden": False, "reason": "number removed"}).json()["text_hidden"] is False
    assert admin.put(url, json={"text_hidden": True}).status_code == 422
