"""An admin runs a city's cleanup operation in the dashboard, in a real headless Chromium against
`ecopulse local`: review queue, map, analytics and fleet, with data seeded through the public API."""

import re

import pytest

from tests.e2e.seed import Seeder
from tests.support import wait_until

pytest.importorskip("playwright.sync_api", reason="the e2e suite drives Chromium with the playwright package")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.slow

TENANT = "lahore"
ADMIN = "amina"


@pytest.fixture(scope="module")
def seeder(dashboard):
    return Seeder(dashboard.api, dashboard.token)


@pytest.fixture(scope="module")
def admin_token(dashboard, seeder):
    token = dashboard.token(ADMIN, "admin", TENANT)
    seeder.force_human_review(token)
    return token


@pytest.fixture(scope="module")
def reports(seeder, admin_token):
    citizen = seeder.citizen(TENANT)
    kinds = [("plastic", "bags by the canal"), ("glass", "broken bottles"), ("organic", "market leftovers"),
             ("mixed", "dumped sacks"), ("e_waste", "old monitors")]  # fmt: skip
    return [seeder.report(citizen, kind, index * 0.0015, text) for index, (kind, text) in enumerate(kinds)]


@pytest.fixture(scope="module")
def page(browser, dashboard, admin_token, reports, shoot):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(dashboard.url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("User").fill(ADMIN)
    page.get_by_label("Tenant (city)").fill(TENANT)
    shoot(page, "login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#tenant-name")).to_have_text(TENANT)
    yield page
    context.close()


def queue_item(page, submission_id: str):
    return page.locator(f'.queue-item[data-id="{submission_id}"]')


def test_the_queue_updates_without_a_reload_and_an_approval_finishes_the_workflow(page, seeder, shoot):
    citizen = seeder.citizen(TENANT)
    first = seeder.queued_submission(citizen)
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(queue_item(page, first)).to_be_visible(timeout=10_000)

    second = seeder.queued_submission(seeder.citizen(TENANT))
    expect(queue_item(page, second)).to_be_visible(timeout=10_000)
    ids = page.locator(".queue-item").evaluate_all("items => items.map(item => item.dataset.id)")
    assert ids.index(first) < ids.index(second), "oldest first"

    queue_item(page, first).click()
    detail = page.locator("#queue-detail")
    expect(detail).to_contain_text(f"uploads/{TENANT}/")
    expect(detail.locator("#verdict-confidence")).to_have_text(re.compile(r"\d+\.\d %"))
    expect(detail.locator("#evidence-decision")).to_contain_text("The evidence model said review")
    expect(detail.locator("#failed-checks")).to_contain_text("no verified before photo")
    expect(detail.locator(".labels li").first).to_be_visible()
    expect(detail.get_by_role("table", name="Fraud and quality signals")).to_contain_text("near duplicate")
    photo = detail.get_by_role("img", name=re.compile(r"after photo of submission"))
    expect(photo).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    assert photo.evaluate("img => img.naturalWidth") > 100, "the private photo loads through its signed link"
    shoot(page, "review-queue")

    page.keyboard.press("a")
    expect(page.get_by_role("status").last).to_contain_text(f"Approved {first[:8]}")
    expect(queue_item(page, first)).to_have_count(0)
    expect(page.locator("#queue-updated")).to_contain_text("updated", timeout=10_000)

    approved = wait_until(
        lambda: (s := seeder.call("GET", f"/submissions/{first}", citizen).json())["status"] == "approved" and s,
        timeout=40,
    )
    assert approved["reward"] == 10
    ledger = wait_until(lambda: seeder.call("GET", "/me/ledger", citizen).json()["items"], timeout=30)
    assert ledger[0]["amount"] == 10

    queue_item(page, second).click()
    original = detail.get_by_role("img", name=f"earlier photo of submission {first}")
    expect(original).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=original.element_handle())
    expect(detail.get_by_role("list", name="The citizen's submissions")).to_contain_text("0 approved, 0 rejected")


def test_a_rejection_needs_a_reason_and_reaches_the_citizen(page, seeder, shoot):
    citizen = seeder.citizen(TENANT)
    submission_id = seeder.queued_submission(citizen)
    expect(queue_item(page, submission_id)).to_be_visible(timeout=10_000)
    page.set_viewport_size({"width": 820, "height": 1180})
    queue_item(page, submission_id).click()
    shoot(page, "review-queue-tablet")
    page.set_viewport_size({"width": 1280, "height": 860})

    page.keyboard.press("r")
    expect(page.get_by_role("status").last).to_contain_text("Type a reason")
    expect(page.get_by_label("Reason (required to reject)")).to_be_focused()
    page.get_by_label("Reason (required to reject)").fill("the bags are still there")
    page.get_by_role("button", name="Reject (r)").click()
    expect(queue_item(page, submission_id)).to_have_count(0)

    rejected = wait_until(
        lambda: (
            (s := seeder.call("GET", f"/submissions/{submission_id}", citizen).json())["status"] == "rejected" and s
        ),
        timeout=30,
    )
    assert rejected["rejection_reason"] == "the bags are still there"


