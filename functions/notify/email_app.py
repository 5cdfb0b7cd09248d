"""Workflow task, best effort: e-mail the citizen how their submission ended.

A failure raises, so the workflow retries it; SES refusing for good (EmailRejected) is not retried. Either way the
workflow records the error in the execution and goes on to the inbox and push: mail never fails a submission.
"""

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.config import deployment
from ecopulse.messages import NotifyRequest, email_outcome
from ecopulse.notifications import Mailer
from ecopulse.observability import logger, metrics, tracer
from ecopulse.store.users import UserRepository

mailer = Mailer(deployment().notification_sender) if deployment().notification_sender else None
users = UserRepository()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=NotifyRequest)
def handler(event: NotifyRequest, context: LambdaContext) -> dict:
    try:
        return {"status": email_outcome(mailer, users, event)}
    except Exception:
        metrics.add_metric(name="EmailFailures", unit=MetricUnit.Count, value=1)
        logger.exception("e-mail not sent", extra={"submission_id": event.submission_id})
        raise
