"""Workflow task: approve or reject a submission, only from a status that allows it."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from ecopulse.observability import logger, tracer
from ecopulse.store.submissions import SubmissionRepository
from ecopulse.submissions import Decision, status_for

submissions = SubmissionRepository()


class DecisionRequest(BaseModel):
    tenant: str
    submission_id: str
    decision: Decision


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=DecisionRequest)
def handler(event: DecisionRequest, context: LambdaContext) -> dict:
    decision = event.decision
    item = submissions.decide(
        event.tenant, event.submission_id, status_for(decision.outcome), decision.reason, decision.reviewer
    )
    return {"submission_id": event.submission_id, "status": item.status}
