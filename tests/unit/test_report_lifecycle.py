"""From resolved to closed: comments and the timeline (``ecopulse.timeline``), the reporter's and agreeing voters'
confirmation or reopening within the city's window and the "is it fixed?" question (``ecopulse.follow_up``), in
process with in-memory ports, through the use cases and the report and admin routes."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import (
    agreement_repository,
    clock,
    fleet_repository,
    report_repository,
    tenant_repository,
    timeline_repository,
    user_repository,
)
from ecopulse.fleet import NewVehicle
from ecopulse.follow_up import (
    ASK_BATCH,
    NotReporterOrVoter,
    ResponseWindowClosed,
    answer_resolution,
    ask_if_fixed,
)
from ecopulse.paging import Page
from ecopulse.privacy import Viewer
from ecopulse.reports import (
    HistoryEntry,
    InvalidReportTransition,
    MergedReport,
    ReportStatus,
    TimelineEntry,
    change_status,
    file_report,
)
from ecopulse.tenants import TenantSettings
from ecopulse.timeline import (
    COMMENT_HIDDEN,
    COMMENT_SHOWN,
    COMMENTED,
    CommentNotAllowed,
    CommentNotFound,
    InternalCommentNotAllowed,
    NewComment,
    add_comment,
    read_timeline,
)
from tests.unit.function_apps import signed_in_client
from tests.unit.test_fleet import MemoryFleet
from tests.unit.test_reports import CANAL, START, MemoryReports, MemoryTenants
from tests.unit.user_fakes import MemoryUsers


class MemoryTimeline:
    """The ``Timeline`` port in memory: the report's trail (``MemoryReports``) with its comments, by time."""

    def __init__(self, reports: MemoryReports) -> None:
        self.reports = reports
        self.comments: dict[tuple[str, str], list[TimelineEntry]] = {}

    def add_comment(self, tenant: str, comment: NewComment) -> TimelineEntry:
        at = self.reports.tick()
        entry = TimelineEntry(f"comment-{self.reports.ticks}", at, comment.author, COMMENTED, text=comment.text,
                              internal=comment.internal)  # fmt: skip
        self.comments.setdefault((tenant, comment.report_id), []).append(entry)
        return entry

    def _all(self, tenant: str, report_id: str) -> list[TimelineEntry]:
        changes = [
            TimelineEntry(f"h-{n}", h.at, h.actor, h.action, h.old, h.new, h.reason)
            for n, h in enumerate(self.reports.history(tenant, report_id))
        ]
        return sorted(changes + self.comments.get((tenant, report_id), []), key=lambda entry: entry.at)

    def entries(
        self, tenant: str, report_id: str, with_internal: bool, limit: int, cursor: str | None
    ) -> Page[TimelineEntry]:
        shown = [entry for entry in self._all(tenant, report_id) if with_internal or not entry.internal]
        start = int(cursor or 0)
        rest = shown[start + limit :]
        return Page(shown[start : start + limit], str(start + limit) if rest else None)

    def comment(self, tenant: str, report_id: str, entry_id: str) -> TimelineEntry:
        for entry in self.comments.get((tenant, report_id), []):
            if entry.entry_id == entry_id:
                return entry
        raise CommentNotFound(entry_id)

    def set_comment_hidden(
        self, tenant: str, report_id: str, entry_id: str, hidden: bool, actor: str, reason: str
    ) -> TimelineEntry:
        comments = self.comments[(tenant, report_id)]
        index = comments.index(self.comment(tenant, report_id, entry_id))
        comments[index] = replace(comments[index], text_hidden=hidden)
        action = COMMENT_HIDDEN if hidden else COMMENT_SHOWN
        entry = HistoryEntry(self.reports._now(), actor, action, None, entry_id, reason)
        self.reports.trails[(tenant, report_id)].append(entry)
        return comments[index]


