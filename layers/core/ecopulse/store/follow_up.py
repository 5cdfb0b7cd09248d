"""The ports of ``ecopulse.follow_up`` on DynamoDB: who agreed with a report (its votes), and the reports waiting
for their "is it fixed?" question (``FixQuestionItem``, listed in gsi1 by the time of their resolution: a Query of
the tenant's waiting list up to a moment, never a Scan; docs/data-model.md)."""

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ecopulse.follow_up import ASKED_IF_FIXED
from ecopulse.reports import ReportStatus
from ecopulse.store.audit import audit_entry
from ecopulse.store.forecasts import REPORTED_TENANTS, ReportedTenantItem
from ecopulse.store.models import FixQuestionItem, ReportItem, VoteItem, sort_stamp
from ecopulse.store.transactions import failed_on_condition, transact

SYSTEM_ACTOR = "system"


class AgreementRepository:
    def agreed(self, tenant: str, report_id: str, user_id: str) -> bool:
        try:
            return VoteItem.get(*VoteItem.keys(tenant, report_id, user_id), consistent_read=True).value == "up"
        except DoesNotExist:
            return False


class FixQuestionRepository:
    def tenants(self) -> list[str]:
        return [item.gsi1sk for item in ReportedTenantItem.gsi1.query(REPORTED_TENANTS)]

    def waiting(self, tenant: str, resolved_before: datetime, limit: int) -> list[str]:
        items = FixQuestionItem.gsi1.query(
            FixQuestionItem.waiting(tenant), FixQuestionItem.gsi1sk < sort_stamp(resolved_before, ""), limit=limit
        )
        return [item.pk.rsplit("#", 1)[-1] for item in items]

    def ask(self, tenant: str, report_id: str, now: datetime) -> bool:
        question = FixQuestionItem(*FixQuestionItem.keys(tenant, report_id))
        entry = audit_entry(tenant, "report", report_id, SYSTEM_ACTOR, ASKED_IF_FIXED, ReportStatus.RESOLVED)

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                question,
                actions=[
                    FixQuestionItem.gsi1pk.remove(),
                    FixQuestionItem.gsi1sk.remove(),
                    FixQuestionItem.asked_at.set(now),
                ],
                condition=FixQuestionItem.gsi1pk.exists(),
            )
            transaction.condition_check(
                ReportItem,
                *ReportItem.keys(tenant, report_id),
                condition=ReportItem.status == ReportStatus.RESOLVED.value,
            )
            transaction.save(entry)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            _off_the_list(question)
            return False
        return True


def _off_the_list(question: FixQuestionItem) -> None:
    """A question that was asked already, or whose report is no longer resolved, leaves the waiting list."""
    try:
        question.update(
            actions=[FixQuestionItem.gsi1pk.remove(), FixQuestionItem.gsi1sk.remove()],
            condition=FixQuestionItem.pk.exists(),
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
