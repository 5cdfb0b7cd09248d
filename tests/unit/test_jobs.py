"""A driver's jobs, their close-out and the loop it closes, in process: reports, vehicles and submissions in memory,
through the domain and through the me API function's routes."""

from dataclasses import replace
from datetime import UTC, datetime

import boto3
import pytest
from starlette.testclient import TestClient

from ecopulse import config
from ecopulse.api.auth import Group
from ecopulse.api.dependencies import (
    fleet_repository,
    report_repository,
    submission_repository,
    upload_forms,
    user_repository,
)
from ecopulse.fleet import NewVehicle
from ecopulse.jobs import (
    JobNotDispatched,
    JobOrder,
    NotYourJob,
    check_closeout,
    cleared_reason,
    driver_jobs,
    jobs_for,
    open_closeout,
    resolve_cleared_report,
)
from ecopulse.photos import S3PhotoStore
from ecopulse.reports import NewReport, ReportStatus, change_status, dispatch_vehicle
from ecopulse.rewards import RewardGrant, earns_reward, record_decision
from ecopulse.submissions import Decision, Outcome, Status, Submission, Task
from ecopulse.tenants import TenantSettings
from tests.unit.function_apps import signed_in_client
from tests.unit.submission_fakes import MemorySubmissions, MemoryUsers, a_submission
from tests.unit.test_fleet import MemoryFleet
from tests.unit.test_reports import ALICES_PHOTO, MemoryReports, MemoryTenants

TENANT = "lahore"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class City:
    """Lahore's reports and fleet: dina drives truck-7 and van-2, omar drives bus-3."""

    def __init__(self) -> None:
        self.reports = MemoryReports()
        self.fleet = MemoryFleet(self.reports.dispatched)
        for vehicle_id, driver in (("truck-7", "dina"), ("van-2", "dina"), ("bus-3", "omar")):
            self.fleet.add(TENANT, NewVehicle(vehicle_id, vehicle_id.title(), driver_id=driver))
        self.submissions = MemorySubmissions()
        self.users = MemoryUsers()

    def report(self, report_id: str, priority: str = "normal", photos: tuple[str, ...] = (ALICES_PHOTO,)) -> str:
        new = NewReport(report_id, "alice", "plastic", 31.52, 74.36, "bags", None, photos, priority, None)
        return self.reports.create(TENANT, new).report_id

    def dispatched(self, report_id: str, vehicle_id: str, priority: str = "normal") -> str:
        self.report(report_id, priority)
        dispatch_vehicle(self.reports, self.fleet, TENANT, report_id, vehicle_id, "amina", None)
        return report_id

    def status(self, report_id: str) -> ReportStatus:
        return self.reports.get(TENANT, report_id).status

    def approved_cleanup(self, report_id: str, user_id: str = "dina", closeout: bool = True) -> Submission:
        cleanup = a_submission(f"sub-{report_id}", user_id, Status.APPROVED, tenant=TENANT, task=Task.REPORT.value,
                               report_id=report_id, closeout=closeout)  # fmt: skip
        return self.submissions.add(cleanup)


@pytest.fixture
def city() -> City:
    return City()


@pytest.fixture
def forms(monkeypatch):
    """Upload forms (signed offline by the clients' store) for a bucket named in the environment."""
    monkeypatch.setenv("UPLOADS_BUCKET", "uploads")
    config.deployment.cache_clear()
    yield
    config.deployment.cache_clear()


def test_a_driver_sees_the_jobs_of_the_vehicles_they_drive_most_urgent_first(city):
    city.dispatched("r-normal", "truck-7")
    city.dispatched("r-urgent", "van-2", priority="urgent")
    city.dispatched("r-omars", "bus-3", priority="urgent")
    city.report("r-open")
    jobs = driver_jobs(city.fleet, city.reports, TENANT, "dina", JobOrder.PRIORITY)
    assert [(job.report.report_id, job.vehicle.vehicle_id) for job in jobs] == [
        ("r-urgent", "van-2"),
        ("r-normal", "truck-7"),
    ]
    newest = driver_jobs(city.fleet, city.reports, TENANT, "dina", JobOrder.NEWEST)
    assert [job.report.report_id for job in newest] == ["r-urgent", "r-normal"]
    assert driver_jobs(city.fleet, city.reports, TENANT, "nobody", JobOrder.PRIORITY) == []