class MemoryAgreement:
    def __init__(self) -> None:
        self.agreeing: set[tuple[str, str, str]] = set()

    def agreed(self, tenant: str, report_id: str, user_id: str) -> bool:
        return (tenant, report_id, user_id) in self.agreeing


class MemoryFixQuestions:
    """Resolved reports waiting for their question, and the questions asked (each once)."""

    def __init__(self) -> None:
        self.waiting_since: dict[tuple[str, str], datetime] = {}
        self.asked: list[tuple[str, str]] = []
        self.broken: set[str] = set()

    def tenants(self) -> list[str]:
        return sorted({tenant for tenant, _ in self.waiting_since} | self.broken)

    def waiting(self, tenant: str, resolved_before: datetime, limit: int) -> list[str]:
        if tenant in self.broken:
            raise RuntimeError("the table is unreachable")
        due = sorted((at, rid) for (t, rid), at in self.waiting_since.items() if t == tenant and at < resolved_before)
        return [report_id for _, report_id in due[:limit]]

    def ask(self, tenant: str, report_id: str, now: datetime) -> bool:
        if self.waiting_since.pop((tenant, report_id), None) is None:
            return False
        self.asked.append((tenant, report_id))
        return True


@pytest.fixture
def reports() -> MemoryReports:
    return MemoryReports()


@pytest.fixture
def tenants() -> MemoryTenants:
    tenants = MemoryTenants()
    tenants.save("lahore", TenantSettings(reopen_window_days=14))
    return tenants


@pytest.fixture
def fleet(reports) -> MemoryFleet:
    fleet = MemoryFleet(reports.dispatched)
    fleet.add("lahore", NewVehicle("truck-7", "Truck 7"))
    return fleet


@pytest.fixture
def timeline(reports) -> MemoryTimeline:
    return MemoryTimeline(reports)


@pytest.fixture
def agreement() -> MemoryAgreement:
    agreement = MemoryAgreement()
    return agreement


def resolved(reports, tenants, fleet, agreement) -> str:
    """Alice's report, verified and resolved by amina; bob agreed with it, carol disputed it."""
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    change_status(reports, fleet, "lahore", report_id, ReportStatus.VERIFIED, "amina", None)
    change_status(reports, fleet, "lahore", report_id, ReportStatus.RESOLVED, "amina", "cleared")
    agreement.agreeing.add(("lahore", report_id, "bob"))
    return report_id


def soon_after(reports: MemoryReports, report_id: str, days: float = 1) -> datetime:
    return reports.get("lahore", report_id).resolved_at + timedelta(days=days)


# --- confirm or reopen: the rules ---------------------------------------------------------------------------


def test_the_reporter_confirms_a_resolution_and_the_report_is_closed(reports, tenants, fleet, agreement):
    report_id = resolved(reports, tenants, fleet, agreement)
    now = soon_after(reports, report_id)
    confirmed = answer_resolution(reports, fleet, tenants, agreement, "lahore", report_id, "alice", True, None, now)
    assert confirmed.status is ReportStatus.CONFIRMED
    assert [(h.action, h.actor, h.old, h.new) for h in reports.history("lahore", report_id)][-1] == (
        "confirmed", "alice", "resolved", "confirmed",
    )  # fmt: skip


def test_a_voter_who_agreed_reopens_it_and_it_is_back_in_the_verified_queue(reports, tenants, fleet, agreement):
    report_id = resolved(reports, tenants, fleet, agreement)
    now = soon_after(reports, report_id)
    reopened = answer_resolution(
        reports, fleet, tenants, agreement, "lahore", report_id, "bob", False, "still bags there", now
    )
    assert reopened.status is ReportStatus.VERIFIED
    last = reports.history("lahore", report_id)[-1]
    assert (last.action, last.actor, last.old, last.new, last.reason) == (
        "reopened", "bob", "resolved", "verified", "still bags there",
    )  # fmt: skip
    assert [r.report_id for r in reports.list_by_status("lahore", ReportStatus.VERIFIED, 20, None).items] == [report_id]


