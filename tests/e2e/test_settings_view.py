"""An admin sets the city up in the dashboard's Settings view, in a real headless Chromium against `ecopulse local`:
a reward rate, a new category, the service area and a zone drawn on the map, the API's refusal of a zone that
crosses itself, and the change in the settings' history. The city is the test's own, so it passes alone and in any
order."""

import re

import pytest

from tests.e2e.conftest import ADMIN

pytest.importorskip("playwright.sync_api", reason="the e2e suite drives Chromium with the playwright package")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.slow
expect.set_options(timeout=20_000)

# Corners clicked on the map, in pixels of its box: a square, then the same corners in an order that crosses itself.
SERVICE_AREA = [(60, 40), (560, 40), (560, 300), (60, 300)]
SQUARE = [(200, 100), (400, 100), (400, 240), (200, 240)]
BOW_TIE = [(200, 100), (400, 240), (400, 100), (200, 240)]


def draw(page, corners: list[tuple[int, int]]) -> None:
    for x, y in corners:
        page.locator("#settings-map").click(position={"x": x, "y": y})
    page.get_by_role("button", name="Finish shape").click()


def test_an_admin_changes_rewards_adds_a_category_draws_a_zone_and_reads_the_change_in_the_history(
    open_page, seeder, shoot, accessible
):
    seeder.change_settings(display_name="Settings city")
    page = open_page("settings")
    expect(page.get_by_label("City name")).to_have_value("Settings city")

    page.get_by_label("Reward per cleanup (tokens)").fill("25")
    page.get_by_role("button", name="Add a category").click()
    added = page.locator("#category-rows tr").last
    added.get_by_label(re.compile("^Code of category")).fill("tyres")
    added.get_by_label(re.compile("^Name of category")).fill("Dumped tyres")
    added.get_by_label(re.compile("^Service code of category")).fill("TYRES")
    added.get_by_label(re.compile("^Reward of category")).fill("7")
    added.get_by_label(re.compile(r"^Photo required \(category")).check()

    page.get_by_role("button", name="Draw the service area").click()
    draw(page, SERVICE_AREA)
    expect(page.locator("#service-area-summary")).to_have_text("Service area: 4 corners.")
    page.get_by_role("button", name="Add a zone").click()
    zone = page.locator("#zone-rows tr").last
    zone.get_by_label(re.compile("^Id of zone")).fill("market")
    zone.get_by_label(re.compile("^Name of zone")).fill("Market square")
    draw(page, SQUARE)
    expect(zone.locator(".corners")).to_have_text("4")

    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#settings-status")).to_have_text(re.compile(r"^Saved as version 2\."))
    saved = seeder.call("GET", "/admin/settings", seeder.admin).json()
    assert saved["reward_per_task"]["cleanup"] == 25
    tyres = next(category for category in saved["categories"] if category["code"] == "tyres")
    assert (tyres["name"], tyres["service_code"], tyres["reward"], tyres["photo_required"]) == (
        "Dumped tyres", "TYRES", 7, True,
    )  # fmt: skip
    (market,) = saved["zones"]
    assert (market["zone_id"], market["name"], market["area"]["type"]) == ("market", "Market square", "Polygon")
    ring = market["area"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1], "four corners, the ring closed"
    lngs, lats = {position[0] for position in ring}, {position[1] for position in ring}
    assert len(lngs) == len(lats) == 2, "a square on screen is a lng/lat rectangle"
    assert all(abs(lng - 74.36) < 0.2 and abs(lat - 31.52) < 0.2 for lng, lat in ring), "[lng, lat] around Lahore"
    assert saved["service_area"]["type"] == "Polygon"

    page.reload()
    expect(page.get_by_label("Reward per cleanup (tokens)")).to_have_value("25")
    expect(page.locator('#category-rows tr[data-category="tyres"] input').first).to_have_value("tyres")
    expect(page.locator('#zone-rows tr[data-zone="market"] .corners')).to_have_text("4")
    expect(page.locator("#service-area-summary")).to_have_text("Service area: 4 corners.")

    # The form refuses what it can tell is wrong before asking the API.
    page.get_by_label("Daily reward cap (tokens a citizen)").fill("1.5")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#settings-status")).to_have_text(
        "Not saved: Daily reward cap (tokens a citizen) is a whole number."
    )
    page.get_by_label("Daily reward cap (tokens a citizen)").fill("100")

    # A zone that crosses itself: the drawing says which sides cross and keeps the shape open to fix.
    page.locator('#zone-rows tr[data-zone="market"]').get_by_role("button", name=re.compile("^Redraw zone")).click()
    draw(page, BOW_TIE)
    status = page.locator("#draw-status")
    expect(status).to_have_text(
        "The shape crosses itself: the side from corner 1 to 2 meets the side from corner 3 to 4."
    )
    expect(status).to_have_class(re.compile("error"))
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator('#zone-rows tr[data-zone="market"] .corners')).to_have_text("4")

    page.reload()
    change = page.locator('#history-rows tr[data-version="2"]', has_text="reward per task")
    expect(change).to_contain_text('"cleanup":10')
    expect(change).to_contain_text('"cleanup":25')
    expect(page.locator('#history-rows tr[data-version="2"] .author')).to_have_text(re.compile(rf"^{ADMIN}.* \(you\)$"))
    expect(page.locator('#history-rows tr[data-version="2"]', has_text="zones")).to_contain_text("Market square")
    shoot(page, "settings")
    accessible(page)


def test_an_admin_draws_and_edits_the_service_area_by_keyboard_alone(open_page, seeder, accessible):
    """No mouse: the corners are typed, or added where the focused map's centre is after moving it with the arrow
    keys; a shape that crosses itself is refused with the sides that cross."""
    page = open_page("settings")
    expect(page.locator("#service-area-summary")).to_have_text(re.compile("^No service area"))
    page.get_by_role("button", name="Draw the service area").focus()
    page.keyboard.press("Enter")
    corners = page.get_by_label("Corners, one “latitude, longitude” a line")
    corners.focus()
    page.keyboard.type("31.50, 74.30\n31.50, 74.40\n31.60, 74.30\n31.60, 74.40")
    page.get_by_role("button", name="Finish shape").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#draw-status")).to_have_text(
        "The shape crosses itself: the side from corner 2 to 3 meets the side from corner 4 to 1."
    )
    corners.fill("")
    corners.focus()
    page.keyboard.type("31.50, 74.30\n31.50, 74.40\n31.60, 74.40")
    # The fourth corner from the map: focused, moved with the arrow keys, Enter adds its centre.
    page.locator("#settings-map").focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    expect(corners).to_have_value(re.compile(r"^(.+\n){3}[0-9.]+, [0-9.]+$"))
    page.get_by_role("button", name="Finish shape").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#service-area-summary")).to_have_text("Service area: 4 corners.")
    accessible(page)

    page.get_by_role("button", name="Edit the service area's corners").focus()
    page.keyboard.press("Enter")
    typed = corners.input_value().splitlines()
    assert typed[:3] == ["31.500000, 74.300000", "31.500000, 74.400000", "31.600000, 74.400000"]
    corners.fill("\n".join([*typed[:3], "31.600000, 74.300000"]))
    page.get_by_role("button", name="Finish shape").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Save settings").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#settings-status")).to_have_text(re.compile(r"^Saved as version \d+\."))
    area = seeder.call("GET", "/admin/settings", seeder.admin).json()["service_area"]
    assert (area["type"], area["coordinates"]) == (
        "Polygon", [[[74.3, 31.5], [74.4, 31.5], [74.4, 31.6], [74.3, 31.6], [74.3, 31.5]]],
    )  # fmt: skip
