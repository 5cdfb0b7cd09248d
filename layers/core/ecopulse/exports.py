"""A city's records for a date range as CSV, for the spreadsheets a city keeps: reports, cleanup submissions and the
reward ledger. Each is read off a time-ordered index (reports by status, submissions and grants by day), never a
scan, and a range is capped in days and rows so that one export stays one Lambda's work."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from ecopulse.community import LedgerEntry
from ecopulse.reports import Reports, ReportStatus
from ecopulse.submissions import Submission

MAX_EXPORT_DAYS = 92
MAX_EXPORT_ROWS = 10_000
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ExportKind(StrEnum):
    REPORTS = "reports"
    SUBMISSIONS = "submissions"
    LEDGER = "ledger"


class InvalidExportRange(ValueError):
    """A range that ends before it starts, or spans more days than one export may."""


class ExportTooLarge(ValueError):
    """More rows than one export may hold: the admin exports a shorter range."""


@dataclass(frozen=True)
class LedgerGrant:
    """A ledger entry with the citizen it was granted to."""

    user_id: str
    entry: LedgerEntry


class SubmissionsByDay(Protocol):
    def opened_on(self, tenant: str, day: date, limit: int) -> list[Submission]:
        """The submissions opened on ``day`` (UTC), oldest first."""
        ...


class LedgerByDay(Protocol):
    def granted_on(self, tenant: str, day: date, limit: int) -> list[LedgerGrant]:
        """The rewards granted on ``day`` (UTC), oldest first."""
        ...


@dataclass(frozen=True)
class Export:
    kind: ExportKind
    start: date
    end: date
    header: tuple[str, ...]
    rows: Sequence[Sequence[object]]

    @property
    def filename(self) -> str:
        return f"{self.kind.value}-{self.start.isoformat()}-{self.end.isoformat()}.csv"


REPORT_COLUMNS = (
    "report_id", "created_at", "status", "priority", "waste_type", "zone", "lat", "lng", "address", "description",
    "reporter_id", "votes_up", "votes_down", "vehicle_id", "updated_at",
)  # fmt: skip
SUBMISSION_COLUMNS = (
    "submission_id", "created_at", "status", "task", "user_id", "report_id", "decided_by", "review_outcome",
    "rejection_reason", "reward", "mint_tx", "updated_at",
)  # fmt: skip
LEDGER_COLUMNS = ("created_at", "user_id", "submission_id", "amount", "reason", "state", "tx_hash")


def check_range(start: date, end: date) -> None:
    if start > end or (end - start).days >= MAX_EXPORT_DAYS:
        raise InvalidExportRange(f"from {start} to {end}")


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def _capped[T](rows: list[T]) -> list[T]:
    if len(rows) > MAX_EXPORT_ROWS:
        raise ExportTooLarge(f"more than {MAX_EXPORT_ROWS} rows")
    return rows


def _stamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment else ""


def export_reports(reports: Reports, tenant: str, start: date, end: date) -> Export:
    """Every report filed in the range, whatever its status now, oldest first."""
    check_range(start, end)
    since, until = datetime.combine(start, time.min, UTC), datetime.combine(end, time.max, UTC)
    found = reports.created_between(tenant, list(ReportStatus), since, until, MAX_EXPORT_ROWS + 1)
    rows = [
        (
            r.report_id,
            _stamp(r.created_at),
            r.status.value,
            r.priority,
            r.waste_type,
            r.zone,
            r.lat,
            r.lng,
            r.address,
            r.description,
            r.reporter_id,
            r.votes_up,
            r.votes_down,
            r.vehicle_id,
            _stamp(r.updated_at),
        )  # fmt: skip
        for r in sorted(_capped(found), key=lambda report: report.created_at)
    ]
    return Export(ExportKind.REPORTS, start, end, REPORT_COLUMNS, rows)


def export_submissions(submissions: SubmissionsByDay, tenant: str, start: date, end: date) -> Export:
    """Every cleanup submission opened in the range, oldest first."""
    check_range(start, end)
    found: list[Submission] = []
    for day in _days(start, end):
        found.extend(submissions.opened_on(tenant, day, MAX_EXPORT_ROWS + 1 - len(found)))
        _capped(found)
    rows = [
        (
            s.submission_id,
            _stamp(s.created_at),
            s.status.value,
            s.task,
            s.user_id,
            s.report_id,
            s.decided_by,
            s.review_decision.outcome.value if s.review_decision else None,
            s.rejection_reason,
            s.reward,
            s.mint_tx,
            _stamp(s.updated_at),
        )  # fmt: skip
        for s in found
    ]
    return Export(ExportKind.SUBMISSIONS, start, end, SUBMISSION_COLUMNS, rows)


def export_ledger(ledger: LedgerByDay, tenant: str, start: date, end: date) -> Export:
    """Every reward granted in the range and how far its payout has got, oldest first."""
    check_range(start, end)
    found: list[LedgerGrant] = []
    for day in _days(start, end):
        found.extend(ledger.granted_on(tenant, day, MAX_EXPORT_ROWS + 1 - len(found)))
        _capped(found)
    rows = [
        (
            _stamp(g.entry.created_at),
            g.user_id,
            g.entry.submission_id,
            g.entry.amount,
            g.entry.reason,
            g.entry.state,
            g.entry.tx_hash,
        )  # fmt: skip
        for g in found
    ]
    return Export(ExportKind.LEDGER, start, end, LEDGER_COLUMNS, rows)


def safe_cell(value: object) -> str:
    """The cell as text; text that a spreadsheet would run as a formula gets a leading apostrophe (numbers, such
    as a negative longitude, stay numbers)."""
    if isinstance(value, int | float):
        return str(value)
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV one line at a time (RFC 4180: quoted where needed, CRLF line ends), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in [list(header), *rows]:
        writer.writerow([safe_cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
