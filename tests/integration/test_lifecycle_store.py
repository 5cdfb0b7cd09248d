"""The ``Timeline`` and ``follow_up`` adapters against moto and DynamoDB Local: comments in a report's trail and
the timeline's sealed, filtered pages; the "is it fixed?" questions written with a resolution, listed by its time
and asked once; the table's transitions recording their rows' actions."""

import uuid
from datetime import timedelta

import pytest

from ecopulse.aggregates import Counted, Listing
from ecopulse.fleet import NewVehicle
from ecopulse.follow_up import ask_if_fixed
from ecopulse.paging import InvalidCursor
from ecopulse.reports import Party, ReportStatus, cast_vote, change_status, file_report
from ecopulse.store.fleet import FleetRepository
from ecopulse.store.follow_up import AgreementRepository, FixQuestionRepository
from ecopulse.store.models import utcnow
from ecopulse.store.reports import ReportRepository
from ecopulse.store.stats import AggregateRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.timeline import TimelineRepository
from ecopulse.tenants import TenantSettings
from ecopulse.timeline import CommentNotFound, NewComment

CANAL = (31.52, 74.36)


@pytest.fixture(scope="module")
def stores(app_table):
    fleet = FleetRepository()
    fleet.add("lahore", NewVehicle("truck-life", "Truck"))
    return ReportRepository(), fleet, TenantRepository()


def new_city() -> str:
    """A tenant of the test's own, so that its waiting questions are the test's alone."""
    return f"city-{uuid.uuid4().hex[:8]}"


def listed_as_reported(city: str) -> None:
    """What the stream's aggregator does for a city's first report (``ecopulse.aggregates``): the question's
    schedule finds the cities there."""
    first = Counted(city, utcnow().date(), None, {"reports_created": 1}, listings=frozenset({Listing.REPORTED}))
    assert AggregateRepository().add(f"first-report-{city}", first)


def test_a_resolution_waits_for_its_question_which_is_asked_once(stores):
    reports, fleet, tenants = stores
    city = new_city()
    report_id = file_report(reports, tenants, city, "alice", "plastic", *CANAL).report_id
    resolved = change_status(reports, fleet, city, report_id, ReportStatus.RESOLVED, "amina", "cleared")
    assert resolved.resolved_at is not None
    questions = FixQuestionRepository()
    assert city not in questions.tenants(), "a report writes only its own items"
    listed_as_reported(city)
    assert city in questions.tenants()
    assert questions.waiting(city, resolved.resolved_at, 10) == []
    later = resolved.resolved_at + timedelta(seconds=1)
    assert questions.waiting(city, later, 10) == [report_id]
    assert questions.ask(city, report_id, later) is True
    assert questions.ask(city, report_id, later) is False
    assert questions.waiting(city, later, 10) == []
    assert [entry.action for entry in reports.history(city, report_id)] == ["created", "resolved", "asked_if_fixed"]


def test_the_scheduled_question_follows_each_citys_days(stores):
    reports, fleet, tenants = stores
    city = new_city()
    tenants.save(city, TenantSettings(fixed_question_after_days=2))
    report_id = file_report(reports, tenants, city, "alice", "plastic", *CANAL).report_id
    change_status(reports, fleet, city, report_id, ReportStatus.RESOLVED, "amina", None)
    listed_as_reported(city)
    questions = FixQuestionRepository()
    early = ask_if_fixed(tenants, questions, utcnow() + timedelta(days=1), lambda tenant, error: None)
    assert early.asked[city] == 0
    due = utcnow() + timedelta(days=2, minutes=1)
    assert ask_if_fixed(tenants, questions, due, lambda tenant, error: None).asked[city] == 1
    assert ask_if_fixed(tenants, questions, due, lambda tenant, error: None).asked[city] == 0


