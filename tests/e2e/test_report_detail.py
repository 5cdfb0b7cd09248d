"""An admin works a report from its detail in the dashboard, in a real headless Chromium against `ecopulse local`:
finds it in the reports list (sorted by priority, filtered), opens it, reads where it is and what is near it,
verifies, dispatches and resolves it with reasons that land in its timeline, comments publicly and internally, hides
its text and a comment's, and sees the API's message when a vehicle was taken meanwhile; a report's photo shows as
its thumbnail. Each test has a city of its own, seeds it through the public API (every call checked) and opens its
own page, so it passes alone and in any order."""

import re
import uuid

import httpx
import pytest

from tests.e2e.seed import CENTRE, Seeder
from tests.integration.photos import littered_scene
from tests.support import wait_until

pytest.importorskip("playwright.sync_api", reason="the e2e suite drives Chromium with the playwright package")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.slow
expect.set_options(timeout=20_000)


def filed(seeder: Seeder, citizen: str, waste_type: str, priority: str, offset: float, description: str) -> str:
    body = {
        "waste_type": waste_type,
        "lat": CENTRE[0] + offset,
        "lng": CENTRE[1] + offset,
        "description": description,
        "priority": priority,
    }
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    return seeder.call("POST", "/reports", citizen, json=body, headers=headers).json()["report_id"]


def truck(seeder: Seeder, vehicle_id: str) -> None:
    seeder.call("POST", "/fleet/vehicles", seeder.admin, json={"vehicle_id": vehicle_id, "name": f"Truck {vehicle_id}"})


def test_reports_are_listed_most_urgent_first_filtered_and_opened_from_the_list_and_the_map(
    open_page, seeder, shoot, accessible
):
    citizen = seeder.citizen()
    normal = filed(seeder, citizen, "plastic", "normal", 0.0, "bags by the canal")
    urgent = filed(seeder, citizen, "glass", "urgent", 0.001, "broken glass at the school gate")
    high = filed(seeder, citizen, "plastic", "high", 0.002, "sacks on Mall Road")
    page = open_page("reports")
    expect(page.locator("#reports-count")).to_have_text("3 of 3 reports")
    rows = page.locator("#report-rows tr")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-report") for i in range(3)] == [urgent, high, normal]

    page.get_by_label("Priority").select_option("high")
    expect(page.locator("#reports-count")).to_have_text("2 of 3 reports")
    page.get_by_label("Priority").select_option("")
    page.get_by_label("Category").select_option("plastic")
    expect(rows).to_have_count(2)
    page.get_by_label("Words in the description, address or id").fill("mall road")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-report", high)
    shoot(page, "reports")
    accessible(page)

    rows.first.get_by_role("link", name=high[:8]).click()
    expect(page.locator("#report-facts")).to_contain_text("sacks on Mall Road")
    expect(page).to_have_url(re.compile(f"#/reports/{high}$"))

    page.goto(page.url.split("#")[0] + "#/map")
    page.locator(f'#map-rows a[href="#/reports/{urgent}"]').click()
    expect(page.locator("#report-facts")).to_contain_text("broken glass at the school gate")
    expect(page.locator("#report-status-badge")).to_have_text("submitted")


