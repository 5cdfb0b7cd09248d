"""An admin runs a city's cleanup operation in the dashboard, in a real headless Chromium against
`ecopulse local`: review queue, map, analytics, fleet, events and community. Each test has a city of its own, seeds
it through the public API (every call checked) and opens its own page, so it passes alone and in any order."""

import re
import uuid

import pytest

from tests.e2e.conftest import ADMIN
from tests.support import wait_until

pytest.importorskip("playwright.sync_api", reason="the e2e suite drives Chromium with the playwright package")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.slow
# A view's first call may start its function cold, on a machine running the whole system: waits are generous.
expect.set_options(timeout=20_000)


def queue_item(page, submission_id: str):
    return page.locator(f'.queue-item[data-id="{submission_id}"]')


def test_an_admin_signs_in_with_their_city(browser, dashboard, tenant, shoot, accessible):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(dashboard.url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("User").fill(ADMIN)
    page.get_by_label("Tenant (city)").fill(tenant)
    shoot(page, "login")
    accessible(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#tenant-name")).to_have_text(tenant)
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.get_by_text("Nothing waits for review.")).to_be_visible()
    context.close()


def test_the_queue_updates_without_a_reload_and_an_approval_finishes_the_workflow(open_page, seeder, shoot, accessible):
    seeder.force_human_review()
    citizen = seeder.citizen()
    first = seeder.queued_submission(citizen)
    page = open_page("queue")
    expect(queue_item(page, first)).to_be_visible()

    second = seeder.queued_submission(seeder.citizen())
    expect(queue_item(page, second)).to_be_visible()
    ids = page.locator(".queue-item").evaluate_all("items => items.map(item => item.dataset.id)")
    assert ids == [first, second], "oldest first"

    queue_item(page, first).click()
    detail = page.locator("#queue-detail")
    expect(detail).to_contain_text(f"uploads/{seeder.tenant}/")
    expect(detail.locator("#verdict-confidence")).to_have_text(re.compile(r"\d+\.\d %"))
    expect(detail.locator("#evidence-decision")).to_contain_text("The evidence model said review")
    expect(detail.locator("#failed-checks")).to_contain_text("no verified before photo")
    expect(detail.locator(".labels li").first).to_be_visible()
    expect(detail.get_by_role("table", name="Fraud and quality signals")).to_contain_text("near duplicate")
    photo = detail.get_by_role("img", name=re.compile(r"after photo of submission"))
    expect(photo).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    assert photo.evaluate("img => img.naturalWidth") > 100, "the private photo loads through its signed link"
    asked_again = []
    page.on(
        "request",
        lambda request: (
            "/admin/" in request.url and "/review-queue" not in request.url and asked_again.append(request.url)
        ),
    )
    shown = photo.element_handle()
    last_poll = page.locator("#queue-updated").inner_text()
    expect(page.locator("#queue-updated")).not_to_have_text(last_poll)
    assert shown.evaluate("img => img.isConnected"), "a poll that changed nothing keeps the photo on screen"
    assert asked_again == [], "nor asks for its links or the citizen's history again"
    shoot(page, "review-queue")
    accessible(page)

    page.keyboard.press("a")
    expect(page.locator("#decision-status")).to_contain_text(f"Approved {first[:8]}")
    expect(queue_item(page, first)).to_have_count(0)
    expect(page.locator("#queue-updated")).to_contain_text("1 waiting")

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

    page.get_by_role("link", name="Community").click()
    username = seeder.call("GET", "/me", citizen).json()["username"]
    leader = page.get_by_role("table", name="Citizens by points earned").locator("tbody tr").first
    expect(leader).to_have_text(re.compile(rf"^1\s*{re.escape(username)}\s*10$"))
    page.get_by_label("Period").select_option("week")
    expect(leader).to_have_text(re.compile(rf"^1\s*{re.escape(username)}\s*10$"))


def test_a_rejection_needs_a_reason_and_reaches_the_citizen(open_page, seeder, shoot, accessible):
    seeder.force_human_review()
    citizen = seeder.citizen()
    submission_id = seeder.queued_submission(citizen)
    page = open_page("queue")
    page.set_viewport_size({"width": 820, "height": 1180})
    queue_item(page, submission_id).click()
    shoot(page, "review-queue-tablet")
    accessible(page)
    page.set_viewport_size({"width": 1280, "height": 860})

    page.keyboard.press("r")
    expect(page.locator("#decision-status")).to_contain_text("Type a reason")
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


def test_a_decision_another_admin_took_first_shows_the_apis_message_by_the_decision(open_page, seeder):
    seeder.force_human_review()
    submission_id = seeder.queued_submission(seeder.citizen())
    page = open_page("queue", paused=True)
    queue_item(page, submission_id).click()
    # The queue stops polling: it shows the submission as it first loaded, as a page does between two polls.
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    colleague = seeder.token_for("bilal", "admin", seeder.tenant)
    seeder.call(
        "POST",
        f"/admin/submissions/{submission_id}/decision",
        colleague,
        json={"outcome": "rejected", "reason": "the same bags as last week"},
    )

    page.keyboard.press("a")

    message = page.locator("#queue-detail form").get_by_role("status")
    expect(message).to_contain_text("the submission was decided otherwise or is not in review")
    expect(message).to_have_class(re.compile(r"\berror\b"))
    expect(queue_item(page, submission_id)).to_be_visible()


OLD_CITY = {
    "zone_id": "old-city",
    "name": "Old City",
    "area": {
        "type": "Polygon",
        "coordinates": [[[74.34, 31.5], [74.38, 31.5], [74.38, 31.54], [74.34, 31.54], [74.34, 31.5]]],
    },
}


def test_the_map_shows_reports_by_status_and_waste_type_with_zones_and_a_heat_grid(
    open_page, seeder, shoot, accessible
):
    reports = seeder.counted(seeder.reports())
    canal_bank = {
        "type": "Polygon",
        "coordinates": [[[74.3, 31.48], [74.42, 31.48], [74.42, 31.58], [74.3, 31.58], [74.3, 31.48]]],
    }
    seeder.change_settings(zones=[OLD_CITY], service_area=canal_bank)
    page = open_page("map")
    expect(page.get_by_role("heading", name="Map of reports")).to_be_visible()
    expect(page.locator("#map-count")).to_have_text(f"{len(reports)} of {len(reports)} reports shown")
    expect(page.locator(".report-marker")).to_have_count(len(reports))
    expect(page.locator("path.zone")).to_have_count(1)
    expect(page.locator("path.service-area")).to_have_count(1)
    # Offline, the base map is the bundled atlas: Pakistan's land, and its border with India east of Lahore.
    expect(page.locator(".leaflet-base-pane path")).to_have_count(2)
    page.get_by_label("Heatmap (reports per ~1 km cell)").check()
    assert page.locator("path.heat-cell").count() >= 1
    shoot(page, "map")
    accessible(page)
    page.get_by_label("Heatmap (reports per ~1 km cell)").uncheck()

    page.get_by_label("glass").uncheck()
    expect(page.locator("#map-count")).to_have_text(f"{len(reports) - 1} of {len(reports)} reports shown")
    page.get_by_label("glass").check()
    page.get_by_label("Status").select_option("resolved")
    expect(page.locator("#map-count")).to_have_text("0 of 0 reports shown")
    page.get_by_label("Status").select_option("")
    expect(page.locator("#map-count")).to_have_text(f"{len(reports)} of {len(reports)} reports shown")


def test_the_forecast_shades_the_zones_and_suggests_tomorrows_dispatch(open_page, seeder, dashboard, shoot, accessible):
    seeder.change_settings(zones=[OLD_CITY])
    page = open_page("forecast")
    expect(page.get_by_role("heading", name="Forecast")).to_be_visible()
    expect(page.locator("#forecast-headline")).to_contain_text("No forecast yet")

    reports = seeder.counted(seeder.reports())  # the forecast reads the counts the stream's aggregator keeps
    summary = dashboard.run_scheduled("ForecastFunction", {"tenants": [seeder.tenant]})
    assert summary["insufficient_history"] == {seeder.tenant: 1}, "a city of today's reports has no history yet"
    page.reload()
    expect(page.locator("#forecast-headline")).to_contain_text("1 zone has none (less than 4 weeks of reports)")
    expect(page.locator("path.forecast-zone")).to_have_count(1)
    dispatch = page.get_by_role("table", name=re.compile("Tomorrow's suggested dispatch"))
    expect(dispatch.locator("tbody tr")).to_have_count(1)
    expect(dispatch.locator("tbody tr")).to_contain_text(f"1Old City—{len(reports)}{len(reports)}.0")
    expect(page.locator("#forecast-zones")).to_contain_text("no forecast (0 days of reports; 28 needed)")
    shoot(page, "forecast")
    accessible(page)


def test_analytics_show_the_counters_and_a_daily_chart(open_page, seeder, shoot, accessible):
    reports = seeder.counted(seeder.reports())
    seeder.change_settings(zones=[OLD_CITY])
    page = open_page("analytics")
    expect(page.get_by_role("heading", name="Analytics")).to_be_visible()
    expect(page.locator("#kpi-reports")).to_have_text(str(len(reports)))
    expect(page.locator("#kpi-submissions")).to_have_text("0")
    page.get_by_role("button", name="Show").click()
    wait_until(lambda: page.evaluate("document.getElementById('daily-chart').width") > 0)
    expect(page.get_by_role("table", name="By zone (all time)")).to_contain_text("Old City")
    shoot(page, "analytics")
    accessible(page)


def test_a_report_is_dispatched_to_a_new_truck_and_a_taken_vehicle_id_is_refused(open_page, seeder, shoot, accessible):
    reports = seeder.reports()
    page = open_page("fleet")
    expect(page.get_by_role("heading", name="Fleet", exact=True)).to_be_visible()
    page.get_by_label("Vehicle id (letters, digits, dashes)").fill("truck-7")
    page.get_by_label("Name").fill("Truck 7")
    page.get_by_label("Plate").fill("LEA-1234")
    page.get_by_role("button", name="Add vehicle").click()
    row = page.locator('tr[data-vehicle="truck-7"]')
    expect(row).to_contain_text("Truck 7")
    expect(row.locator(".vehicle-status")).to_have_text("available")

    page.get_by_label("Vehicle id (letters, digits, dashes)").fill("truck-7")
    page.get_by_label("Name").fill("Another truck 7")
    page.get_by_role("button", name="Add vehicle").click()
    expect(page.locator("#vehicle-form-status")).to_have_text("the city has a vehicle with this id already")

    page.get_by_label("Open report").select_option(reports[0])
    page.get_by_label("Vehicle", exact=True).select_option("truck-7")
    page.get_by_label("Note for the crew").fill("bags along the canal bank")
    page.get_by_role("button", name="Dispatch").click()
    expect(page.locator("#dispatch-form-status")).to_contain_text("dispatched to truck-7")
    expect(row.locator(".vehicle-report")).to_contain_text(reports[0][:8])
    expect(row.locator(".vehicle-status")).to_have_text("assigned")
    shoot(page, "fleet")
    accessible(page)

    report = seeder.call("GET", f"/reports/{reports[0]}", seeder.admin).json()
    assert (report["status"], report["vehicle_id"]) == ("dispatched", "truck-7")

    row.get_by_role("button", name=f"Mark report {reports[0][:8]} resolved").click()
    expect(row.locator(".vehicle-status")).to_have_text("available")
    assert seeder.call("GET", f"/reports/{reports[0]}", seeder.admin).json()["status"] == "resolved"


def test_an_event_is_announced_and_shows_who_comes(open_page, seeder, shoot, accessible):
    page = open_page("events")
    page.get_by_label("Title").fill("Canal bank cleanup")
    page.get_by_label("Starts (your local time)").fill("2030-03-01T08:00")
    page.get_by_label("Ends (your local time)").fill("2030-03-01T12:00")
    page.get_by_role("button", name="Announce").click()
    expect(page.locator("#event-form-status")).to_have_text("Announced Canal bank cleanup.")
    row = page.locator("tr[data-event]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Canal bank cleanup")
    expect(row).to_contain_text("0 / 50")

    citizen = seeder.citizen()
    username = seeder.call("GET", "/me", citizen).json()["username"]
    seeder.call("POST", f"/events/{row.get_attribute('data-event')}/join", citizen)
    page.get_by_role("button", name="Attendees of Canal bank cleanup").click()
    expect(page.locator("#attendee-list")).to_have_text(f"{username} has not checked in")
    shoot(page, "events")
    accessible(page)


def test_the_model_card_shows_who_decides_and_the_false_approval_target(open_page, seeder, shoot, accessible):
    seeder.change_settings(verifier_false_approval_target=0.05)
    page = open_page("model")
    expect(page.get_by_role("heading", name="Model card")).to_be_visible()
    expect(page.locator("#model-standing")).to_contain_text("No learned head is in force")
    facts = page.locator("#model-facts")
    expect(facts).to_contain_text("False-approval target5.0 %")
    expect(facts).to_contain_text("Reviewer decisions so far0 (0 approved, 0 rejected)")
    expect(page.get_by_role("table", name="Promotions, newest first")).to_contain_text("No head has been promoted yet.")
    shoot(page, "model-card")
    accessible(page)


def test_an_alert_reaches_the_zones_subscribers(open_page, seeder, shoot, accessible):
    seeder.change_settings(zones=[OLD_CITY])
    citizen = seeder.citizen()
    me = seeder.call("GET", "/me", citizen).json()
    assert seeder.call("PUT", "/me/alerts/old-city", citizen).status_code == 204

    page = open_page("community")
    page.get_by_label("Zone id").fill("old-city")
    page.get_by_label("Message").fill("Street sweeping on Mall Road tomorrow at 7")
    page.get_by_role("button", name="Send alert").click()
    expect(page.locator("#alert-form-status")).to_have_text("Alert sent to 1 subscriber.")
    inbox = seeder.call("GET", "/me/inbox", citizen).json()["items"]
    assert inbox[0]["body"] == "Street sweeping on Mall Road tomorrow at 7"
    expect(page.get_by_role("table", name="Users of the city")).to_contain_text(me["email"])
    shoot(page, "community")
    accessible(page)


def test_an_impact_credit_request_is_rejected_with_its_reason(open_page, seeder, shoot, accessible):
    sponsor = seeder.token_for(f"sponsor-{uuid.uuid4().hex[:8]}", "sponsor", seeder.tenant)
    body = {"organisation": "Ravi Textiles", "credits": 12, "period_start": "2026-01-01", "period_end": "2026-01-31"}
    request = seeder.call("POST", "/impact-credits", sponsor, json=body).json()

    page = open_page("impact")
    row = page.locator(f'tr[data-request="{request["request_id"]}"]')
    expect(row).to_contain_text("Ravi Textiles")
    expect(page.locator(".note")).to_contain_text("not carbon credits")
    page.once("dialog", lambda dialog: dialog.accept("no payment received"))
    row.get_by_role("button", name="Reject").click()
    expect(row).to_have_count(0)
    rejected = seeder.call("GET", "/admin/impact-credits?status=rejected", seeder.admin).json()["items"]
    assert (request["request_id"], "no payment received") in [(r["request_id"], r["review_reason"]) for r in rejected]
    shoot(page, "impact")
    accessible(page)