def test_a_job_resolved_is_no_longer_listed(city):
    city.dispatched("r-1", "truck-7")
    change_status(city.reports, city.fleet, TENANT, "r-1", ReportStatus.RESOLVED, "amina", "gone")
    assert driver_jobs(city.fleet, city.reports, TENANT, "dina", JobOrder.PRIORITY) == []


def test_a_driver_reads_only_their_own_jobs_and_an_admin_anyones(city):
    city.dispatched("r-1", "bus-3")
    with pytest.raises(NotYourJob):
        jobs_for(city.fleet, city.reports, TENANT, "dina", "omar", reads_any=False)
    [job] = jobs_for(city.fleet, city.reports, TENANT, "amina", "omar", reads_any=True)
    assert job.report.report_id == "r-1"
    assert [job.report.report_id for job in jobs_for(city.fleet, city.reports, TENANT, "omar", None, False)] == ["r-1"]


def test_a_close_out_needs_a_dispatched_job_of_the_drivers_own_vehicle(city):
    city.report("r-open")
    city.dispatched("r-omars", "bus-3")
    with pytest.raises(JobNotDispatched):
        check_closeout(city.fleet, city.reports, TENANT, "r-open", "dina", closes_any=False)
    with pytest.raises(NotYourJob):
        check_closeout(city.fleet, city.reports, TENANT, "r-omars", "dina", closes_any=False)
    assert check_closeout(city.fleet, city.reports, TENANT, "r-omars", "amina", closes_any=True).report_id == "r-omars"


def test_a_close_out_is_a_cleanup_of_the_report_marked_as_one(city):
    city.dispatched("r-1", "truck-7")
    opened = open_closeout(city.submissions, city.users, city.fleet, city.reports, TENANT, "dina", "dina", None,
                           ["driver"], "r-1", closes_any=False)  # fmt: skip
    assert (opened.task, opened.report_id, opened.closeout, opened.status) == (
        "report", "r-1", True, Status.AWAITING_UPLOAD
    )  # fmt: skip
    assert city.users.get(TENANT, "dina").groups == ("driver",)


def test_a_refused_close_out_opens_nothing(city):
    city.report("r-open")
    with pytest.raises(JobNotDispatched):
        open_closeout(city.submissions, city.users, city.fleet, city.reports, TENANT, "dina", "dina", None,
                      ["driver"], "r-open", closes_any=False)  # fmt: skip
    assert city.submissions.submissions == {}


def test_an_approved_cleanup_resolves_its_report_once_and_frees_the_vehicle(city):
    city.dispatched("r-1", "truck-7")
    cleanup = city.approved_cleanup("r-1")
    resolved = resolve_cleared_report(city.reports, city.fleet, cleanup, "model")
    assert resolved is not None and resolved.status is ReportStatus.RESOLVED
    assert city.fleet.get(TENANT, "truck-7").status == "available"
    last = city.reports.history(TENANT, "r-1")[-1]
    assert (last.action, last.actor, last.reason) == ("resolved", "model", cleared_reason("sub-r-1"))
    assert resolve_cleared_report(city.reports, city.fleet, cleanup, "model") is None
    assert [entry.action for entry in city.reports.history(TENANT, "r-1")].count("resolved") == 1


def test_a_decision_delivered_again_after_a_reopening_does_not_resolve_the_report_again(city):
    city.report("r-1")
    cleanup = city.approved_cleanup("r-1", "alice", closeout=False)
    resolve_cleared_report(city.reports, city.fleet, cleanup, "model")
    city.reports.reports[(TENANT, "r-1")] = replace(city.reports.get(TENANT, "r-1"), status=ReportStatus.VERIFIED)
    assert resolve_cleared_report(city.reports, city.fleet, cleanup, "model") is None
    assert city.status("r-1") is ReportStatus.VERIFIED


