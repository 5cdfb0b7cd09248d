"""The two status transition tables: which moves a submission and a report may make, and which never. A report's
table is walked through ``reports.change_status`` and the admin's status route: each allowed move (by each party
that may take it) works and records its action; every other is ``InvalidReportTransition``, 409."""

from dataclasses import replace
from itertools import product

import pytest

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import fleet_repository, report_repository, tenant_repository, user_repository
from ecopulse.fleet import NewVehicle
from ecopulse.reports import (
    CLOSED,
    TRANSITIONS,
    InvalidReportTransition,
    Party,
    ReportStatus,
    change_status,
    file_report,
)
from ecopulse.submissions import Outcome, Status, status_for
from ecopulse.submissions import sources_for as submission_sources
from tests.unit.function_apps import signed_in_client
from tests.unit.test_fleet import MemoryFleet
from tests.unit.test_reports import CANAL, MemoryReports, MemoryTenants
from tests.unit.user_fakes import MemoryUsers

SUBMISSION_MOVES = {
    (Status.AWAITING_UPLOAD, Status.RECEIVED),
    (Status.AWAITING_UPLOAD, Status.REJECTED),
    (Status.RECEIVED, Status.IN_REVIEW),
    (Status.RECEIVED, Status.APPROVED),
    (Status.RECEIVED, Status.REJECTED),
    (Status.IN_REVIEW, Status.IN_REVIEW),
    (Status.IN_REVIEW, Status.APPROVED),
    (Status.IN_REVIEW, Status.REJECTED),
}


@pytest.mark.parametrize("source", list(Status))
@pytest.mark.parametrize("target", [status for status in Status if status is not Status.AWAITING_UPLOAD])
def test_a_submission_moves_only_as_the_table_says(source, target):
    assert (source in submission_sources(target)) == ((source, target) in SUBMISSION_MOVES)


def test_a_decided_submission_never_moves_again_and_a_review_may_wait_again():
    for target in (Status.RECEIVED, Status.IN_REVIEW, Status.APPROVED, Status.REJECTED):
        assert not submission_sources(target) & {Status.APPROVED, Status.REJECTED}
    assert Status.IN_REVIEW in submission_sources(Status.IN_REVIEW), "an escalated review waits under a new token"


def test_an_outcome_names_the_status_it_leads_to():
    assert [status_for(outcome) for outcome in Outcome] == [Status.APPROVED, Status.REJECTED]


S, V, D, R = ReportStatus.SUBMITTED, ReportStatus.VERIFIED, ReportStatus.DISPATCHED, ReportStatus.RESOLVED
STAFF, REPORTER, VOTER, SYSTEM = Party.STAFF, Party.REPORTER, Party.VOTER, Party.SYSTEM
# (from, to): (the action its history records, who may take it)
REPORT_MOVES = {
    (S, V): ("verified", {STAFF}),
    (S, D): ("dispatched", {STAFF}),
    (V, D): ("dispatched", {STAFF}),
    **{(source, R): ("resolved", {STAFF, SYSTEM}) for source in (S, V, D)},
    **{(source, ReportStatus.REJECTED): ("rejected", {STAFF}) for source in (S, V, D)},
    (R, ReportStatus.CONFIRMED): ("confirmed", {REPORTER, VOTER}),
    (R, V): ("reopened", {REPORTER, VOTER}),
    **{(source, ReportStatus.DUPLICATE): ("duplicate", {STAFF}) for source in (S, V, D)},
}
EVERY_MOVE = list(product(ReportStatus, ReportStatus, Party))


def test_the_table_holds_exactly_the_agreed_moves_one_row_per_source_and_target():
    rows = {(source, row.target): (row.action, set(row.parties)) for row in TRANSITIONS for source in row.sources}
    assert rows == REPORT_MOVES
    assert sum(len(row.sources) for row in TRANSITIONS) == len(rows), "two rows share a source and a target"


def test_nothing_leaves_a_closed_status_but_the_reporters_answer_to_a_resolution():
    leaving_closed = {(source, target) for source, target in REPORT_MOVES if source in CLOSED}
    assert leaving_closed == {(R, ReportStatus.CONFIRMED), (R, V)}
    assert not any(target is S for _, target in REPORT_MOVES), "nothing goes back to submitted"


@pytest.fixture
def reports() -> MemoryReports:
    return MemoryReports()


@pytest.fixture
def fleet(reports) -> MemoryFleet:
    fleet = MemoryFleet(reports.dispatched)
    fleet.add("lahore", NewVehicle("truck-7", "Truck 7"))
    return fleet


def report_in(reports: MemoryReports, status: ReportStatus) -> str:
    """A report of lahore's, put straight into ``status`` (as if it had got there)."""
    report = file_report(reports, MemoryTenants(), "lahore", "alice", "plastic", *CANAL)
    reports.reports[("lahore", report.report_id)] = replace(report, status=status)
    return report.report_id


@pytest.mark.parametrize(("source", "target", "party"), EVERY_MOVE, ids=lambda value: value.value)
def test_a_report_moves_only_as_the_table_says(reports, fleet, source, target, party):
    report_id = report_in(reports, source)
    allowed = REPORT_MOVES.get((source, target), ("", set()))
    # A report becomes a duplicate by a merge (ecopulse.duplicates), never by a status change.
    if party in allowed[1] and target is not ReportStatus.DUPLICATE:
        moved = change_status(reports, fleet, "lahore", report_id, target, "someone", "why", party)
        assert moved.status is target
        assert reports.history("lahore", report_id)[-1].action == allowed[0]
    else:
        before = reports.get("lahore", report_id)
        with pytest.raises(InvalidReportTransition):
            change_status(reports, fleet, "lahore", report_id, target, "someone", "why", party)
        assert reports.get("lahore", report_id) == before
        assert len(reports.history("lahore", report_id)) == 1


@pytest.mark.parametrize(("source", "target"), list(product(ReportStatus, [V, R, ReportStatus.REJECTED])))
def test_the_admins_status_route_answers_as_the_table_says(reports, fleet, source, target):
    report_id = report_in(reports, source)
    admin = signed_in_client(
        "admin_api",
        "amina",
        Group.ADMIN,
        {
            report_repository: reports,
            fleet_repository: fleet,
            tenant_repository: MemoryTenants(),
            user_repository: MemoryUsers(),
        },
    )
    answer = admin.post(f"/admin/reports/{report_id}/status", json={"status": target.value, "reason": "why"})
    if STAFF in REPORT_MOVES.get((source, target), ("", set()))[1]:
        assert (answer.status_code, answer.json()["status"]) == (200, target.value)
    else:
        assert (answer.status_code, answer.json()["error"]["code"]) == (409, "invalid_transition")
        assert reports.get("lahore", report_id).status is source
