"""CSV exports of a city's reports, submissions and ledger in process: the rules over in-memory day indexes, and
the admin route that serves them, with every refusal."""

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from ecopulse import exports
from ecopulse.api.auth import Group
from ecopulse.api.dependencies import ledger_by_day, report_repository, submissions_by_day
from ecopulse.community import LedgerEntry
from ecopulse.exports import (
    ExportTooLarge,
    InvalidExportRange,
    LedgerGrant,
    csv_lines,
    export_ledger,
    export_reports,
    export_submissions,
    safe_cell,
)
from ecopulse.reports import NewReport, ReportStatus
from ecopulse.submissions import Status, Submission
from tests.unit.function_apps import signed_in_client
from tests.unit.submission_fakes import a_submission
from tests.unit.test_reports import MemoryReports

DAY = date(2026, 12, 6)


class DayIndexedSubmissions:
    """``SubmissionsByDay`` in memory: submissions by tenant, listed by their opening day."""

    def __init__(self) -> None:
        self.submissions: list[Submission] = []

    def opened_on(self, tenant: str, day: date, limit: int) -> list[Submission]:
        found = [s for s in self.submissions if s.tenant == tenant and s.created_at.date() == day]
        return sorted(found, key=lambda s: s.created_at)[:limit]


class DayIndexedLedger:
    """``LedgerByDay`` in memory."""

    def __init__(self) -> None:
        self.grants: list[tuple[str, LedgerGrant]] = []

    def granted_on(self, tenant: str, day: date, limit: int) -> list[LedgerGrant]:
        found = [g for owner, g in self.grants if owner == tenant and g.entry.created_at.date() == day]
        return sorted(found, key=lambda g: g.entry.created_at)[:limit]


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def file(reports: MemoryReports, tenant: str, report_id: str, when: datetime, **fields: object) -> None:
    """A report of ``tenant`` filed at ``when``."""
    new = NewReport(report_id, "alice", "plastic", 31.52, 74.36, "bags", None, (), "normal", None)
    filed = reports.create(tenant, new)
    reports.reports[(tenant, report_id)] = replace(filed, created_at=when, updated_at=when, **fields)  # type: ignore[arg-type]


@pytest.fixture
def stores() -> tuple[MemoryReports, DayIndexedSubmissions, DayIndexedLedger]:
    reports, submissions, ledger = MemoryReports(), DayIndexedSubmissions(), DayIndexedLedger()
    file(reports, "lahore", "r-before", at(DAY - timedelta(days=1), 23))
    file(reports, "lahore", "r-late", at(DAY, 18), status=ReportStatus.RESOLVED)
    file(reports, "lahore", "r-early", at(DAY, 8), description='=HYPERLINK("http://evil")', lng=-74.36)
    file(reports, "karachi", "r-other", at(DAY, 9))
    submissions.submissions += [
        a_submission("s-1", created_at=at(DAY, 10), status=Status.APPROVED, reward=10.0),
        a_submission("s-2", created_at=at(DAY + timedelta(days=1), 10)),
        a_submission("s-other", tenant="karachi", created_at=at(DAY, 11)),
    ]
    ledger.grants += [
        ("lahore", LedgerGrant("alice", LedgerEntry("s-1", 10, "cleanup approved", "pending", None, at(DAY, 12)))),
        ("karachi", LedgerGrant("zara", LedgerEntry("s-9", 5, "cleanup approved", "paid", "0xab", at(DAY, 12)))),
    ]
    return reports, submissions, ledger


def test_reports_of_the_range_come_whatever_their_status_oldest_first_and_only_the_citys(stores):
    reports, _, _ = stores
    exported = export_reports(reports, "lahore", DAY, DAY)
    assert [row[0] for row in exported.rows] == ["r-early", "r-late"]
    assert exported.rows[1][2] == "resolved"
    assert exported.filename == "reports-2026-12-06-2026-12-06.csv"


def test_submissions_and_grants_are_read_day_by_day_from_the_citys_index(stores):
    _, submissions, ledger = stores
    assert [row[0] for row in export_submissions(submissions, "lahore", DAY, DAY + timedelta(days=1)).rows] == [
        "s-1",
        "s-2",
    ]
    granted = export_ledger(ledger, "lahore", DAY, DAY).rows
    assert granted == [(at(DAY, 12).isoformat(), "alice", "s-1", 10, "cleanup approved", "pending", None)]


