"""Workflow task: tell the citizen how their submission ended, and what happened to the reward."""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from ecopulse.config import deployment
from ecopulse.messages import outcome_message
from ecopulse.notifications import Notifier
from ecopulse.observability import logger, tracer
from ecopulse.store.users import UserRepository
from ecopulse.submissions import Decision
from ecopulse.users import UserNotFound

notifier = Notifier(deployment().notifications_topic_arn, deployment().notification_sender)
users = UserRepository()


class Recorded(BaseModel):
    status: str
    reward: int = 0
    wallet: str | None = None


class NotifyRequest(BaseModel):
    notified_at: datetime | None = Field(default=None, description="When the workflow entered the step")
    tenant: str
    submission_id: str
    user_id: str
    decision: Decision
    recorded: Recorded
    payout: dict[str, Any] | None = None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=NotifyRequest)
def handler(event: NotifyRequest, context: LambdaContext) -> dict:
    payout = (event.payout or {}).get("outcome")
    title, body = outcome_message(
        event.decision.outcome, event.decision.reason, event.recorded.reward, event.recorded.wallet, payout
    )
    try:
        email = users.get(event.tenant, event.user_id).email
    except UserNotFound:
        email = None
    message_id = notifier.notify(
        event.tenant, event.user_id, title, body, event.submission_id, email, sent_at=event.notified_at
    )
    return {"message_id": message_id}