def test_a_report_is_verified_dispatched_hidden_and_resolved_from_its_detail_with_its_history(
    open_page, seeder, shoot, accessible
):
    citizen, neighbour = seeder.citizen(), seeder.citizen()
    report = filed(seeder, citizen, "plastic", "high", 0.0, "call 0300 1234567 about the bags")
    twin = filed(seeder, neighbour, "plastic", "normal", 0.0003, "the same bags, seen from the bridge")
    truck(seeder, "truck-3")
    page = open_page(f"reports/{report}")

    facts = page.locator("#report-facts")
    expect(facts).to_contain_text("call 0300 1234567 about the bags")
    expect(page.locator("#report-map .report-marker")).to_have_count(1)
    expect(page.locator("#report-timeline li")).to_have_count(1)
    expect(page.locator("#report-timeline li").first).to_contain_text("created (submitted)")
    duplicate = page.locator(f'#nearby-list li[data-report="{twin}"]')
    expect(duplicate).to_contain_text("(same category)")
    expect(duplicate).to_contain_text("the same bags, seen from the bridge")
    expect(page.locator("#crew-none")).to_have_text("Not dispatched: no crew is on it.")

    # The twin is merged into the report shown, which stays: the master.
    duplicate.get_by_role("button", name=f"Merge {twin[:8]} into this report").click()
    expect(page.locator("#report-action-status")).to_have_text(f"Report {twin[:8]} is merged into this one.")
    expect(page.locator("#nearby-empty")).to_have_text("No other open report nearby.")
    expect(facts).to_contain_text("1 duplicate merged into it")
    merged = seeder.call("GET", f"/reports/{twin}", seeder.admin).json()
    assert (merged["status"], merged["merged_into"]) == ("duplicate", report)

    # Every change needs its reason, which the history keeps.
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#report-action-status")).to_have_text("Type a reason before you verify the report.")
    page.get_by_label("Reason (kept in the history)").fill("seen on the morning round")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#report-status-badge")).to_have_text("verified")
    expect(page.locator("#report-action-status")).to_have_text("Report verified.")
    timeline = page.locator("#report-timeline li")
    expect(timeline.last).to_contain_text("verified (submitted → verified): seen on the morning round")
    expect(page.get_by_role("button", name="Verify")).to_have_count(0)

    page.get_by_label("Reason (kept in the history)").fill("a phone number in the description")
    page.get_by_role("button", name="Hide the text").click()
    expect(page.locator("#report-action-status")).to_have_text("The text is hidden from citizens.")
    expect(facts).to_contain_text("hidden from citizens and Open311")
    assert seeder.call("GET", f"/reports/{report}", neighbour).json()["description"] is None

    # A public comment reaches the reporter; an internal one stays with staff.
    page.get_by_label("Comment", exact=True).fill("a crew comes on Monday")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#report-timeline-status")).to_have_text("Comment added: the reporter and followers see it.")
    page.get_by_label("Comment", exact=True).fill("the shopkeeper dumps here every week")
    page.get_by_label("Internal: for the city's staff only").check()
    page.get_by_role("button", name="Add comment").click()
    internal = page.locator("#report-timeline li.comment", has_text="the shopkeeper dumps here")
    expect(internal.locator(".badge.internal")).to_have_text("internal")
    seen = seeder.call("GET", f"/reports/{report}/timeline", citizen).json()["items"]
    assert [entry["text"] for entry in seen if entry["action"] == "commented"] == ["a crew comes on Monday"]

    page.get_by_label("Vehicle", exact=True).select_option("truck-3")
    page.get_by_label("Note for the crew").fill("bring sacks")
    page.get_by_role("button", name="Dispatch", exact=True).click()
    expect(page.locator("#report-status-badge")).to_have_text("dispatched")
    expect(facts).to_contain_text("truck-3")
    steps = page.locator("#job-steps li")
    expect(steps.first).to_have_text("done: Dispatched to a vehicle (Truck truck-3, no driver assigned)")
    expect(page.locator("#job-steps li.done")).to_have_count(1)
    expect(timeline.last).to_contain_text("dispatched (verified → dispatched): bring sacks")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "report-detail")
    accessible(page)

    public = page.locator("#report-timeline li.comment", has_text="a crew comes on Monday")
    page.get_by_label("Reason (kept in the history)").fill("promised a date we cannot keep")
    public.get_by_role("button", name="Hide the comment").click()
    expect(page.locator("#report-timeline-status")).to_have_text("The comment is hidden from citizens.")
    expect(public.locator(".badge.warn")).to_have_text("hidden from citizens")
    seen = seeder.call("GET", f"/reports/{report}/timeline", citizen).json()["items"]
    assert [entry["text"] for entry in seen if entry["action"] == "commented"] == [None]

    page.get_by_label("Reason (kept in the history)").fill("cleared by truck 3")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#report-status-badge")).to_have_text("resolved")
    expect(page.locator("#report-actions")).to_contain_text("closed, nothing more to do")
    expect(page.get_by_role("button", name="Reject")).to_have_count(0)
    expect(steps.last).to_have_text("done: Report resolved")
    stored = seeder.call("GET", f"/reports/{report}", seeder.admin).json()
    assert (stored["status"], stored["text_hidden"]) == ("resolved", True)
    vehicle = seeder.call("GET", "/fleet/vehicles", seeder.admin).json()["items"][0]
    assert vehicle["status"] == "available", "resolving frees the truck"


def test_a_vehicle_taken_meanwhile_shows_the_apis_message_by_the_dispatch(open_page, seeder):
    citizen = seeder.citizen()
    first = filed(seeder, citizen, "mixed", "normal", 0.0, "dumped sacks")
    second = filed(seeder, citizen, "mixed", "normal", 0.01, "more sacks")
    truck(seeder, "truck-9")
    page = open_page(f"reports/{first}")
    page.get_by_label("Vehicle", exact=True).select_option("truck-9")
    seeder.call("POST", f"/admin/reports/{second}/dispatch", seeder.admin, json={"vehicle_id": "truck-9"})

    page.get_by_role("button", name="Dispatch", exact=True).click()
    status = page.locator("#report-action-status")
    expect(status).to_have_text("the vehicle is not available")
    expect(status).to_have_class(re.compile("error"))
    assert seeder.call("GET", f"/reports/{first}", seeder.admin).json()["status"] == "submitted"


def test_a_reports_photo_shows_as_a_thumbnail_with_what_the_verifier_saw(open_page, seeder):
    citizen = seeder.citizen()
    form = seeder.call("POST", "/uploads", citizen, json={"content_type": "image/jpeg"}).json()
    photo = {"file": ("report.jpg", littered_scene(), "image/jpeg")}
    upload = httpx.post(form["url"], data=form["fields"], files=photo)
    assert upload.status_code in (200, 204), upload.text
    body = {"waste_type": "plastic", "lat": CENTRE[0], "lng": CENTRE[1], "photo_keys": [form["key"]]}
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    report = seeder.call("POST", "/reports", citizen, json=body, headers=headers).json()["report_id"]

    def verified() -> bool:
        photos = seeder.call("GET", f"/reports/{report}", seeder.admin).json()["photos"]
        return bool(photos) and photos[0]["thumbnail_url"] is not None

    wait_until(verified, timeout=60)
    page = open_page(f"reports/{report}")
    thumbnail = page.get_by_role("img", name="photo 1 of the report")
    expect(thumbnail).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", thumbnail.element_handle()) > 0, "the signed link serves the copy"
    expect(page.locator("#report-photos")).to_contain_text("Photo 1:")
