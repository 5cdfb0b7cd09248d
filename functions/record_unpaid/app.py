"""Workflow task: a mint that failed for good leaves the submission approved but unpaid, visible to admins."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from ecopulse.observability import logger, tracer
from ecopulse.store.rewards import RewardRepository

rewards = RewardRepository()


class MintError(BaseModel):
    Error: str
    Cause: str | None = None


class UnpaidRequest(BaseModel):
    tenant: str
    submission_id: str
    user_id: str
    error: MintError


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=UnpaidRequest)
def handler(event: UnpaidRequest, context: LambdaContext) -> dict:
    reason = f"{event.error.Error}: {event.error.Cause or 'no detail'}"
    rewards.record_mint_failure(event.tenant, event.user_id, event.submission_id, reason)
    logger.warning("reward left unpaid", extra={"submission_id": event.submission_id, "reason": reason})
    return {"unpaid": True, "reason": reason}