@pytest.mark.parametrize("who", ["carol", "dave", "amina"], ids=["disputed it", "stranger", "staff"])
@pytest.mark.parametrize("fixed", [True, False], ids=["confirm", "reopen"])
def test_nobody_but_the_reporter_and_agreeing_voters_answers(reports, tenants, fleet, agreement, who, fixed):
    report_id = resolved(reports, tenants, fleet, agreement)
    with pytest.raises(NotReporterOrVoter):
        answer_resolution(
            reports, fleet, tenants, agreement, "lahore", report_id, who, fixed, "x", soon_after(reports, report_id)
        )
    assert reports.get("lahore", report_id).status is ReportStatus.RESOLVED


@pytest.mark.parametrize("fixed", [True, False], ids=["confirm", "reopen"])
def test_an_answer_after_the_citys_window_is_refused(reports, tenants, fleet, agreement, fixed):
    tenants.save("lahore", TenantSettings(reopen_window_days=3))
    report_id = resolved(reports, tenants, fleet, agreement)
    answer = (reports, fleet, tenants, agreement, "lahore", report_id, "alice", fixed, "x")
    with pytest.raises(ResponseWindowClosed):
        answer_resolution(*answer, soon_after(reports, report_id, days=3.01))
    assert reports.get("lahore", report_id).status is ReportStatus.RESOLVED
    assert answer_resolution(*answer, soon_after(reports, report_id, days=2.99)).status is not ReportStatus.RESOLVED


@pytest.mark.parametrize("fixed", [True, False], ids=["confirm", "reopen"])
def test_only_a_resolved_report_is_confirmed_or_reopened(reports, tenants, fleet, agreement, fixed):
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    with pytest.raises(InvalidReportTransition):
        answer_resolution(reports, fleet, tenants, agreement, "lahore", report_id, "alice", fixed, "x", START)
    closed = resolved(reports, tenants, fleet, agreement)
    now = soon_after(reports, closed)
    answer_resolution(reports, fleet, tenants, agreement, "lahore", closed, "alice", True, None, now)
    with pytest.raises(InvalidReportTransition):
        answer_resolution(reports, fleet, tenants, agreement, "lahore", closed, "bob", fixed, "x", now)


def test_a_reopened_report_resolved_again_opens_a_new_window(reports, tenants, fleet, agreement):
    report_id = resolved(reports, tenants, fleet, agreement)
    first = reports.get("lahore", report_id).resolved_at
    answer_resolution(reports, fleet, tenants, agreement, "lahore", report_id, "alice", False, "still there", first)
    change_status(reports, fleet, "lahore", report_id, ReportStatus.RESOLVED, "amina", "cleared again")
    assert reports.get("lahore", report_id).resolved_at > first


# --- "is it fixed?" -------------------------------------------------------------------------------------------


def test_each_reporter_is_asked_once_after_the_citys_days_even_when_the_schedule_runs_twice(tenants):
    questions = MemoryFixQuestions()
    tenants.save("karachi", TenantSettings(fixed_question_after_days=7))
    questions.waiting_since.update({
        ("lahore", "old"): START - timedelta(days=3, minutes=1),
        ("lahore", "new"): START - timedelta(days=2),
        ("karachi", "five-days"): START - timedelta(days=5),
    })  # fmt: skip
    first = ask_if_fixed(tenants, questions, START, lambda tenant, error: None)
    assert (first.asked, questions.asked) == ({"karachi": 0, "lahore": 1}, [("lahore", "old")])
    again = ask_if_fixed(tenants, questions, START, lambda tenant, error: None)
    assert again.asked == {"karachi": 0, "lahore": 0} and questions.asked == [("lahore", "old")]


