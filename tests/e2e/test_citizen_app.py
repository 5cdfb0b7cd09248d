"""A citizen uses the app on a phone, in a real headless Chromium against `ecopulse local`: a phone's viewport and
touch, the device's position, and the file chooser standing in for the camera. Each test has a city of its own,
seeds it through the public API (every call checked) and opens its own browser context, so it passes alone and in
any order."""

import io
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy
import pytest
from PIL import Image

from tests.e2e.seed import CENTRE, Seeder
from tests.integration.photos import SERVICE_AREA, honest_pair, littered_scene
from tests.support import wait_until

pytest.importorskip("playwright.sync_api", reason="the e2e suite drives Chromium with the playwright package")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.slow
expect.set_options(timeout=20_000)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "app" / "screenshots"
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "geolocation": {"latitude": CENTRE[0], "longitude": CENTRE[1]},
    "permissions": ["geolocation"],
}
TOKEN_KEY = "ecopulse.app.id_token"


@pytest.fixture
def tenant() -> str:
    return f"city-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def seeder(dashboard, tenant) -> Seeder:
    return Seeder(dashboard.api, dashboard.token, tenant, "amina")


@pytest.fixture
def phone(browser):
    """A phone's browser context; ``phone(token)`` opens one signed in with that ID token."""
    contexts = []

    def open_context(token: str | None = None, **options):
        context = browser.new_context(**{**PHONE, **options})
        contexts.append(context)
        if token:
            context.add_init_script(f"localStorage.setItem('{TOKEN_KEY}', '{token}')")
        return context

    yield open_context
    for context in contexts:
        context.close()


