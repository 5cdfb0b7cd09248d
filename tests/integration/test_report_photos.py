"""Report photos through the running `ecopulse local`: a real litter photo uploaded with the form the API hands out
is verified and copied by the verify function, its verdict reaches the report whether the report is filed before or
after it, the links to its copies open without any EXIF, and Open311's media_url resolves to the picture."""

import io

import httpx
import pytest
from PIL import Image

from tests.integration.conftest import TENANT
from tests.integration.photos import LAHORE, littered_scene
from tests.support import wait_until


@pytest.fixture(scope="module")
def city(local_system):
    """The city has saved its settings: Open311 answers for it."""
    admin = local_system.bearer("amina", "admin", TENANT)
    settings = httpx.get(local_system.api + "/admin/settings", headers=admin, timeout=60).json()
    assert httpx.put(local_system.api + "/admin/settings", json=settings, headers=admin, timeout=60).status_code == 200
    return local_system


def citizen(system, user: str = "alice") -> dict[str, str]:
    return system.bearer(user, "citizen", TENANT)


def upload_form(system) -> dict:
    answer = httpx.post(
        system.api + "/uploads", json={"content_type": "image/jpeg"}, headers=citizen(system), timeout=60
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def post(form: dict, body: bytes) -> None:
    posted = httpx.post(
        form["url"], data=form["fields"], files={"file": ("report.jpg", body, "image/jpeg")}, timeout=60
    )
    assert posted.status_code in (200, 204), posted.text


def file_report(system, photo_key: str) -> dict:
    body = {"waste_type": "organic", "lat": LAHORE.lat, "lng": LAHORE.lng, "photo_keys": [photo_key]}
    answer = httpx.post(system.api + "/reports", json=body, headers=citizen(system), timeout=60)
    assert answer.status_code == 201, answer.text
    return answer.json()


def settled(system, report_id: str) -> dict:
    """The report once its photo's verdict has reached it."""

    def read() -> dict | None:
        report = httpx.get(f"{system.api}/reports/{report_id}", headers=citizen(system), timeout=60).json()
        return report if report["photos"][0]["status"] != "pending" else None

    return wait_until(read, timeout=60)


def jpeg_without_exif(link: str) -> Image.Image:
    fetched = httpx.get(link, follow_redirects=True, timeout=60)
    assert fetched.status_code == 200, fetched.text
    image = Image.open(io.BytesIO(fetched.content))
    assert image.format == "JPEG" and not image.getexif() and b"Exif\0" not in fetched.content
    return image


def test_a_photo_uploaded_before_its_report_is_verified_copied_and_shown_on_it(city):
    photo = littered_scene()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825), "the original carries its GPS position"
    form = upload_form(city)
    post(form, photo)
    report = settled(city, file_report(city, form["key"])["report_id"])
    [shown] = report["photos"]
    assert (shown["status"], shown["ai_type"], report["ai_type"]) == ("verified", "organic", "organic")
    assert 0 < shown["ai_confidence"] == report["ai_confidence"] <= 1
    assert shown["original_url"] is None and form["key"] not in shown["thumbnail_url"]
    assert max(jpeg_without_exif(shown["thumbnail_url"]).size) == 320

    # Open311: a link that stays valid leads anyone to the display copy.
    request = httpx.get(f"{city.api}/open311/{TENANT}/v2/requests/{report['report_id']}.json", timeout=60).json()[0]
    assert request["media_url"].endswith(f"/open311/{TENANT}/v2/requests/{report['report_id']}/photo")
    assert httpx.get(request["media_url"], timeout=60).status_code == 302
    assert jpeg_without_exif(request["media_url"]).size == Image.open(io.BytesIO(photo)).size


def test_a_report_filed_before_its_photo_arrives_shows_the_verdict_once_the_photo_is_verified(city):
    form = upload_form(city)
    filed = file_report(city, form["key"])
    assert (filed["photos"][0]["status"], filed["ai_type"]) == ("pending", None)
    post(form, littered_scene())
    report = settled(city, filed["report_id"])
    assert (report["photos"][0]["status"], report["ai_type"]) == ("verified", "organic")
    assert max(jpeg_without_exif(report["photos"][0]["display_url"]).size) <= 1280


def test_a_file_that_is_not_a_photo_shows_as_refused_and_the_report_stands(city):
    form = upload_form(city)
    post(form, b"\xff\xd8\xff\xe0 a JPEG header and nothing else" + bytes(200))
    report = settled(city, file_report(city, form["key"])["report_id"])
    [shown] = report["photos"]
    assert (shown["status"], shown["thumbnail_url"], report["status"]) == ("refused", None, "submitted")
    assert shown["reasons"]
    request = httpx.get(f"{city.api}/open311/{TENANT}/v2/requests/{report['report_id']}.json", timeout=60).json()[0]
    assert request["media_url"] is None
