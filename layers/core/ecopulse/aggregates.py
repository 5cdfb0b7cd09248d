"""What each change of an item counts for in the aggregates: the one place that maps a report's, a submission's,
a ledger entry's, an attendance's or a review label's change to the day's, the zone's and the all-time counters, the
heat cells, the tenant's tally of review labels and the lists of tenants that the scheduled functions read.

A request writes only its own items. The table's stream brings their changes to the aggregator
(``functions/aggregate``), which adds what ``counted`` says once per stream record (``count_change``): a city's
burst of reports, votes and approvals shares no key, and the counters follow within seconds. Counters count what
happened (a report resolved, then reopened and resolved again, counts twice); an item removed takes nothing back.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from ecopulse.reports import ReportStatus
from ecopulse.submissions import Status

Image = Mapping[str, Any]

# A report moved into one of these statuses adds one to its counter. Statuses not named here (verified, and any
# added later until they are named here) count for nothing.
REPORT_STATUS_COUNTERS: dict[str, str] = {
    ReportStatus.DISPATCHED: "reports_dispatched",
    ReportStatus.RESOLVED: "reports_resolved",
    ReportStatus.REJECTED: "reports_rejected",
    ReportStatus.CONFIRMED: "reports_confirmed",
    ReportStatus.DUPLICATE: "reports_merged",
}
# A resolution the reporter or a voter said did not hold: the report is open again (resolved -> verified).
REOPENED_COUNTER = "reports_reopened"
# Who decided a submission: these decide alone; any other name is an admin's. Intake's refusals (a photo that is
# not one) are not decisions and count only as received, if they were.
DECIDED_ALONE = frozenset({"model", "system"})
REFUSED_AT_INTAKE = "intake"


class Kind(StrEnum):
    """The items whose changes count."""

    REPORT = "report"
    SUBMISSION = "submission"
    LEDGER = "ledger"
    ATTENDANCE = "attendance"
    LABEL = "label"


class Listing(StrEnum):
    """The tenant lists the scheduled functions read instead of scanning."""

    REPORTED = "reported"  # tenants with reports: the forecasts
    REWARDED = "rewarded"  # tenants with a ledger: the reconcile


@dataclass(frozen=True)
class Change:
    """One item's change as the stream gives it: its images before and after (None when it did not exist / was
    removed) and when it was made (the stream record's approximate time, to the second)."""

    kind: Kind
    old: Image | None
    new: Image | None
    at: datetime


@dataclass(frozen=True)
class Counted:
    """What one change adds: ``counters`` to its day and to all time, tenant-wide and in its zone when it has one;
    one report to ``heat_cell``; the tenant to each of ``listings``; ``labels`` (approved, rejected) to the tenant's
    tally of review labels, which lists it among the tenants to train."""

    tenant: str
    day: date
    zone: str | None
    counters: dict[str, int | float]
    heat_cell: str | None = None
    listings: frozenset[Listing] = field(default_factory=frozenset)
    labels: dict[str, int] = field(default_factory=dict)


class Aggregates(Protocol):
    def add(self, change_id: str, counted: Counted) -> bool:
        """Adds ``counted`` unless the change ``change_id`` was added before; whether this call added it."""
        ...


def count_change(aggregates: Aggregates, change_id: str, change: Change) -> Counted | None:
    """Adds what the change counts for, once however often its stream record is delivered; what was added, if
    anything (None also for a record delivered again)."""
    counted = counted_for(change)
    if counted is None or not aggregates.add(change_id, counted):
        return None
    return counted


def counted_for(change: Change) -> Counted | None:
    if change.new is None:
        return None
    return _COUNTING[change.kind](change.old, change.new, change.at)


def _moment(value: Any) -> datetime:
    """A stored time (pynamodb's UTCDateTimeAttribute: ISO 8601 with its offset) as an aware datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _number(value: Any) -> int | float:
    number = Decimal(str(value or 0))
    return int(number) if number == number.to_integral_value() else float(number)


def _report(old: Image | None, new: Image, at: datetime) -> Counted | None:
    zone = new.get("zone") or None
    if old is None:
        return Counted(
            tenant=str(new["tenant"]),
            day=_moment(new["created_at"]).date(),
            zone=zone,
            counters={"reports_created": 1},
            heat_cell=str(new["geohash"]),
            listings=frozenset({Listing.REPORTED}),
        )
    counters: dict[str, int | float] = {}
    day = at.date()
    counter = REPORT_STATUS_COUNTERS.get(str(new.get("status")))
    if (old.get("status"), new.get("status")) == (ReportStatus.RESOLVED, ReportStatus.VERIFIED):
        counter = REOPENED_COUNTER
    if counter and old.get("status") != new.get("status"):
        counters[counter] = 1
        day = _moment(new["updated_at"]).date()
    votes = _votes(new) - _votes(old)
    if votes:
        counters["votes"] = votes
    return Counted(str(new["tenant"]), day, zone, counters) if counters else None


def _votes(image: Image) -> int | float:
    return _number(image.get("votes_up")) + _number(image.get("votes_down"))


def _submission(old: Image | None, new: Image, at: datetime) -> Counted | None:
    was, status = (old or {}).get("status"), new.get("status")
    if was == status:
        return None
    counters: dict[str, int | float] = {}
    if status == Status.RECEIVED:
        counters["submissions_received"] = 1
    elif status in (Status.APPROVED, Status.REJECTED) and new.get("decided_by") != REFUSED_AT_INTAKE:
        alone = new.get("decided_by") in DECIDED_ALONE
        counters["submissions_approved" if status == Status.APPROVED else "submissions_rejected"] = 1
        counters["decided_by_model" if alone else "decided_by_admin"] = 1
        if not alone and old is not None and was == Status.IN_REVIEW:
            waited = _moment(new["updated_at"]) - _moment(old["updated_at"])
            counters["review_seconds"] = int(waited.total_seconds())
    if not counters:
        return None
    return Counted(str(new["tenant"]), _moment(new.get("updated_at") or at).date(), None, counters)


def _ledger(old: Image | None, new: Image, at: datetime) -> Counted | None:
    amount = _number(new.get("amount"))
    if old is None:
        return Counted(
            tenant=str(new["tenant"]),
            day=_moment(new["created_at"]).date(),
            zone=None,
            counters={"rewards_granted": amount},
            listings=frozenset({Listing.REWARDED}),
        )
    if new.get("state") == "paid" and old.get("state") != "paid":
        return Counted(str(new["tenant"]), at.date(), None, {"rewards_minted": amount})
    return None


def _attendance(old: Image | None, new: Image, at: datetime) -> Counted | None:
    if not new.get("checked_in_at") or (old or {}).get("checked_in_at"):
        return None
    return Counted(str(new["tenant"]), _moment(new["checked_in_at"]).date(), None, {"checkins": 1})


def _label(old: Image | None, new: Image, at: datetime) -> Counted | None:
    if old is not None:  # a label is written once
        return None
    decision = "approved" if new.get("approved") else "rejected"
    return Counted(str(new["tenant"]), _moment(new["decided_at"]).date(), None, {}, labels={decision: 1})


_COUNTING = {
    Kind.REPORT: _report,
    Kind.SUBMISSION: _submission,
    Kind.LEDGER: _ledger,
    Kind.ATTENDANCE: _attendance,
    Kind.LABEL: _label,
}


def moment_of(epoch_seconds: int | None) -> datetime:
    """The stream record's approximate time, or now for a record without one."""
    return datetime.fromtimestamp(epoch_seconds, UTC) if epoch_seconds is not None else datetime.now(UTC)