def test_every_waiting_question_is_asked_in_batches(tenants):
    questions = MemoryFixQuestions()
    for n in range(ASK_BATCH + 5):
        questions.waiting_since[("lahore", f"r-{n:03d}")] = START - timedelta(days=10, minutes=n)
    assert ask_if_fixed(tenants, questions, START, lambda tenant, error: None).asked == {"lahore": ASK_BATCH + 5}


def test_a_city_that_fails_is_reported_and_the_others_are_asked(tenants):
    questions = MemoryFixQuestions()
    questions.broken.add("karachi")
    questions.waiting_since[("lahore", "r-1")] = START - timedelta(days=4)
    failures = []
    run = ask_if_fixed(tenants, questions, START, lambda tenant, error: failures.append(tenant))
    assert (run.asked, run.failed, failures) == ({"lahore": 1}, ["karachi"], ["karachi"])


# --- comments and the timeline: the rules ------------------------------------------------------------------


STAFF = Viewer("amina", staff=True)


def test_staff_and_the_reporter_comment_and_nobody_else(reports, tenants, timeline):
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    add_comment(reports, timeline, "lahore", report_id, "alice", False, "it is near the bridge", False)
    add_comment(reports, timeline, "lahore", report_id, "amina", True, "truck 7 goes tomorrow", True)
    add_comment(reports, timeline, "lahore", report_id, "dan-driver", True, "on my way", False)
    with pytest.raises(CommentNotAllowed):
        add_comment(reports, timeline, "lahore", report_id, "bob", False, "me too", False)
    with pytest.raises(InternalCommentNotAllowed):
        add_comment(reports, timeline, "lahore", report_id, "alice", False, "psst", True)
    texts = [entry.text for entry in timeline.comments[("lahore", report_id)]]
    assert texts == ["it is near the bridge", "truck 7 goes tomorrow", "on my way"]


def test_a_duplicate_takes_staff_notes_only_public_comments_belong_to_its_master(reports, tenants, timeline):
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    key = ("lahore", report_id)
    reports.reports[key] = replace(reports.reports[key], status=ReportStatus.DUPLICATE, merged_into="master-1")
    for author, staff in (("alice", False), ("amina", True)):
        with pytest.raises(MergedReport) as refused:
            add_comment(reports, timeline, "lahore", report_id, author, staff, "still there", False)
        assert refused.value.details == [{"merged_into": "master-1"}]
    add_comment(reports, timeline, "lahore", report_id, "amina", True, "merged: same pile", True)
    assert [entry.text for entry in timeline.comments[key]] == ["merged: same pile"]


def test_the_timeline_holds_changes_and_comments_in_order_and_internal_ones_for_staff(
    reports, tenants, fleet, timeline
):
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    add_comment(reports, timeline, "lahore", report_id, "amina", True, "check the permit", True)
    change_status(reports, fleet, "lahore", report_id, ReportStatus.VERIFIED, "amina", None)
    add_comment(reports, timeline, "lahore", report_id, "amina", True, "a truck goes tomorrow", False)
    staff = read_timeline(reports, timeline, "lahore", report_id, STAFF, 50, None).items
    assert [(e.action, e.text) for e in staff] == [
        ("created", None), (COMMENTED, "check the permit"), ("verified", None), (COMMENTED, "a truck goes tomorrow"),
    ]  # fmt: skip
    for citizen in (Viewer("alice"), Viewer("bob"), Viewer(None)):
        seen = read_timeline(reports, timeline, "lahore", report_id, citizen, 50, None).items
        assert [(e.action, e.text) for e in seen] == [
            ("created", None), ("verified", None), (COMMENTED, "a truck goes tomorrow"),
        ]  # fmt: skip
    others = read_timeline(reports, timeline, "lahore", report_id, Viewer("bob"), 50, None).items
    assert [(e.actor, e.at.minute) for e in others] == [("reporter", 0), ("staff", 0), ("staff", 0)]


# --- the routes ------------------------------------------------------------------------------------------------