@pytest.mark.parametrize(("start", "end"), [(DAY, DAY - timedelta(days=1)), (DAY, DAY + timedelta(days=92))])
def test_a_range_backwards_or_longer_than_the_cap_is_refused(stores, start, end):
    with pytest.raises(InvalidExportRange):
        export_reports(stores[0], "lahore", start, end)


def test_more_rows_than_the_cap_are_refused(stores, monkeypatch):
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    with pytest.raises(ExportTooLarge):
        export_reports(stores[0], "lahore", DAY, DAY)
    with pytest.raises(ExportTooLarge):
        export_submissions(stores[1], "lahore", DAY, DAY + timedelta(days=1))


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("plain", "plain"), (-74.36, "-74.36"), (None, "")],
)  # fmt: skip
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_made_text(value, cell):
    assert safe_cell(value) == cell


def test_the_csv_quotes_what_needs_it_and_reads_back():
    text = "".join(csv_lines(["a", "b"], [("x, y", 'say "hi"'), (1, None)]))
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["x, y", 'say "hi"'], ["1", ""]]


def admin_client(stores, group: Group = Group.ADMIN, tenant: str = "lahore"):
    reports, submissions, ledger = stores
    ports = {report_repository: reports, submissions_by_day: submissions, ledger_by_day: ledger}
    return signed_in_client("admin_api", "amina", group, ports, tenant)


def test_an_admin_downloads_the_citys_reports_as_csv(stores):
    answer = admin_client(stores).get("/admin/exports/reports", params={"from": "2026-12-06", "to": "2026-12-06"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="reports-2026-12-06-2026-12-06.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["report_id"] for row in rows] == ["r-early", "r-late"]
    assert rows[0]["description"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["lng"] == "-74.36"


@pytest.mark.parametrize(("kind", "expected"), [("submissions", ["s-1"]), ("ledger", ["s-1"])])
def test_an_admin_downloads_submissions_and_the_ledger_of_their_city_only(stores, kind, expected):
    answer = admin_client(stores).get(f"/admin/exports/{kind}", params={"from": "2026-12-06", "to": "2026-12-06"})
    assert answer.status_code == 200, answer.text
    assert [row["submission_id"] for row in csv.DictReader(io.StringIO(answer.text))] == expected


def test_another_citys_admin_gets_only_their_own_rows(stores):
    answer = admin_client(stores, tenant="karachi").get(
        "/admin/exports/reports", params={"from": "2026-12-06", "to": "2026-12-06"}
    )
    assert [row["report_id"] for row in csv.DictReader(io.StringIO(answer.text))] == ["r-other"]


@pytest.mark.parametrize("group", [Group.CITIZEN, Group.DRIVER])
def test_only_admins_export(stores, group):
    answer = admin_client(stores, group).get("/admin/exports/ledger", params={"from": "2026-12-06", "to": "2026-12-06"})
    assert answer.status_code == 403, answer.text


def test_a_range_over_the_cap_is_a_400_that_says_why(stores):
    answer = admin_client(stores).get("/admin/exports/reports", params={"from": "2026-01-01", "to": "2026-12-06"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_range"
    assert "92 days" in answer.json()["error"]["message"]


def test_too_many_rows_is_a_400_that_says_to_export_less(stores, monkeypatch):
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    answer = admin_client(stores).get("/admin/exports/reports", params={"from": "2026-12-06", "to": "2026-12-06"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "export_too_large"


@pytest.mark.parametrize(
    "params", [{"from": "2026-12-06"}, {"from": "yesterday", "to": "2026-12-06"}], ids=["no end", "not a date"]
)
def test_a_missing_or_malformed_date_is_refused(stores, params):
    assert admin_client(stores).get("/admin/exports/reports", params=params).status_code == 422


def test_an_unknown_kind_is_refused(stores):
    answer = admin_client(stores).get("/admin/exports/users", params={"from": "2026-12-06", "to": "2026-12-06"})
    assert answer.status_code == 422, answer.text
