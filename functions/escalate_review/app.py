"""Workflow task: a review waited too long. The tenant's admins are told; its settings say wait or reject."""

from datetime import datetime

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from ecopulse.config import deployment
from ecopulse.messages import escalate_review
from ecopulse.notifications import Notifier
from ecopulse.observability import logger, tracer
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.users import UserRepository

tenants = TenantRepository()
users = UserRepository()
notifier = Notifier(deployment().notifications_topic_arn)


class EscalationRequest(BaseModel):
    escalated_at: datetime | None = Field(default=None, description="When the workflow entered the step")
    tenant: str
    submission_id: str


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=EscalationRequest)
def handler(event: EscalationRequest, context: LambdaContext) -> dict:
    escalation = escalate_review(notifier, users, tenants, event.tenant, event.submission_id, event.escalated_at)
    logger.info("review escalated", extra={"submission_id": event.submission_id, "admins": escalation.admins_told})
    return {"action": escalation.action, "admins_told": escalation.admins_told}
