"""Workflow task: tell the citizen how their submission ended, and what happened to the reward (inbox and push)."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.config import deployment
from ecopulse.messages import NotifyRequest, notify_outcome
from ecopulse.notifications import Notifier
from ecopulse.observability import logger, tracer
from ecopulse.store.report_notices import PeopleRepository

notifier = Notifier(deployment().notifications_topic_arn)
people = PeopleRepository()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=NotifyRequest)
def handler(event: NotifyRequest, context: LambdaContext) -> dict:
    return {"message_id": notify_outcome(notifier, people, event)}
