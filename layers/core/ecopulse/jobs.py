"""A driver's jobs: the reports dispatched to the vehicles they drive, each closed out with a photo verified as the
"after" of the report's own; and the rule that closes the loop: an approved cleanup of a report resolves it.

A close-out is a cleanup submission of the report (``Task.REPORT``) marked ``closeout``: its "before" photo is the
report's photo (``ecopulse.intake`` verifies it when the "after" arrives), and it earns no reward
(``ecopulse.rewards.earns_reward``): clearing a dispatched job is the city's paid work.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ecopulse.fleet import Fleet, Vehicle
from ecopulse.reports import (
    InvalidReportTransition,
    Priority,
    Report,
    ReportNotFound,
    Reports,
    ReportStatus,
    change_status,
)
from ecopulse.submissions import Status, Submission, Submissions, Task
from ecopulse.users import Users


class NotYourJob(Exception):
    """A driver reading another driver's jobs, or closing out a job of a vehicle they do not drive."""


class JobNotDispatched(Exception):
    """A close-out of a report that no vehicle has been sent to (or whose job is over)."""


class JobOrder(StrEnum):
    PRIORITY = "priority"
    NEWEST = "newest"


URGENCY: dict[str, int] = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
"""Most urgent first; a priority the table does not know sorts with normal ones."""


@dataclass(frozen=True)
class Job:
    report: Report
    vehicle: Vehicle


def driver_jobs(fleet: Fleet, reports: Reports, tenant: str, driver_id: str, order: JobOrder) -> list[Job]:
    """The reports dispatched to the vehicles ``driver_id`` drives, most urgent first (newest first within a
    priority), or newest first. A vehicle holds one job at a time; a report that is no longer dispatched to the
    vehicle (resolved, reopened, sent elsewhere) is no job of its."""
    jobs = []
    for vehicle in fleet.driven_by(tenant, driver_id):
        if vehicle.report_id is None:
            continue
        try:
            report = reports.get(tenant, vehicle.report_id)
        except ReportNotFound:
            continue
        if report.status is ReportStatus.DISPATCHED and report.vehicle_id == vehicle.vehicle_id:
            jobs.append(Job(report, vehicle))
    jobs.sort(key=lambda job: job.report.created_at, reverse=True)
    if order is JobOrder.PRIORITY:
        jobs.sort(key=lambda job: URGENCY.get(job.report.priority, URGENCY[Priority.NORMAL]))
    return jobs


def jobs_for(
    fleet: Fleet,
    reports: Reports,
    tenant: str,
    caller_id: str,
    driver_id: str | None,
    reads_any: bool,
    order: JobOrder = JobOrder.PRIORITY,
) -> list[Job]:
    """A driver reads their own jobs; someone who ``reads_any`` (an admin) any driver's."""
    driver = driver_id or caller_id
    if driver != caller_id and not reads_any:
        raise NotYourJob(f"{caller_id} may not read the jobs of {driver}")
    return driver_jobs(fleet, reports, tenant, driver, order)


def check_closeout(
    fleet: Fleet, reports: Reports, tenant: str, report_id: str, user_id: str, closes_any: bool
) -> Report:
    """The report a close-out clears: dispatched to a vehicle that ``user_id`` drives, or to any vehicle for
    someone who ``closes_any`` (an admin)."""
    report = reports.get(tenant, report_id)
    if report.status is not ReportStatus.DISPATCHED or report.vehicle_id is None:
        raise JobNotDispatched(f"report {report_id} is {report.status}, not a dispatched job")
    if not closes_any and fleet.get(tenant, report.vehicle_id).driver_id != user_id:
        raise NotYourJob(f"report {report_id} is the job of {report.vehicle_id}, which {user_id} does not drive")
    return report


def open_closeout(
    submissions: Submissions,
    users: Users,
    fleet: Fleet,
    reports: Reports,
    tenant: str,
    user_id: str,
    username: str,
    email: str | None,
    groups: Sequence[str],
    report_id: str,
    closes_any: bool,
) -> Submission:
    """A close-out of a dispatched job, waiting for its "after" photo: its "before" is the report's photo."""
    check_closeout(fleet, reports, tenant, report_id, user_id, closes_any)
    users.ensure(tenant, user_id, username, email, groups)
    return submissions.create_pending(tenant, str(uuid.uuid4()), user_id, Task.REPORT, report_id, closeout=True)


def cleared_reason(submission_id: str) -> str:
    """The report's history entry of its resolution by a cleanup names the cleanup."""
    return f"cleanup {submission_id} approved"


def resolve_cleared_report(reports: Reports, fleet: Fleet, submission: Submission, actor: str) -> Report | None:
    """An approved cleanup of a report (a driver's close-out or a citizen's cleanup) resolves the report and frees
    the vehicle sent to it, through the report's lifecycle (``reports.change_status``), once: a decision delivered
    again finds the history entry naming the cleanup and changes nothing; a report the lifecycle does not let
    resolve (resolved already, rejected, merged) stays as it is. None when nothing changed."""
    if submission.status is not Status.APPROVED or not submission.report_id:
        return None
    tenant, reason = submission.tenant, cleared_reason(submission.submission_id)
    try:
        if any(entry.reason == reason for entry in reports.history(tenant, submission.report_id)):
            return None
        return change_status(reports, fleet, tenant, submission.report_id, ReportStatus.RESOLVED, actor, reason)
    except (ReportNotFound, InvalidReportTransition):
        return None