def test_a_report_closed_otherwise_stays_as_it_is(city):
    city.report("r-1")
    change_status(city.reports, city.fleet, TENANT, "r-1", ReportStatus.REJECTED, "amina", "not litter")
    assert resolve_cleared_report(city.reports, city.fleet, city.approved_cleanup("r-1"), "model") is None
    assert city.status("r-1") is ReportStatus.REJECTED


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.REJECTED])
def test_a_cleanup_not_approved_resolves_nothing(city, status):
    city.dispatched("r-1", "truck-7")
    cleanup = replace(city.approved_cleanup("r-1"), status=status)
    assert resolve_cleared_report(city.reports, city.fleet, cleanup, "model") is None
    assert city.status("r-1") is ReportStatus.DISPATCHED


def test_a_cleanup_of_no_report_or_of_a_report_gone_resolves_nothing(city):
    free = a_submission("sub-free", "alice", Status.APPROVED, tenant=TENANT)
    assert resolve_cleared_report(city.reports, city.fleet, free, "model") is None
    assert resolve_cleared_report(city.reports, city.fleet, city.approved_cleanup("r-gone"), "model") is None


class PaysTen:
    def plan(self, submission: Submission, settings: TenantSettings, now: datetime) -> RewardGrant | None:
        return RewardGrant(TENANT, submission.user_id, submission.submission_id, 10, 0, 100, None, "x", {"all": None})


def recorded(city: City, submission_id: str, outcome: Outcome = Outcome.APPROVED):
    decision = Decision(outcome=outcome, reason="clean", reviewer="model")
    return record_decision(city.submissions, PaysTen(), MemoryTenants(), city.users, city.reports, city.fleet, TENANT,
                           submission_id, decision, NOW)  # fmt: skip


def test_a_close_out_earns_nothing_and_a_citizens_cleanup_is_paid():
    citizen = MemoryUsers().ensure(TENANT, "alice", "alice", None, ["citizen"])
    closeout = a_submission("sub-1", "dina", Status.RECEIVED, closeout=True)
    assert not earns_reward(closeout, citizen)
    assert earns_reward(replace(closeout, closeout=False), citizen)
    assert not earns_reward(replace(closeout, closeout=False), replace(citizen, active=False))


def test_an_approved_close_out_is_recorded_unpaid_and_resolves_the_job(city):
    city.dispatched("r-1", "truck-7")
    city.users.ensure(TENANT, "dina", "dina", None, ["driver"])
    city.submissions.add(replace(city.approved_cleanup("r-1"), status=Status.RECEIVED))
    result = recorded(city, "sub-r-1")
    assert (result.status, result.reward) == (Status.APPROVED, 0) and city.submissions.grants == []
    assert city.status("r-1") is ReportStatus.RESOLVED
    assert city.fleet.get(TENANT, "truck-7").status == "available"
    again = recorded(city, "sub-r-1")
    assert (again.status, again.reward) == (Status.APPROVED, 0) and city.status("r-1") is ReportStatus.RESOLVED


def test_a_citizens_approved_cleanup_of_a_report_is_paid_and_resolves_it(city):
    city.report("r-1")
    city.users.ensure(TENANT, "bob", "bob", None, ["citizen"])
    city.submissions.add(replace(city.approved_cleanup("r-1", "bob", closeout=False), status=Status.IN_REVIEW))
    assert recorded(city, "sub-r-1").reward == 10
    assert city.status("r-1") is ReportStatus.RESOLVED


def test_a_rejected_close_out_leaves_the_job_dispatched(city):
    city.dispatched("r-1", "truck-7")
    city.users.ensure(TENANT, "dina", "dina", None, ["driver"])
    city.submissions.add(replace(city.approved_cleanup("r-1"), status=Status.RECEIVED))
    assert recorded(city, "sub-r-1", Outcome.REJECTED).status is Status.REJECTED
    assert city.status("r-1") is ReportStatus.DISPATCHED
    assert city.fleet.get(TENANT, "truck-7").status == "assigned"


