"""From filed to fixed through `ecopulse local`: a report filed with a photo is dispatched to a driver's vehicle, the
driver finds it among their jobs and closes it out with a photo, and the verified close-out resolves the report
and frees the vehicle, paying nobody."""

from datetime import UTC, datetime

from tests.integration.citizens import Citizen, trusting_the_rules
from tests.integration.drivers import dispatch_to_a_new_driver, file_report_with_photo, resolved_by, vehicle
from tests.integration.photos import honest_pair

TENANT = "multan"


def test_a_driver_closes_out_a_dispatched_job_with_a_photo_and_the_report_is_resolved(local_system):
    trusting_the_rules(local_system, TENANT)
    reporter = Citizen.with_wallet(local_system, TENANT)
    report_photo, cleaned = honest_pair(datetime.now(UTC))
    report_id = file_report_with_photo(reporter, report_photo)
    job = dispatch_to_a_new_driver(reporter, report_id)

    [listed] = job.driver.jobs()
    assert (listed["report_id"], listed["status"], listed["vehicle_id"]) == (report_id, "dispatched", job.vehicle_id)
    assert len(listed["photo_keys"]) == 1

    submission_id = job.driver.close_out(report_id, cleaned)
    closed = job.driver.submission_once(submission_id, ("approved", "rejected", "in_review"))
    assert (closed["status"], closed["closeout"], closed["reward"]) == ("approved", True, None), closed
    assert closed["photos"]["before"] == listed["photo_keys"][0]

    report = resolved_by(reporter, report_id, submission_id)
    assert report["status"] == "resolved"
    assert vehicle(reporter, job.vehicle_id)["status"] == "available"
    assert job.driver.jobs() == []
    assert job.driver.api("GET", "/me/ledger").json()["items"] == []