@pytest.fixture
def ports(reports, tenants, fleet, timeline, agreement):
    return {
        report_repository: reports,
        tenant_repository: tenants,
        fleet_repository: fleet,
        timeline_repository: timeline,
        agreement_repository: agreement,
        user_repository: MemoryUsers(),
    }


def caller(ports, user: str, group: Group = Group.CITIZEN, now: datetime | None = None, function="reports_api"):
    return signed_in_client(function, user, group, {**ports, clock: now or START + timedelta(days=1)})


def test_comment_routes_take_staff_and_the_reporter_and_refuse_the_rest(ports, reports, tenants):
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    url = f"/reports/{report_id}/comments"
    alice, bob = caller(ports, "alice"), caller(ports, "bob")
    posted = alice.post(url, json={"text": "  near the bridge  "})
    assert posted.status_code == 201, posted.text
    assert {k: posted.json()[k] for k in ("action", "actor", "text", "internal")} == {
        "action": "commented", "actor": "alice", "text": "near the bridge", "internal": False,
    }  # fmt: skip
    assert caller(ports, "dan", Group.DRIVER).post(url, json={"text": "on it", "internal": True}).status_code == 201
    assert caller(ports, "amina", Group.ADMIN).post(url, json={"text": "ok"}).status_code == 201
    for answer, code in [
        (bob.post(url, json={"text": "me too"}), "comment_not_allowed"),
        (caller(ports, "sam", Group.SPONSOR).post(url, json={"text": "hi"}), "comment_not_allowed"),
        (alice.post(url, json={"text": "psst", "internal": True}), "internal_comment_not_allowed"),
    ]:
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, code)
    for text in ("", "   ", "x" * 2001):
        assert alice.post(url, json={"text": text}).status_code == 422
    missing = alice.post("/reports/no-such-report/comments", json={"text": "hello"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "report_not_found")


def test_the_timeline_route_pages_and_shows_internal_comments_to_staff_only(ports, reports, tenants):
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    driver = caller(ports, "dan", Group.DRIVER)
    driver.post(f"/reports/{report_id}/comments", json={"text": "gate locked", "internal": True})
    driver.post(f"/reports/{report_id}/comments", json={"text": "back tomorrow"})
    url = f"/reports/{report_id}/timeline"
    staff = [(e["action"], e["text"]) for e in caller(ports, "amina", Group.ADMIN).get(url).json()["items"]]
    assert staff == [("created", None), ("commented", "gate locked"), ("commented", "back tomorrow")]
    first = caller(ports, "alice").get(url, params={"limit": 1}).json()
    second = caller(ports, "alice").get(url, params={"limit": 1, "cursor": first["cursor"]}).json()
    assert [e["text"] for e in first["items"] + second["items"]] == [None, "back tomorrow"]
    assert second["cursor"] is None
    assert "gate locked" not in caller(ports, "bob").get(url).text
    other_city = signed_in_client("reports_api", "omar", Group.CITIZEN, ports, tenant="karachi").get(url)
    assert (other_city.status_code, other_city.json()["error"]["code"]) == (404, "report_not_found")


def test_an_admin_hides_a_comments_text_from_all_but_staff_and_the_history_says_so(ports, reports, tenants):
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    entry = caller(ports, "alice").post(f"/reports/{report_id}/comments", json={"text": "call 0300-1234567"}).json()
    admin = caller(ports, "amina", Group.ADMIN, function="admin_api")
    url = f"/admin/reports/{report_id}/comments/{entry['entry_id']}/visibility"
    hidden = admin.put(url, json={"text_hidden": True, "reason": "a phone number"})
    assert (hidden.status_code, hidden.json()["text_hidden"]) == (200, True)
    seen = caller(ports, "bob").get(f"/reports/{report_id}/timeline").json()["items"]
    assert [(e["text"], e["text_hidden"]) for e in seen if e["action"] == "commented"] == [(None, True)]
    assert "0300" not in caller(ports, "alice").get(f"/reports/{report_id}/timeline").text
    assert "0300" in caller(ports, "amina", Group.ADMIN).get(f"/reports/{report_id}/timeline").text
    history = caller(ports, "alice").get(f"/reports/{report_id}/history").json()
    assert [(h["action"], h["reason"]) for h in history][-1] == ("comment_hidden", "a phone number")
    missing = admin.put(f"/admin/reports/{report_id}/comments/h-0/visibility", json={"text_hidden": True,
                                                                                     "reason": "x"})  # fmt: skip
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "comment_not_found")
    citizen = caller(ports, "alice", function="admin_api").put(url, json={"text_hidden": False, "reason": "x"})
    assert citizen.status_code == 403


