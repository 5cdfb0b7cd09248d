"""After a report is resolved: its reporter, and the citizens who voted that it was right, confirm the fix (the
report is closed as ``confirmed``) or reopen it (back in the queue as ``verified``), within the city's
``reopen_window_days`` of the resolution. ``fixed_question_after_days`` after it, a scheduled function asks the
reporter once whether it is fixed (a notice with both answers, ``ecopulse.report_notices``).

Both answers are rows of ``reports.TRANSITIONS``; whoever else asks is refused (403), and so is an answer after the
window (409 ``reopen_window_closed``) or on a report that is not resolved (409 ``invalid_transition``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from ecopulse.fleet import Fleet
from ecopulse.reports import Party, Report, Reports, ReportStatus, check_transition, move
from ecopulse.tenants import Tenants

ASKED_IF_FIXED = "asked_if_fixed"
# Reports asked about per query of a tenant's waiting questions; the run goes on until none is waiting.
ASK_BATCH = 100


class NotReporterOrVoter(PermissionError):
    """Only the reporter and the citizens who agreed with the report confirm or reopen it."""


class ResponseWindowClosed(Exception):
    """The city's window to confirm or reopen a resolution has passed."""

    def __init__(self, report_id: str, closed_at: datetime) -> None:
        super().__init__(f"report {report_id} could be confirmed or reopened until {closed_at.isoformat()}")
        self.message = f"a resolution may be confirmed or reopened until {closed_at.isoformat()}"


class Agreement(Protocol):
    def agreed(self, tenant: str, report_id: str, user_id: str) -> bool:
        """The citizen voted that the report is right."""
        ...


class FixQuestions(Protocol):
    def tenants(self) -> list[str]:
        """Every tenant with reports."""
        ...

    def waiting(self, tenant: str, resolved_before: datetime, limit: int) -> list[str]:
        """Reports resolved before the moment whose reporter has not been asked, oldest resolution first."""
        ...

    def ask(self, tenant: str, report_id: str, now: datetime) -> bool:
        """Writes the ``asked_if_fixed`` entry of the report's trail and takes its question off the waiting list, in
        one transaction; False (and off the list) when it was asked already or the report is no longer resolved."""
        ...


def party_of(agreement: Agreement, tenant: str, report: Report, user_id: str) -> Party:
    if user_id == report.reporter_id:
        return Party.REPORTER
    if agreement.agreed(tenant, report.report_id, user_id):
        return Party.VOTER
    raise NotReporterOrVoter(f"{user_id} neither filed nor agreed with report {report.report_id}")


def answer_resolution(
    reports: Reports,
    fleet: Fleet,
    tenants: Tenants,
    agreement: Agreement,
    tenant: str,
    report_id: str,
    user_id: str,
    fixed: bool,
    reason: str | None,
    now: datetime,
) -> Report:
    """The reporter or an agreeing voter says the fix holds (``confirmed``) or not (``reopened``: verified again)."""
    report = reports.get(tenant, report_id)
    party = party_of(agreement, tenant, report, user_id)
    target = ReportStatus.CONFIRMED if fixed else ReportStatus.VERIFIED
    check_transition(report, target, party)
    window = timedelta(days=tenants.settings(tenant).reopen_window_days)
    resolved_at = report.resolved_at or report.updated_at
    if now > resolved_at + window:
        raise ResponseWindowClosed(report_id, resolved_at + window)
    return move(reports, fleet, tenant, report, target, user_id, reason, party)


@dataclass
class Asked:
    """What one run of the question did, per tenant."""

    asked: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"asked": self.asked, "failed": self.failed}


def ask_if_fixed(
    tenants: Tenants,
    questions: FixQuestions,
    now: datetime,
    failed: Callable[[str, Exception], None],
) -> Asked:
    """Asks each reporter whose report was resolved ``fixed_question_after_days`` ago or more, once: a run again
    (the schedule may fire twice) finds those already asked off the list. A tenant that fails does not stop the
    others."""
    run = Asked()
    for tenant in questions.tenants():
        try:
            run.asked[tenant] = _ask_tenant(tenants, questions, tenant, now)
        except Exception as error:  # one city's failure is reported, and the others are still asked
            failed(tenant, error)
            run.failed.append(tenant)
    return run


def _ask_tenant(tenants: Tenants, questions: FixQuestions, tenant: str, now: datetime) -> int:
    resolved_before = now - timedelta(days=tenants.settings(tenant).fixed_question_after_days)
    asked = 0
    while batch := questions.waiting(tenant, resolved_before, ASK_BATCH):
        asked += sum(questions.ask(tenant, report_id, now) for report_id in batch)
        if len(batch) < ASK_BATCH:
            break
    return asked
