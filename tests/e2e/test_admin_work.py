"""An admin runs the city's people, exports and notifications in the dashboard, in a real headless Chromium against
`ecopulse local`. Each test has a city of its own, seeds it through the public API (every call checked) and opens
its own page, so it passes alone and in any order."""

import csv
import re
import uuid
from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import ADMIN
from tests.e2e.seed import CENTRE, Seeder
from tests.support import wait_until

pytest.importorskip("playwright.sync_api", reason="the e2e suite drives Chromium with the playwright package")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.slow
expect.set_options(timeout=20_000)


def filed(seeder: Seeder, citizen: str, priority: str, description: str) -> str:
    body = {
        "waste_type": "plastic",
        "lat": CENTRE[0],
        "lng": CENTRE[1],
        "description": description,
        "priority": priority,
    }
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    return seeder.call("POST", "/reports", citizen, json=body, headers=headers).json()["report_id"]


def test_staff_are_invited_roles_changed_accounts_disabled_and_a_citizens_record_read(
    open_page, seeder, shoot, accessible
):
    seeder.force_human_review()
    citizen = seeder.citizen()
    me = seeder.call("GET", "/me", citizen).json()
    report = filed(seeder, citizen, "high", "sacks behind the school")
    submission = seeder.queued_submission(citizen)
    page = open_page("people")

    email = f"driver-{uuid.uuid4().hex[:6]}@example.org"
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Role", exact=True).select_option("driver")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#invite-form-status")).to_have_text(f"Invited {email} as driver.")
    invited = page.locator("#people-rows tr", has_text=email)
    expect(invited.locator(".role")).to_have_text("driver")

    row = page.locator(f'#people-rows tr[data-user="{me["user_id"]}"]')
    expect(row.locator(".role")).to_have_text("citizen")
    row.get_by_label(f"Role of {me['username']}", exact=True).select_option("driver")
    row.get_by_role("button", name=f"Change the role of {me['username']}").click()
    expect(page.locator("#people-status")).to_have_text(f"{me['username']} is now driver.")
    changed = seeder.call("GET", f"/admin/users/{me['user_id']}/record", seeder.admin).json()["profile"]
    assert changed["groups"] == ["driver"]

    page.locator(f'#people-rows tr[data-user="{me["user_id"]}"]').get_by_role(
        "button", name=f"Disable {me['username']}"
    ).click()
    expect(page.locator("#people-status")).to_contain_text(f"{me['username']} is disabled")
    expect(page.locator(f'#people-rows tr[data-user="{me["user_id"]}"] .account')).to_have_text("disabled")
    assert seeder.call("GET", f"/admin/users/{me['user_id']}/record", seeder.admin).json()["profile"]["active"] is False
    page.get_by_role("button", name=f"Enable {me['username']}").click()
    expect(page.locator(f'#people-rows tr[data-user="{me["user_id"]}"] .account')).to_have_text("active")

    # An admin cannot disable themselves: the API's message shows by the table.
    page.locator("#people-rows tr", has_text="(you)").get_by_role("button", name=f"Disable {ADMIN}").click()
    expect(page.locator("#people-status")).to_have_text("an admin cannot disable their own account")
    expect(page.locator("#people-status")).to_have_class(re.compile("error"))

    page.get_by_role("button", name=f"Record of {me['username']}").click()
    record = page.locator("#citizen-record")
    expect(record.get_by_role("heading", name=f"Record of {me['username']}")).to_be_visible()
    expect(record.locator(f'tr[data-report="{report}"]')).to_contain_text("high")
    expect(record.locator(f'tr[data-submission="{submission}"]')).to_contain_text("in review")
    expect(record.locator("#record-summary")).to_contain_text("No cleanup decided yet.")
    shoot(page, "people")
    accessible(page)


def test_reports_submissions_and_the_ledger_download_as_csv_for_a_date_range(
    open_page, seeder, tmp_path, shoot, accessible
):
    seeder.force_human_review()
    citizen = seeder.citizen()
    formula = '=HYPERLINK("http://example.org","click")'
    reports = [filed(seeder, citizen, "urgent", formula), filed(seeder, citizen, "low", "a single can")]
    opened = seeder.call("POST", "/submissions", citizen, json={"task": "cleanup"}).json()["submission"]
    approved = seeder.queued_submission(citizen)
    seeder.call(
        "POST", f"/admin/submissions/{approved}/decision", seeder.admin, json={"outcome": "approved", "reason": "clean"}
    )
    wait_until(lambda: seeder.call("GET", "/me/ledger", citizen).json()["items"], timeout=30)
    today = datetime.now(UTC).date().isoformat()
    page = open_page("exports")
    page.get_by_label("From").fill(today)
    page.get_by_label("To").fill(today)

    def download(label: str) -> list[dict[str, str]]:
        with page.expect_download() as started:
            page.get_by_role("button", name=f"Download {label} CSV").click()
        saved = tmp_path / started.value.suggested_filename
        started.value.save_as(saved)
        assert saved.name.endswith(f"-{today}-{today}.csv")
        with saved.open(newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))

    rows = {row["report_id"]: row for row in download("Reports")}
    assert set(rows) == set(reports)
    assert rows[reports[0]]["priority"] == "urgent"
    assert rows[reports[0]]["description"] == "'" + formula, "a formula is made text"
    assert rows[reports[1]]["description"] == "a single can"
    expect(page.locator("#export-status")).to_have_text(re.compile(r"Downloaded reports-.*\.csv"))

    cleanups = {row["submission_id"]: row for row in download("Cleanups")}
    assert set(cleanups) == {opened["submission_id"], approved}
    assert cleanups[approved]["review_outcome"] == "approved"
    (grant,) = download("Ledger")
    assert (grant["submission_id"], grant["user_id"]) == (approved, cleanups[approved]["user_id"])
    assert float(grant["amount"]) > 0

    page.get_by_label("From").fill("2020-01-01")
    page.get_by_role("button", name="Download Reports CSV").click()
    expect(page.locator("#export-status")).to_contain_text("an export spans at most 92 days")
    shoot(page, "exports")
    accessible(page)


def test_the_bell_counts_the_admins_unread_notifications_and_the_dispatcher_sees_urgent_reports_first(
    open_page, seeder, accessible
):
    ring = [[74.34, 31.5], [74.38, 31.5], [74.38, 31.54], [74.34, 31.54], [74.34, 31.5]]
    seeder.change_settings(
        zones=[{"zone_id": "old-town", "name": "Old town", "area": {"type": "Polygon", "coordinates": [ring]}}]
    )
    seeder.call("PUT", "/me/alerts/old-town", seeder.admin)
    sent = seeder.call(
        "POST", "/admin/alerts", seeder.admin, json={"zone": "old-town", "message": "Flooding at the gate"}
    )
    assert sent.json()["recipients"] == 1
    citizen = seeder.citizen()
    low, urgent, normal = (filed(seeder, citizen, p, f"{p} one") for p in ("low", "urgent", "normal"))
    page = open_page("fleet")

    bell = page.locator("#bell")
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    bell.click()
    expect(page.locator("#bell-list")).to_contain_text("Flooding at the gate")
    accessible(page)
    expect(bell).to_have_attribute("aria-label", "Notifications, none unread")
    bell.click()
    expect(page.locator("#bell-panel")).to_be_hidden()

    options = page.locator("#dispatch-report option")
    expect(options).to_have_count(3)
    assert [o.get_attribute("value") for o in options.all()] == [urgent, normal, low]
    page.get_by_label("Priorities listed").select_option("urgent")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", urgent)
