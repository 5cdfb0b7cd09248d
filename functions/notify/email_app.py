"""Workflow task, best effort: e-mail the citizen how their submission ended.

A failure raises, so the workflow retries it; SES refusing for good (EmailRejected) is not retried. Either way the
workflow records the error in the execution and goes on to the inbox and push: mail never fails a submission.
"""

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from outcome import NotifyRequest

from ecopulse.config import deployment
from ecopulse.notifications import Mailer
from ecopulse.observability import logger, metrics, tracer
from ecopulse.store.users import UserRepository
from ecopulse.users import UserNotFound

mailer = Mailer(deployment().notification_sender) if deployment().notification_sender else None
users = UserRepository()


def address_of(tenant: str, user_id: str) -> str | None:
    try:
        return users.get(tenant, user_id).email
    except UserNotFound:
        return None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=NotifyRequest)
def handler(event: NotifyRequest, context: LambdaContext) -> dict:
    if mailer is None:
        return {"status": "skipped", "reason": "the deployment has no sender"}
    address = address_of(event.tenant, event.user_id)
    if not address:
        return {"status": "skipped", "reason": "the citizen has no address"}
    try:
        mailer.send(address, *event.message())
    except Exception:
        metrics.add_metric(name="EmailFailures", unit=MetricUnit.Count, value=1)
        logger.exception("e-mail not sent", extra={"submission_id": event.submission_id})
        raise
    return {"status": "sent"}
