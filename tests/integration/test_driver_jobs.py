"""From filed to fixed through `ecopulse local`: a report filed with a photo is dispatched to a driver's vehicle, the
driver finds it among their jobs and closes it out with a photo, and the verified close-out resolves the report
and frees the vehicle, paying nobody; a citizen's approved cleanup of a report resolves it too, and is paid."""

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))

from calls import Counted  # noqa: E402

from tests.integration.citizens import Citizen, trusting_the_rules
from tests.integration.drivers import (
    dispatch_to_a_new_driver,
    file_report_with_photo,
    resolved_by,
    taken_at,
    vehicle,
)
from tests.integration.photos import honest_pair, littered_scene


def a_new_city(system) -> str:
    """A city of its own, trusting the rules: the honest pair is approved alone there, and no earlier upload of it
    makes it a near-duplicate."""
    tenant = f"multan-{uuid.uuid4().hex[:6]}"
    trusting_the_rules(system, tenant)
    return tenant


def test_a_driver_closes_out_a_dispatched_job_with_a_photo_and_the_report_is_resolved(local_system):
    reporter = Citizen.with_wallet(local_system, a_new_city(local_system))
    report_photo, cleaned = honest_pair(datetime.now(UTC))
    report_id = file_report_with_photo(reporter, report_photo)
    job = dispatch_to_a_new_driver(reporter, report_id)

    [listed] = job.driver.jobs()
    assert (listed["report_id"], listed["status"], listed["vehicle_id"]) == (report_id, "dispatched", job.vehicle_id)
    assert len(listed["photo_keys"]) == 1
    counted = Counted(local_system)
    read = counted.cost(counted.call("GET", "/driver/jobs", headers=job.driver.headers))
    # The driver's vehicles by key, then the vehicle and its report each read once: no scan.
    assert read["dynamodb"] == {"Query": 1, "GetItem": 2}, read

    submission_id = job.driver.close_out(report_id, cleaned)
    closed = job.driver.submission_once(submission_id, ("approved", "rejected", "in_review"))
    assert (closed["status"], closed["closeout"], closed["reward"]) == ("approved", True, None), closed
    assert closed["photos"]["before"] == listed["photo_keys"][0]

    report = resolved_by(reporter, report_id, submission_id)
    assert report["status"] == "resolved"
    assert vehicle(reporter, job.vehicle_id)["status"] == "available"
    assert job.driver.jobs() == []
    assert job.driver.api("GET", "/me/ledger").json()["items"] == []


def test_a_citizens_approved_cleanup_of_a_report_resolves_it(local_system):
    tenant = a_new_city(local_system)
    reporter, neighbour = Citizen.with_wallet(local_system, tenant), Citizen.with_wallet(local_system, tenant)
    before, after = honest_pair(datetime.now(UTC))
    report_id = file_report_with_photo(reporter, littered_scene(), at=taken_at(before))
    cleanup = neighbour.submit_cleanup(before, after, report_id=report_id)
    assert (cleanup["status"], cleanup["closeout"]) == ("approved", False), cleanup
    assert resolved_by(reporter, report_id, cleanup["submission_id"])["status"] == "resolved"
    assert [entry["amount"] for entry in neighbour.ledger()] == [cleanup["reward"]] and cleanup["reward"] > 0