def test_the_map_shows_reports_by_status_and_waste_type_with_zones_and_a_heat_grid(
    page, seeder, admin_token, reports, shoot
):
    settings = seeder.call("GET", "/admin/settings", admin_token).json()
    old_city = {"zone_id": "old-city", "name": "Old City", "min_lat": 31.50, "min_lng": 74.34,
                "max_lat": 31.54, "max_lng": 74.38}  # fmt: skip
    seeder.call("PUT", "/admin/settings", admin_token, json={**settings, "zones": [old_city]})
    page.get_by_role("link", name="Map").click()
    expect(page.get_by_role("heading", name="Map of reports")).to_be_visible()
    expect(page.locator("#map-count")).to_have_text(f"{len(reports)} of {len(reports)} reports shown")
    expect(page.locator(".report-marker")).to_have_count(len(reports))
    expect(page.locator("path.zone")).to_have_count(1)
    page.get_by_label("Heatmap (reports per ~1 km cell)").check()
    assert page.locator("path.heat-cell").count() >= 1
    shoot(page, "map")
    page.get_by_label("Heatmap (reports per ~1 km cell)").uncheck()

    page.get_by_label("glass").uncheck()
    expect(page.locator("#map-count")).to_have_text(f"{len(reports) - 1} of {len(reports)} reports shown")
    page.get_by_label("glass").check()
    page.get_by_label("Status").select_option("resolved")
    expect(page.locator("#map-count")).to_have_text("0 of 0 reports shown")
    page.get_by_label("Status").select_option("")
    expect(page.locator("#map-count")).to_have_text(f"{len(reports)} of {len(reports)} reports shown")


def test_analytics_show_the_counters_and_a_daily_chart(page, shoot):
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Analytics")).to_be_visible()
    expect(page.locator("#kpi-reports")).to_have_text(re.compile(r"[1-9]\d*"))
    expect(page.locator("#kpi-submissions")).to_have_text(re.compile(r"[1-9]\d*"))
    page.get_by_role("button", name="Show").click()
    wait_until(lambda: page.evaluate("document.getElementById('daily-chart').width") > 0)
    expect(page.get_by_role("table", name="By zone (all time)")).to_contain_text("Old City")
    shoot(page, "analytics")


def test_a_report_is_dispatched_to_a_new_truck(page, seeder, admin_token, reports, shoot):
    page.get_by_role("link", name="Fleet").click()
    expect(page.get_by_role("heading", name="Fleet", exact=True)).to_be_visible()
    page.get_by_label("Vehicle id (letters, digits, dashes)").fill("truck-7")
    page.get_by_label("Name").fill("Truck 7")
    page.get_by_label("Plate").fill("LEA-1234")
    page.get_by_role("button", name="Add vehicle").click()
    row = page.locator('tr[data-vehicle="truck-7"]')
    expect(row).to_contain_text("Truck 7")
    expect(row.locator(".vehicle-status")).to_have_text("available")

    page.get_by_label("Open report").select_option(reports[0])
    page.get_by_label("Vehicle", exact=True).select_option("truck-7")
    page.get_by_label("Note for the crew").fill("bags along the canal bank")
    page.get_by_role("button", name="Dispatch").click()
    expect(page.get_by_role("status").last).to_contain_text("dispatched to truck-7")
    expect(row.locator(".vehicle-report")).to_contain_text(reports[0][:8])
    expect(row.locator(".vehicle-status")).to_have_text("assigned")
    shoot(page, "fleet")

    report = seeder.call("GET", f"/reports/{reports[0]}", admin_token).json()
    assert (report["status"], report["vehicle_id"]) == ("dispatched", "truck-7")

    row.get_by_role("button", name=f"Mark report {reports[0][:8]} resolved").click()
    expect(row.locator(".vehicle-status")).to_have_text("available")
    assert seeder.call("GET", f"/reports/{reports[0]}", admin_token).json()["status"] == "resolved"


def test_an_event_is_announced(page, shoot):
    page.get_by_role("link", name="Events").click()
    page.get_by_label("Title").fill("Canal bank cleanup")
    page.get_by_label("Starts (your local time)").fill("2030-03-01T08:00")
    page.get_by_label("Ends (your local time)").fill("2030-03-01T12:00")
    page.get_by_role("button", name="Announce").click()
    expect(page.get_by_role("table", name="Upcoming events")).to_contain_text("Canal bank cleanup")
    expect(page.locator("tr[data-event]").first).to_contain_text("0 / 50")
    shoot(page, "events")


def test_carbon_credits_are_reviewed_and_an_alert_reaches_the_zones_subscribers(page, seeder, shoot):
    citizen = seeder.citizen(TENANT)
    seeder.call("GET", "/me", citizen)
    seeder.call("PUT", "/me/alerts/old-city", citizen)
    request = seeder.call(
        "POST", "/carbon-credits", citizen, json={"organisation": "Ravi Textiles", "tonnes": 12, "price_per_tonne": 18}
    ).json()

    page.get_by_role("link", name="Community").click()
    row = page.locator(f'tr[data-request="{request["request_id"]}"]')
    expect(row).to_contain_text("Ravi Textiles")
    page.once("dialog", lambda dialog: dialog.accept("verified offsets"))
    row.get_by_role("button", name="Approve").click()
    expect(row).to_have_count(0)
    assert (
        seeder.call("GET", "/admin/carbon-credits?status=approved", seeder.token_for(ADMIN, "admin", TENANT)).json()[
            "items"
        ][0]["review_reason"]
        == "verified offsets"
    )

    page.get_by_label("Zone id").fill("old-city")
    page.get_by_label("Message").fill("Street sweeping on Mall Road tomorrow at 7")
    page.get_by_role("button", name="Send alert").click()
    expect(page.get_by_role("status").last).to_contain_text("Alert sent to 1 subscriber")
    inbox = seeder.call("GET", "/me/inbox", citizen).json()["items"]
    assert inbox[0]["body"] == "Street sweeping on Mall Road tomorrow at 7"
    me = seeder.call("GET", "/me", citizen).json()
    expect(page.get_by_role("table", name="Users of the city")).to_contain_text(me["email"])
    shoot(page, "community")
