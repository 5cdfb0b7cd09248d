"""Workflow task: tell the citizen how their submission ended."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from ecopulse.config import settings
from ecopulse.notifications import Notifier
from ecopulse.observability import logger, tracer
from ecopulse.submissions import Decision, Outcome

notifier = Notifier(settings().notifications_topic_arn)


class NotifyRequest(BaseModel):
    tenant: str
    submission_id: str
    user_id: str
    decision: Decision


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=NotifyRequest)
def handler(event: NotifyRequest, context: LambdaContext) -> dict:
    if event.decision.outcome is Outcome.APPROVED:
        title, body = "Cleanup approved", "Thank you: your cleanup was verified."
    else:
        title, body = "Cleanup not approved", f"Your cleanup was not approved: {event.decision.reason}."
    message_id = notifier.notify(event.tenant, event.user_id, title, body, event.submission_id)
    return {"message_id": message_id}