def shoot(page, name: str) -> None:
    """A test artifact; with ECOPULSE_UPDATE_SCREENSHOTS=1 also the README's picture of the screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"app-{name}.png", full_page=True)
    if os.environ.get("ECOPULSE_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png")


def take_photo(page, label: str, photo: bytes, name: str = "photo.jpg") -> None:
    """Taps the camera button; the file chooser stands in for the camera."""
    with page.expect_file_chooser() as chooser:
        page.get_by_text(label, exact=True).tap()
    chooser.value.set_files(files=[{"name": name, "mimeType": "image/jpeg", "buffer": photo}])


def open_app(context, app: str, screen: str = "report"):
    page = context.new_page()
    page.goto(f"{app}/#/{screen}")
    expect(page.locator("#city-name")).to_be_visible()
    return page


def my_reports(seeder: Seeder, citizen: str) -> list[dict]:
    return seeder.call("GET", "/me/reports", citizen).json()["items"]


def test_a_resident_signs_up_in_an_open_city_and_signs_in(phone, dashboard, seeder, tenant, accessible):
    seeder.change_settings(signups="open")
    email = f"sara-{uuid.uuid4().hex[:6]}@example.org"
    page = phone().new_page()
    page.goto(dashboard.app + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Your city").select_option(tenant)
    expect(page.get_by_label("Invite code")).to_be_hidden()  # an open city asks for none
    expect(page.locator("#tabs")).to_be_hidden()
    shoot(page, "sign-in-en")
    accessible(page)

    page.get_by_label("E-mail").nth(1).fill(email)
    page.get_by_label("Password").nth(1).fill("Correct-Horse-42")
    page.get_by_role("button", name="Create account").tap()
    expect(page.get_by_role("status").first).to_contain_text(f"We sent a code to {email}")
    mail = wait_until(lambda: httpx.get(f"{dashboard.app}/local-auth/outbox", params={"to": email}).json(), timeout=20)
    code = re.search(r"\b(\d{4,8})\b", mail[-1]["body"]).group(1)
    page.get_by_label("Confirmation code").fill(code)
    page.get_by_role("button", name="Confirm and sign in").tap()

    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
    expect(page.locator("#city-name")).to_have_text(tenant)
    expect(page.get_by_role("navigation", name="Screens")).to_be_visible()
    assert page.evaluate(f"localStorage.getItem('{TOKEN_KEY}')"), "the app stays signed in when reopened offline"


def test_a_report_made_offline_is_sent_exactly_once_when_the_network_returns(phone, dashboard, seeder, accessible):
    citizen = seeder.citizen()
    context = phone(citizen)
    page = open_app(context, dashboard.app)
    filed = []
    page.on(
        "request",
        lambda request: (
            request.method == "POST"
            and request.url == f"{dashboard.api}/reports"
            and filed.append(request.headers["idempotency-key"])
        ),
    )
    expect(page.get_by_label("Latitude")).to_have_value(f"{CENTRE[0]:.6f}")

    take_photo(page, "Take a photo", littered_scene())
    expect(page.locator(".photo-field img.preview")).to_be_visible()
    page.get_by_label("What is it?").select_option("organic")
    page.get_by_label("Description").fill("fruit dumped by the gate")
    shoot(page, "report-en")
    accessible(page)
    page.get_by_role("button", name="Send report").tap()
    expect(page.locator("#report-status")).to_have_text("Report sent. Thank you!")
    assert page.locator("#report-progress").evaluate("bar => bar.value") == 1, "the upload's progress reached the end"
    (online,) = my_reports(seeder, citizen)
    assert online["description"] == "fruit dumped by the gate"
    assert online["photo_keys"] and online["waste_type"] == "organic"

    page.wait_for_function("navigator.serviceWorker.controller !== null")  # the app shell is cached
    context.set_offline(True)
    take_photo(page, "Take a photo", littered_scene())
    page.get_by_label("What is it?").select_option("glass")
    page.get_by_label("Latitude").fill("31.5210")
    page.get_by_label("Description").fill("broken bottles under the bridge")
    page.get_by_role("button", name="Send report").tap()
    expect(page.locator("#report-status")).to_contain_text("You are offline")
    expect(page.locator("#outbox-line")).to_have_text("1 waiting to send")
    assert len(my_reports(seeder, citizen)) == 1
    page.reload()  # reopened offline: the service worker serves the app, IndexedDB still holds the report
    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
    expect(page.locator("#outbox-line")).to_have_text("1 waiting to send")

    context.set_offline(False)
    expect(page.locator("#outbox-line")).to_be_hidden()
    reports = wait_until(lambda: len(found := my_reports(seeder, citizen)) == 2 and found, timeout=20)
    queued = next(report for report in reports if report["description"] == "broken bottles under the bridge")
    assert queued["waste_type"] == "glass" and queued["lat"] == pytest.approx(31.521)
    assert queued["photo_keys"], "the photo kept offline went with it"
    assert len(filed) == len(set(filed)) == 2, "each report was posted once"

    page.reload()
    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
    page.evaluate("new Promise(resolve => setTimeout(resolve, 500))")
    assert len(my_reports(seeder, citizen)) == 2 and len(filed) == 2, "reopening the app sends nothing again"
    again = seeder.call(
        "POST",
        "/reports",
        citizen,
        headers={"Idempotency-Key": filed[1]},
        json={
            "waste_type": "glass",
            "lat": 31.521,
            "lng": CENTRE[1],
            "photo_keys": queued["photo_keys"],
            "description": "broken bottles under the bridge",
        },  # fmt: skip
    )
    assert again.json()["report_id"] == queued["report_id"], "a replay under the same key is the same report"
    assert len(my_reports(seeder, citizen)) == 2


# Notes the size of each photo the page posts to the photo store (a multipart body the browser's request log
# does not measure).
PHOTO_SIZES = """
const send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (body) {
  if (body instanceof FormData && body.get("file")) (window.photoSizes ??= []).push(body.get("file").size);
  return send.call(this, body);
};
"""


def test_a_large_photo_is_shrunk_on_the_phone_before_it_is_uploaded(phone, dashboard, seeder):
    citizen = seeder.citizen()
    context = phone(citizen)
    context.add_init_script(PHOTO_SIZES)
    page = open_app(context, dashboard.app)
    grain = numpy.random.default_rng(7).integers(0, 255, (3024, 4032, 3), dtype=numpy.uint8)
    buffer = io.BytesIO()
    Image.fromarray(grain).save(buffer, "JPEG", quality=90)
    taken = buffer.getvalue()
    assert len(taken) > 3_000_000, "a 12-MP phone photo"

    take_photo(page, "Take a photo", taken)
    page.get_by_role("button", name="Send report").tap()

    expect(page.locator("#report-status")).to_have_text("Report sent. Thank you!")
    (sent,) = page.evaluate("window.photoSizes")
    assert 100_000 < sent < len(taken) / 2, f"{sent} bytes sent for a photo of {len(taken)}"
    (report,) = my_reports(seeder, citizen)
    assert len(report["photo_keys"]) == 1


def test_a_cleanup_goes_from_before_to_after_and_its_reward_is_paid(phone, dashboard, seeder, accessible):
    seeder.change_settings(service_area=SERVICE_AREA, auto_approve_confidence=0.5)
    citizen = seeder.citizen()
    seeder.call("GET", "/me", citizen)
    seeder.call("PUT", "/me/wallet", citizen, json={"address": "0x" + uuid.uuid4().hex + uuid.uuid4().hex[:8]})
    page = open_app(phone(citizen), dashboard.app, "cleanup")
    expect(page.get_by_role("heading", name="Clean up a spot")).to_be_visible()
    before, after = honest_pair(datetime.now(UTC) + timedelta(seconds=5))
    take_photo(page, "Before: take a photo", before, "before.jpg")
    take_photo(page, "After: take a photo", after, "after.jpg")
    shoot(page, "cleanup-en")
    accessible(page)
    page.get_by_role("button", name="Send cleanup").tap()

    result = page.locator("#cleanup-result")
    expect(result.locator(".verdict-status")).to_have_text("Approved", timeout=90_000)
    expect(result.locator('[data-reward="paid"]')).to_contain_text("Reward of 10 points paid", timeout=90_000)
    tx = result.locator(".tx").inner_text()
    assert re.fullmatch(r"0x[0-9a-f]{64}", tx)
    (submission,) = seeder.call("GET", "/me/submissions", citizen).json()["items"]
    assert submission["mint_tx"] == tx and sorted(submission["photos"]) == ["after", "before"]
    accessible(page)


OLD_CITY = {
    "zone_id": "old-city",
    "name": "Old City",
    "area": {"type": "Polygon", "coordinates": [[[74.34, 31.5], [74.38, 31.5], [74.38, 31.54], [74.34, 31.5]]]},
}


def test_the_report_forms_pin_moves_the_position_and_mine_lists_the_citys_zones(phone, dashboard, seeder, accessible):
    seeder.change_settings(zones=[OLD_CITY])
    citizen = seeder.citizen()
    page = open_app(phone(citizen), dashboard.app)
    latitude, longitude = page.get_by_label("Latitude"), page.get_by_label("Longitude")
    expect(latitude).to_have_value(f"{CENTRE[0]:.6f}")
    pin = page.locator("#report-map .position-pin")
    expect(pin).to_be_visible()
    accessible(page)

    box = pin.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 60, steps=6)
    page.mouse.up()
    expect(latitude).not_to_have_value(f"{CENTRE[0]:.6f}")
    assert float(latitude.input_value()) > CENTRE[0], "dragged north, the latitude grows"

    pin.focus()
    page.keyboard.press("ArrowRight")
    assert float(longitude.input_value()) > CENTRE[1], "an arrow key moves the focused pin east"
    before_typing = pin.bounding_box()["y"]
    latitude.fill(f"{float(latitude.input_value()) + 0.0005:.6f}")  # about 55 m north: some 27 px at street zoom
    assert pin.bounding_box()["y"] < before_typing - 10, "a typed position moves the pin"

    page.goto(f"{dashboard.app}/#/mine")
    zone = page.locator('#alert-zones [data-zone="old-city"]')
    expect(zone).to_contain_text("Old City")
    zone.get_by_role("button", name="Subscribe to Old City").tap()
    expect(page.locator("#alerts-status")).to_have_text("You will get alerts for Old City.")
    expect(page.get_by_label("E-mail", exact=True)).to_be_checked()
    page.get_by_label("SMS", exact=True).check()
    page.get_by_role("button", name="Save notifications").tap()
    expect(page.locator("#preferences-status")).to_have_text("Give a mobile number for SMS.")
    page.get_by_label("Mobile number for SMS").fill("+923001234567")
    page.get_by_role("button", name="Save notifications").tap()
    expect(page.locator("#preferences-status")).to_have_text("Notifications saved.")
    saved = seeder.call("GET", "/me/preferences", citizen).json()
    assert (saved["sms"], saved["phone_number"]) == (True, "+923001234567")
    accessible(page)


def test_every_screen_reads_in_english_and_in_urdu_right_to_left(phone, dashboard, seeder, accessible):
    citizen = seeder.citizen()
    seeder.report(citizen, "plastic", 0.0, "bags by the canal")
    starts = datetime.now(UTC) + timedelta(days=1)
    seeder.call("POST", "/events", seeder.admin, json={
        "title": "Canal clean-up", "lat": CENTRE[0], "lng": CENTRE[1], "capacity": 30, "bonus_points": 5,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()})  # fmt: skip
    page = open_app(phone(citizen), dashboard.app)
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["en", "ltr"]
    checks = {
        "report": ("Report a problem", "مسئلے کی رپورٹ کریں"),
        "cleanup": ("Clean up a spot", "کسی جگہ کی صفائی کریں"),
        "mine": ("Mine", "میرا"),
        "events": ("Community cleanups", "اجتماعی صفائیاں"),
        "leaderboard": ("Ranking", "درجہ بندی"),
    }
    ready = {"mine": "#wallet-title", "events": ".item", "leaderboard": "#leaderboard-status"}
    for language, index in (("en", 0), ("ur", 1)):
        if language == "ur":
            page.get_by_label("Language").select_option("ur")
            assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ur", "rtl"]
        for screen, headings in checks.items():
            page.goto(f"{dashboard.app}/#/{screen}")
            expect(page.get_by_role("heading", name=headings[index], exact=True)).to_be_visible()
            if screen in ready:
                expect(page.locator(ready[screen]).first).to_be_attached()
            shoot(page, f"{screen}-{language}")
            accessible(page)
        if language == "ur":
            brand = page.locator(".brand").bounding_box()
            assert brand["x"] > 390 / 2, "the header mirrors: the name stands on the right"
            tab = page.locator(".tabs a").first.bounding_box()
            assert tab["x"] > 390 / 2, "the first tab is on the right"
    page.reload()
    expect(page.get_by_role("heading", name="درجہ بندی", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.dir") == "rtl", "the choice is remembered"


def test_a_resident_opens_one_of_their_reports_and_reads_its_timeline_in_both_languages(
    phone, dashboard, seeder, accessible
):
    """The report's own screen, as Mine's link opens it (the link itself is a unit test of Mine's list)."""
    citizen = seeder.citizen()
    report = seeder.report(citizen, "glass", 0.0, "broken bottles by the bus stop")
    seeder.call("POST", f"/admin/reports/{report}/status", seeder.admin, json={
        "status": "verified", "reason": "seen on the morning round"})  # fmt: skip
    page = open_app(phone(citizen), dashboard.app, f"mine/{report}")

    expect(page.get_by_role("heading", name="My report: Glass")).to_be_visible()
    expect(page.locator("#my-report-figures")).to_contain_text("broken bottles by the bus stop")
    steps = page.locator("#my-report-timeline li")
    expect(steps).to_have_count(2)
    expect(steps.first).to_contain_text("Filed · you")
    expect(steps.last).to_contain_text("Verified · the city")
    expect(steps.last).to_contain_text("seen on the morning round")
    expect(page.locator(".tabs a[aria-current=page]")).to_have_text("Mine")
    shoot(page, "my-report-en")
    accessible(page)

    page.get_by_label("Language").select_option("ur")
    expect(page.get_by_role("heading", name="میری رپورٹ: شیشہ")).to_be_visible()
    expect(steps.last).to_contain_text("تصدیق شدہ · شہر کی انتظامیہ")
    accessible(page)
    page.get_by_role("link", name="واپس: میرا").tap()
    expect(page.get_by_role("heading", name="میرا", exact=True)).to_be_visible()


def test_a_resident_reads_the_citys_comment_answers_and_reopens_then_confirms_a_resolved_report(
    phone, dashboard, seeder, accessible
):
    citizen = seeder.citizen()
    report = seeder.report(citizen, "plastic", 0.0, "bags by the canal")
    admin = seeder.admin
    seeder.call("POST", f"/reports/{report}/comments", admin, json={"text": "a crew comes on Monday"})
    seeder.call("POST", f"/reports/{report}/comments", admin, json={"text": "staff only", "internal": True})
    seeder.call("POST", f"/admin/reports/{report}/status", admin, json={"status": "resolved", "reason": "cleared"})
    page = open_app(phone(citizen), dashboard.app, f"mine/{report}")

    comments = page.locator("#my-report-timeline li.comment")
    expect(comments).to_have_count(1)
    expect(comments.first).to_contain_text("a crew comes on Monday")
    expect(page.get_by_role("heading", name="Is it fixed?")).to_be_visible()
    page.get_by_label("Your comment").fill("thank you!")
    page.get_by_role("button", name="Send comment").tap()
    expect(page.locator("#my-report-status")).to_have_text("Comment sent.")
    expect(comments.last).to_contain_text("thank you!")
    expect(comments.last).to_contain_text("Comment · you")

    page.get_by_role("button", name="No, reopen it").tap()
    expect(page.locator("#fixed-status")).to_have_text("Say what is still there before reopening.")
    page.get_by_label("What is still there?").fill("half the bags are still there")
    page.get_by_role("button", name="No, reopen it").tap()
    expect(page.locator("#my-report-status")).to_have_text("The report is open again: the city will look at it.")
    expect(page.locator("#my-report-figures")).to_contain_text("Verified")
    expect(page.locator("#fixed-card")).to_have_count(0)
    expect(page.locator("#my-report-timeline li").last).to_contain_text("half the bags are still there")
    assert seeder.call("GET", f"/reports/{report}", admin).json()["status"] == "verified"
    accessible(page)

    seeder.call("POST", f"/admin/reports/{report}/status", admin, json={"status": "resolved", "reason": "all gone"})
    page.reload()
    page.get_by_role("button", name="Yes, it is fixed").tap()
    expect(page.locator("#my-report-status")).to_have_text("Thank you: the report is closed as fixed.")
    expect(page.locator("#my-report-figures")).to_contain_text("Fixed: confirmed")
    shoot(page, "my-report-confirmed")
    assert seeder.call("GET", f"/reports/{report}", admin).json()["status"] == "confirmed"