@pytest.mark.parametrize(
    ("target", "action"), [(ReportStatus.CONFIRMED, "confirmed"), (ReportStatus.VERIFIED, "reopened")]
)
def test_an_answer_to_the_resolution_takes_its_question_off_the_list(stores, target, action):
    reports, fleet, tenants = stores
    city = new_city()
    report_id = file_report(reports, tenants, city, "alice", "plastic", *CANAL).report_id
    resolved = change_status(reports, fleet, city, report_id, ReportStatus.RESOLVED, "amina", None)
    answered = change_status(reports, fleet, city, report_id, target, "alice", "why", Party.REPORTER)
    assert answered.status is target
    assert reports.history(city, report_id)[-1].action == action
    questions = FixQuestionRepository()
    assert questions.waiting(city, resolved.resolved_at + timedelta(days=30), 10) == []
    assert questions.ask(city, report_id, utcnow()) is False


def test_only_a_vote_that_agrees_makes_a_citizen_a_voter_who_may_answer(stores):
    reports, _, tenants = stores
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    cast_vote(reports, "lahore", report_id, "bob", agrees=True)
    cast_vote(reports, "lahore", report_id, "carol", agrees=False)
    agreement = AgreementRepository()
    assert [agreement.agreed("lahore", report_id, who) for who in ("bob", "carol", "dave")] == [True, False, False]
    assert not agreement.agreed("karachi", report_id, "bob")


def test_comments_are_in_the_timeline_in_order_internal_ones_for_staff_and_never_in_the_history(stores):
    reports, fleet, tenants = stores
    timeline = TimelineRepository()
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    internal = timeline.add_comment("lahore", NewComment(report_id, "amina", "check the permit", True))
    change_status(reports, fleet, "lahore", report_id, ReportStatus.VERIFIED, "amina", None)
    public = [timeline.add_comment("lahore", NewComment(report_id, "alice", f"note {n}", False)) for n in range(3)]
    staff = timeline.entries("lahore", report_id, True, 50, None).items
    assert [(e.action, e.text) for e in staff] == [
        ("created", None), ("commented", "check the permit"), ("verified", None),
        ("commented", "note 0"), ("commented", "note 1"), ("commented", "note 2"),
    ]  # fmt: skip
    first = timeline.entries("lahore", report_id, False, 2, None)
    second = timeline.entries("lahore", report_id, False, 2, first.cursor)
    third = timeline.entries("lahore", report_id, False, 2, second.cursor)
    seen = [e.text for page in (first, second, third) for e in page.items]
    assert seen == [None, None, "note 0", "note 1", "note 2"] and internal.text not in seen
    with pytest.raises(InvalidCursor):
        timeline.entries("lahore", str(uuid.uuid4()), False, 2, first.cursor)
    assert [entry.action for entry in reports.history("lahore", report_id)] == ["created", "verified"]
    assert timeline.comment("lahore", report_id, public[0].entry_id) == public[0]


def test_a_hidden_comment_keeps_its_text_for_staff_and_the_history_says_who_hid_it(stores):
    reports, _, tenants = stores
    timeline = TimelineRepository()
    report_id = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL).report_id
    comment = timeline.add_comment("lahore", NewComment(report_id, "alice", "call 0300-1234567", False))
    hidden = timeline.set_comment_hidden("lahore", report_id, comment.entry_id, True, "amina", "a phone number")
    assert (hidden.text_hidden, hidden.text) == (True, "call 0300-1234567")
    last = reports.history("lahore", report_id)[-1]
    assert (last.action, last.actor, last.new, last.reason) == (
        "comment_hidden", "amina", comment.entry_id, "a phone number",
    )  # fmt: skip
    created = timeline.entries("lahore", report_id, True, 1, None).items[0]
    for not_a_comment in (created.entry_id, "2026-01-01T00:00:00.000000Z_00000000", "../../etc"):
        with pytest.raises(CommentNotFound):
            timeline.set_comment_hidden("lahore", report_id, not_a_comment, True, "amina", "x")
    with pytest.raises(CommentNotFound):
        timeline.comment("karachi", report_id, comment.entry_id)
