"""Workflow task: park a doubtful submission in the admin review queue with its task token."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from ecopulse.observability import logger, tracer
from ecopulse.store.submissions import SubmissionRepository

submissions = SubmissionRepository()


class ReviewRequest(BaseModel):
    tenant: str
    submission_id: str
    task_token: str
    verdict: dict


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=ReviewRequest)
def handler(event: ReviewRequest, context: LambdaContext) -> dict:
    item = submissions.park_for_review(event.tenant, event.submission_id, event.task_token)
    return {"submission_id": event.submission_id, "status": item.status}
