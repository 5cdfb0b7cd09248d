"""Workflow task: tell the citizen how their submission ended, and what happened to the reward (inbox and push)."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from outcome import NotifyRequest

from ecopulse.config import deployment
from ecopulse.notifications import Notifier
from ecopulse.observability import logger, tracer

notifier = Notifier(deployment().notifications_topic_arn)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=NotifyRequest)
def handler(event: NotifyRequest, context: LambdaContext) -> dict:
    title, body = event.message()
    message_id = notifier.notify(
        event.tenant, event.user_id, title, body, event.submission_id, sent_at=event.notified_at
    )
    return {"message_id": message_id}
