"""Report photos through the routes, in process: who gets which links (copies for whoever may see the photo, the
original for admins), what a pending or refused photo shows, and Open311's media_url with the public redirect
behind it. With the fakes of test_reports and report_photo_fakes."""

import xml.etree.ElementTree as ElementTree  # nosec B405  # parses the app's own answers in tests
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import report_photo_board, report_photo_links
from ecopulse.config import deployment
from ecopulse.report_photos import PhotoResult, PhotoStatus, publish
from ecopulse.reports import set_text_hidden
from ecopulse.tenants import TenantSettings
from tests.unit.report_photo_fakes import FakeLinks, MemoryBoard
from tests.unit.test_reports import CANAL, MemoryReports, MemoryTenants, client

UPLOAD_ID = "5d0c9a4e-0000-4000-8000-00000000000a"
PHOTO = f"uploads/lahore/alice/{UPLOAD_ID}/report.jpg"
OTHER_PHOTO = "uploads/lahore/alice/5d0c9a4e-0000-4000-8000-00000000000b/report.png"
BUCKET = "ecopulse-uploads"
VERIFIED = PhotoResult(PhotoStatus.VERIFIED, "v1", "etag", "plastic", 0.87, ("missing_exif",), 1)
REFUSED = PhotoResult(PhotoStatus.REFUSED, "v1", "etag", reasons=("content is not a JPEG, PNG, WebP or HEIC image",))


class ReportsBoard(MemoryBoard):
    """The board whose results reach the reports in memory, as the adapter writes them on the report item."""

    def __init__(self, reports: MemoryReports) -> None:
        super().__init__()
        self.memory = reports

    def show(self, tenant: str, report_id: str, photo_key: str, result: PhotoResult) -> None:
        super().show(tenant, report_id, photo_key, result)
        report = self.memory.reports.get((tenant, report_id))
        if report is not None:
            self.memory.reports[(tenant, report_id)] = report.with_photos(self.reports[report_id])


@pytest.fixture
def city(monkeypatch) -> Iterator[tuple[MemoryReports, MemoryTenants, ReportsBoard]]:
    monkeypatch.setenv("UPLOADS_BUCKET", BUCKET)
    deployment.cache_clear()
    reports, tenants = MemoryReports(), MemoryTenants()
    tenants.save("lahore", TenantSettings())
    yield reports, tenants, ReportsBoard(reports)
    deployment.cache_clear()


def as_(city, function: str = "reports_api", user: str = "alice", group: Group = Group.CITIZEN) -> TestClient:
    reports, tenants, board = city
    app_client = client(function, reports, tenants, user=user, group=group)
    app_client.app.dependency_overrides[report_photo_board] = lambda: board
    app_client.app.dependency_overrides[report_photo_links] = lambda: FakeLinks()
    return app_client


