"""The city's records for a date range as CSV files, for admins: reports, cleanup submissions and the ledger."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from ecopulse.api.auth import AdminDep
from ecopulse.api.dependencies import LedgerByDayDep, ReportsDep, SubmissionsByDayDep
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.exports import (
    MAX_EXPORT_DAYS,
    MAX_EXPORT_ROWS,
    Export,
    ExportKind,
    csv_lines,
    export_ledger,
    export_reports,
    export_submissions,
)

router = APIRouter(prefix="/admin/exports", tags=["exports"], responses=ERROR_RESPONSES)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The rows as CSV"}
}


@router.get(
    "/{kind}",
    response_class=StreamingResponse,
    responses=CSV_RESPONSE,
    description=f"The `kind`'s rows created from `from` to `to` (UTC days, both included), oldest first, as a CSV "
    f"download. At most {MAX_EXPORT_DAYS} days and {MAX_EXPORT_ROWS} rows: more is refused (400), to export in "
    "parts. A text cell a spreadsheet would run as a formula starts with an apostrophe.",
)
def export(
    kind: ExportKind,
    caller: AdminDep,
    reports: ReportsDep,
    submissions: SubmissionsByDayDep,
    ledger: LedgerByDayDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> StreamingResponse:
    found: Export
    if kind is ExportKind.REPORTS:
        found = export_reports(reports, caller.tenant, start, end)
    elif kind is ExportKind.SUBMISSIONS:
        found = export_submissions(submissions, caller.tenant, start, end)
    else:
        found = export_ledger(ledger, caller.tenant, start, end)
    return StreamingResponse(
        csv_lines(found.header, found.rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