def test_the_confirmation_and_reopening_routes(ports, reports, tenants, fleet, agreement):
    report_id = resolved(reports, tenants, fleet, agreement)
    reopened = caller(ports, "bob").post(f"/reports/{report_id}/reopening", json={"reason": "still there"})
    assert (reopened.status_code, reopened.json()["status"]) == (200, "verified")
    assert reopened.json()["reporter_id"] is None, "a voter sees the report as any other citizen does"
    change_status(reports, fleet, "lahore", report_id, ReportStatus.RESOLVED, "amina", "cleared again")
    confirmed = caller(ports, "alice", now=soon_after(reports, report_id)).post(f"/reports/{report_id}/confirmation")
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")
    history = caller(ports, "alice").get(f"/reports/{report_id}/history").json()
    assert [h["action"] for h in history] == ["created", "verified", "resolved", "reopened", "resolved", "confirmed"]


@pytest.mark.parametrize("route", ["confirmation", "reopening"])
def test_every_refusal_of_an_answer_to_a_resolution(ports, reports, tenants, fleet, agreement, route):
    report_id = resolved(reports, tenants, fleet, agreement)
    body = {"reason": "still there"}
    url = f"/reports/{report_id}/{route}"
    late = soon_after(reports, report_id, days=15)
    for answer, status, code in [
        (caller(ports, "carol").post(url, json=body), 403, "not_reporter_or_voter"),
        (caller(ports, "amina", Group.ADMIN).post(url, json=body), 403, "not_reporter_or_voter"),
        (caller(ports, "dan", Group.DRIVER).post(url, json=body), 403, "not_reporter_or_voter"),
        (caller(ports, "alice", now=late).post(url, json=body), 409, "reopen_window_closed"),
        (caller(ports, "alice").post(f"/reports/no-such-report/{route}", json=body), 404, "report_not_found"),
    ]:
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    assert reports.get("lahore", report_id).status is ReportStatus.RESOLVED
    assert caller(ports, "alice").post(url, json=body).status_code == 200
    again = caller(ports, "alice").post(url, json=body)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")


def test_a_reopening_needs_a_reason(ports, reports, tenants, fleet, agreement):
    report_id = resolved(reports, tenants, fleet, agreement)
    for body in ({}, {"reason": "  "}, {"reason": "x" * 201}):
        assert caller(ports, "alice").post(f"/reports/{report_id}/reopening", json=body).status_code == 422
    assert reports.get("lahore", report_id).status is ReportStatus.RESOLVED


def test_a_report_says_when_it_was_resolved_to_the_hour_for_other_citizens(ports, reports, tenants, fleet, agreement):
    report_id = resolved(reports, tenants, fleet, agreement)
    resolved_at = reports.get("lahore", report_id).resolved_at
    assert resolved_at.minute != 0, "the fakes' clock resolves it minutes past the hour"
    own = caller(ports, "alice").get(f"/reports/{report_id}").json()["resolved_at"]
    other = caller(ports, "bob").get(f"/reports/{report_id}").json()["resolved_at"]
    assert (datetime.fromisoformat(own), datetime.fromisoformat(other)) == (
        resolved_at, resolved_at.replace(minute=0, second=0, microsecond=0),
    )  # fmt: skip