def client(city: City, user: str, group: Group) -> TestClient:
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    ports = {fleet_repository: city.fleet, report_repository: city.reports, submission_repository: city.submissions,
             user_repository: city.users, upload_forms: S3PhotoStore(s3)}  # fmt: skip
    return signed_in_client("me_api", user, group, ports)


def test_the_jobs_route_lists_the_drivers_jobs_with_place_category_and_photos(city):
    city.dispatched("r-1", "truck-7", priority="high")
    answer = client(city, "dina", Group.DRIVER).get("/driver/jobs")
    assert answer.status_code == 200, answer.text
    [job] = answer.json()["items"]
    assert {name: job[name] for name in ("report_id", "status", "waste_type", "priority", "lat", "lng",
                                        "photo_keys", "vehicle_id")} == {
        "report_id": "r-1", "status": "dispatched", "waste_type": "plastic", "priority": "high", "lat": 31.52,
        "lng": 74.36, "photo_keys": [ALICES_PHOTO], "vehicle_id": "truck-7",
    }  # fmt: skip


def test_the_jobs_route_lets_an_admin_read_any_drivers_and_refuses_others(city):
    city.dispatched("r-1", "bus-3")
    admin = client(city, "amina", Group.ADMIN).get("/driver/jobs", params={"driver_id": "omar"})
    assert [job["report_id"] for job in admin.json()["items"]] == ["r-1"]
    other = client(city, "dina", Group.DRIVER).get("/driver/jobs", params={"driver_id": "omar"})
    assert (other.status_code, other.json()["error"]["code"]) == (403, "not_your_job")
    assert client(city, "alice", Group.CITIZEN).get("/driver/jobs").status_code == 403


def test_the_close_out_route_opens_a_close_out_with_the_after_form_only(city, forms):
    city.dispatched("r-1", "truck-7")
    answer = client(city, "dina", Group.DRIVER).post("/driver/jobs/r-1/closeout", json={"content_type": "image/png"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert list(body["uploads"]) == ["after"]
    submission_id = body["submission"]["submission_id"]
    assert body["uploads"]["after"]["key"] == f"uploads/{TENANT}/dina/{submission_id}/after.png"
    assert (body["submission"]["closeout"], body["submission"]["report_id"]) == (True, "r-1")
    assert city.submissions.get(TENANT, submission_id).closeout


@pytest.mark.parametrize(
    ("user", "group", "report_id", "expected", "code"),
    [
        ("omar", Group.DRIVER, "r-dinas", 403, "not_your_job"),
        ("dina", Group.DRIVER, "r-open", 409, "job_not_dispatched"),
        ("dina", Group.DRIVER, "r-none", 404, "report_not_found"),
        ("alice", Group.CITIZEN, "r-dinas", 403, None),
    ],
)
def test_the_close_out_route_refuses_what_is_not_the_callers_dispatched_job(
    city, forms, user, group, report_id, expected, code
):
    city.dispatched("r-dinas", "truck-7")
    city.report("r-open")
    answer = client(city, user, group).post(f"/driver/jobs/{report_id}/closeout")
    assert answer.status_code == expected, answer.text
    if code:
        assert answer.json()["error"]["code"] == code
    assert city.submissions.submissions == {}


def test_an_admin_may_close_out_any_dispatched_job(city, forms):
    city.dispatched("r-1", "bus-3")
    assert client(city, "amina", Group.ADMIN).post("/driver/jobs/r-1/closeout").status_code == 201


def test_a_driver_renews_the_after_form_of_a_close_out_but_not_its_before(city, forms):
    city.dispatched("r-1", "truck-7")
    driver = client(city, "dina", Group.DRIVER)
    submission_id = driver.post("/driver/jobs/r-1/closeout").json()["submission"]["submission_id"]
    after = driver.post(f"/submissions/{submission_id}/uploads/after", json={"content_type": "image/jpeg"})
    assert after.status_code == 201, after.text
    before = driver.post(f"/submissions/{submission_id}/uploads/before", json={"content_type": "image/jpeg"})
    assert (before.status_code, before.json()["error"]["code"]) == (409, "photo_slot_taken")
