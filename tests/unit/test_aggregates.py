"""What each item change counts for in the aggregates, and that a change delivered again adds nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ecopulse.aggregates import Change, Counted, Kind, Listing, count_change, counted_for

AT = datetime(2026, 12, 7, 23, 59, 59, tzinfo=UTC)
CREATED = "2026-12-05T10:00:00.000000+0000"
UPDATED = "2026-12-06T10:00:00.000000+0000"
REPORT = {
    "tenant": "lahore", "report_id": "r1", "status": "submitted", "zone": "old-city", "geohash": "tsu1kq",
    "votes_up": Decimal(0), "votes_down": Decimal(0), "created_at": CREATED, "updated_at": CREATED,
}  # fmt: skip
SUBMISSION = {"tenant": "lahore", "submission_id": "s1", "status": "awaiting_upload", "updated_at": CREATED}
LEDGER = {"tenant": "lahore", "amount": Decimal(10), "state": "pending", "created_at": CREATED}


def change(kind: Kind, old: dict | None, new: dict | None) -> Change:
    return Change(kind, old, new, AT)


def test_a_new_report_counts_on_its_day_in_its_zone_its_heat_cell_and_lists_its_tenant():
    assert counted_for(change(Kind.REPORT, None, REPORT)) == Counted(
        "lahore", date(2026, 12, 5), "old-city", {"reports_created": 1}, "tsu1kq", frozenset({Listing.REPORTED})
    )


@pytest.mark.parametrize(
    ("status", "counter"),
    [
        ("dispatched", "reports_dispatched"),
        ("resolved", "reports_resolved"),
        ("rejected", "reports_rejected"),
        ("confirmed", "reports_confirmed"),
        ("duplicate", "reports_merged"),
    ],
)
def test_a_report_moved_into_a_counted_status_counts_on_the_day_it_moved(status, counter):
    moved = REPORT | {"status": status, "updated_at": UPDATED}
    assert counted_for(change(Kind.REPORT, REPORT, moved)) == Counted(
        "lahore", date(2026, 12, 6), "old-city", {counter: 1}
    )


def test_a_resolution_reopened_counts_as_reopened_not_as_verified():
    resolved = REPORT | {"status": "resolved"}
    reopened = REPORT | {"status": "verified", "updated_at": UPDATED}
    assert counted_for(change(Kind.REPORT, resolved, reopened)) == Counted(
        "lahore", date(2026, 12, 6), "old-city", {"reports_reopened": 1}
    )


def test_report_changes_that_count_for_nothing():
    verified = REPORT | {"status": "verified", "updated_at": UPDATED}
    assert counted_for(change(Kind.REPORT, REPORT, verified)) is None, "verified is not counted"
    hidden = REPORT | {"text_hidden": True, "updated_at": UPDATED}
    assert counted_for(change(Kind.REPORT, REPORT, hidden)) is None, "no status or vote changed"
    resolved = REPORT | {"status": "resolved"}
    assert counted_for(change(Kind.REPORT, resolved, resolved | {"priority": "high"})) is None, "still resolved"
    assert counted_for(change(Kind.REPORT, REPORT, None)) is None, "a removal takes nothing back"


def test_a_vote_counts_in_the_reports_zone_on_the_day_the_stream_saw_it():
    voted = REPORT | {"votes_down": Decimal(1)}
    assert counted_for(change(Kind.REPORT, REPORT, voted)) == Counted("lahore", AT.date(), "old-city", {"votes": 1})


def test_a_submission_received_then_decided_by_the_model():
    received = SUBMISSION | {"status": "received", "updated_at": UPDATED}
    assert counted_for(change(Kind.SUBMISSION, SUBMISSION, received)) == Counted(
        "lahore", date(2026, 12, 6), None, {"submissions_received": 1}
    )
    approved = received | {"status": "approved", "decided_by": "model"}
    assert counted_for(change(Kind.SUBMISSION, received, approved)).counters == {
        "submissions_approved": 1, "decided_by_model": 1,
    }  # fmt: skip
    assert counted_for(change(Kind.SUBMISSION, approved, approved | {"mint_tx": "0x1"})) is None


def test_an_admins_decision_counts_the_seconds_the_submission_waited_in_review():
    waiting = SUBMISSION | {"status": "in_review", "updated_at": CREATED}
    rejected = waiting | {"status": "rejected", "decided_by": "amina", "updated_at": "2026-12-05T10:02:05.500000+0000"}
    assert counted_for(change(Kind.SUBMISSION, waiting, rejected)).counters == {
        "submissions_rejected": 1, "decided_by_admin": 1, "review_seconds": 125,
    }  # fmt: skip


def test_a_photo_refused_at_intake_is_no_decision():
    refused = SUBMISSION | {"status": "rejected", "decided_by": "intake", "updated_at": UPDATED}
    assert counted_for(change(Kind.SUBMISSION, SUBMISSION, refused)) is None


def test_a_ledger_entry_counts_granted_and_lists_its_tenant_then_minted_once_paid():
    assert counted_for(change(Kind.LEDGER, None, LEDGER)) == Counted(
        "lahore", date(2026, 12, 5), None, {"rewards_granted": 10}, listings=frozenset({Listing.REWARDED})
    )
    paid = LEDGER | {"state": "paid", "tx_hash": "0xabc"}
    assert counted_for(change(Kind.LEDGER, LEDGER, paid)) == Counted("lahore", AT.date(), None, {"rewards_minted": 10})
    assert counted_for(change(Kind.LEDGER, LEDGER, LEDGER | {"state": "mint_failed"})) is None
    assert counted_for(change(Kind.LEDGER, paid, paid | {"reason": "again"})) is None


def test_a_check_in_counts_once_and_joining_counts_nothing():
    joined = {"tenant": "lahore", "user_id": "u1", "created_at": CREATED}
    assert counted_for(change(Kind.ATTENDANCE, None, joined)) is None
    arrived = joined | {"checked_in_at": UPDATED}
    assert counted_for(change(Kind.ATTENDANCE, joined, arrived)) == Counted(
        "lahore", date(2026, 12, 6), None, {"checkins": 1}
    )
    assert counted_for(change(Kind.ATTENDANCE, arrived, arrived | {"username": "Ali"})) is None


def test_a_review_label_adds_its_decision_to_the_tenants_tally_once():
    label = {"tenant": "lahore", "submission_id": "s1", "approved": False, "decided_at": UPDATED}
    assert counted_for(change(Kind.LABEL, None, label)) == Counted(
        "lahore", date(2026, 12, 6), None, {}, labels={"rejected": 1}
    )
    assert counted_for(change(Kind.LABEL, label, label | {"approved": True})) is None, "a label is written once"


class FakeAggregates:
    def __init__(self) -> None:
        self.added: dict[str, Counted] = {}

    def add(self, change_id: str, counted: Counted) -> bool:
        if change_id in self.added:
            return False
        self.added[change_id] = counted
        return True


def test_a_change_delivered_again_adds_nothing():
    aggregates = FakeAggregates()
    created = change(Kind.REPORT, None, REPORT)
    assert count_change(aggregates, "event-1", created) is not None
    assert count_change(aggregates, "event-1", created) is None
    assert list(aggregates.added) == ["event-1"]
    assert count_change(aggregates, "event-2", change(Kind.REPORT, REPORT, REPORT)) is None, "nothing to add"
    assert list(aggregates.added) == ["event-1"]