def file(city, *photo_keys: str) -> dict:
    answer = as_(city).post(
        "/reports", json={"waste_type": "plastic", "lat": CANAL[0], "lng": CANAL[1], "photo_keys": list(photo_keys)}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def link(key: str, version: str = "") -> str:
    return f"signed://{BUCKET}/{key}?v={version}&expires=900"


COPIES = {
    "thumbnail_url": link(f"copies/lahore/{UPLOAD_ID}/thumbnail.jpg"),
    "display_url": link(f"copies/lahore/{UPLOAD_ID}/display.jpg"),
}


def test_a_photo_verified_before_filing_shows_on_the_new_report_with_links_to_its_copies(city):
    publish(city[2], PHOTO, VERIFIED, {})
    report = file(city, PHOTO)
    assert (report["ai_type"], report["ai_confidence"]) == ("plastic", 0.87)
    assert report["photos"] == [
        {**COPIES, "original_url": None, "status": "verified", "ai_type": "plastic", "ai_confidence": 0.87,
         "reasons": ["missing_exif"]},
    ]  # fmt: skip
    assert as_(city).get(f"/reports/{report['report_id']}").json()["photos"] == report["photos"]


def test_a_photo_verified_after_filing_shows_on_the_report_once_verified(city):
    report = file(city, PHOTO, OTHER_PHOTO)
    assert [photo["status"] for photo in report["photos"]] == ["pending", "pending"]
    assert report["photos"][0]["thumbnail_url"] is None and report["ai_type"] is None
    publish(city[2], PHOTO, VERIFIED, {})
    read = as_(city).get(f"/reports/{report['report_id']}").json()
    assert [photo["status"] for photo in read["photos"]] == ["verified", "pending"]
    assert (read["ai_type"], read["ai_confidence"], read["photos"][0]["display_url"]) == (
        "plastic", 0.87, COPIES["display_url"],
    )  # fmt: skip


def test_a_refused_photo_shows_its_reason_to_the_reporter_and_nothing_to_others(city):
    publish(city[2], PHOTO, REFUSED, {})
    report_id = file(city, PHOTO)["report_id"]
    [mine] = as_(city).get(f"/reports/{report_id}").json()["photos"]
    assert (mine["status"], mine["thumbnail_url"], mine["reasons"]) == ("refused", None, list(REFUSED.reasons))
    assert as_(city, user="bob").get(f"/reports/{report_id}").json()["photos"] == []


def test_another_citizen_sees_the_copies_but_not_the_original_its_key_or_the_reasons(city):
    publish(city[2], PHOTO, VERIFIED, {})
    report_id = file(city, PHOTO)["report_id"]
    for seen in (
        as_(city, user="bob").get(f"/reports/{report_id}").json(),
        as_(city, user="bob").get("/reports").json()["items"][0],
        as_(city, user="bob").get("/reports/nearby", params={"lat": CANAL[0], "lng": CANAL[1]}).json()[0]["report"],
    ):
        assert seen["photo_keys"] == [] and seen["reporter_id"] is None
        assert seen["photos"] == [
            {**COPIES, "original_url": None, "status": "verified", "ai_type": "plastic", "ai_confidence": 0.87,
             "reasons": []},
        ]  # fmt: skip
        assert "alice" not in str(seen["photos"])


def test_an_admin_also_gets_the_original_as_verified_and_a_driver_does_not(city):
    publish(city[2], PHOTO, VERIFIED, {})
    report_id = file(city, PHOTO)["report_id"]
    [admin] = as_(city, user="amina", group=Group.ADMIN).get(f"/reports/{report_id}").json()["photos"]
    assert admin["original_url"] == link(PHOTO, "v1") and admin["thumbnail_url"] == COPIES["thumbnail_url"]
    [driver] = as_(city, user="dan", group=Group.DRIVER).get(f"/reports/{report_id}").json()["photos"]
    assert driver["original_url"] is None and driver["display_url"] == COPIES["display_url"]


def test_a_report_whose_text_staff_hid_hides_its_photos_from_all_but_reporter_and_staff(city):
    reports, tenants, board = city
    publish(board, PHOTO, VERIFIED, {})
    report_id = file(city, PHOTO)["report_id"]
    set_text_hidden(reports, "lahore", report_id, True, "amina", "a face in the photo")
    assert as_(city, user="bob").get(f"/reports/{report_id}").json()["photos"] == []
    assert len(as_(city).get(f"/reports/{report_id}").json()["photos"]) == 1
    assert len(as_(city, user="amina", group=Group.ADMIN).get(f"/reports/{report_id}").json()["photos"]) == 1


def test_my_reports_show_their_photos(city):
    publish(city[2], PHOTO, VERIFIED, {})
    file(city, PHOTO)
    [mine] = as_(city, "me_api").get("/me/reports").json()["items"]
    assert mine["photos"][0]["thumbnail_url"] == COPIES["thumbnail_url"]


# --- Open311 ---------------------------------------------------------------------------------------------------


def test_open311_media_url_leads_anyone_to_a_fresh_link_to_the_display_copy(city):
    publish(city[2], PHOTO, VERIFIED, {})
    with_photo, without = file(city, PHOTO)["report_id"], file(city)["report_id"]
    public = as_(city, "open311_api", user="anyone")
    requests = {r["service_request_id"]: r for r in public.get("/open311/lahore/v2/requests.json").json()}
    media_url = f"http://testserver/open311/lahore/v2/requests/{with_photo}/photo"
    assert (requests[with_photo]["media_url"], requests[without]["media_url"]) == (media_url, None)
    assert public.get(f"/open311/lahore/v2/requests/{with_photo}.json").json()[0]["media_url"] == media_url
    root = ElementTree.fromstring(public.get("/open311/lahore/v2/requests.xml").text)  # nosec B314
    media = {r.findtext("service_request_id"): r.find("media_url") for r in root.findall("request")}
    assert (media[with_photo].text, media[without] is not None, media[without].text) == (media_url, True, None)
    redirect = public.get(media_url, follow_redirects=False)
    assert redirect.status_code == 302 and redirect.headers["location"] == COPIES["display_url"]
    assert redirect.headers["cache-control"] == "public, max-age=300"


def test_open311_photo_of_a_request_without_one_to_show_is_the_specs_404(city):
    reports, _, board = city
    publish(board, PHOTO, VERIFIED, {})
    publish(board, OTHER_PHOTO, REFUSED, {})
    hidden, refused, bare = (
        file(city, PHOTO)["report_id"],
        file(city, OTHER_PHOTO)["report_id"],
        file(city)["report_id"],
    )
    set_text_hidden(reports, "lahore", hidden, True, "amina", "a face in the photo")
    public = as_(city, "open311_api", user="anyone")
    for path in (
        f"/open311/lahore/v2/requests/{hidden}/photo",
        f"/open311/lahore/v2/requests/{refused}/photo",
        f"/open311/lahore/v2/requests/{bare}/photo",
        "/open311/lahore/v2/requests/no-such-request/photo",
        f"/open311/karachi/v2/requests/{bare}/photo",
    ):
        answer = public.get(path, follow_redirects=False)
        assert answer.status_code == 404, path
        assert [list(error) for error in answer.json()] == [["code", "description"]]
