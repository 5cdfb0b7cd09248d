"""Workflow task: approve (with its reward) or reject a submission, only from a status that allows it."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from ecopulse.observability import logger, tracer
from ecopulse.store.models import utcnow
from ecopulse.store.rewards import RewardRepository
from ecopulse.store.submissions import SubmissionRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.users import UserRepository
from ecopulse.submissions import Decision, Outcome, Status, status_for

submissions = SubmissionRepository()
rewards = RewardRepository()
tenants = TenantRepository()
users = UserRepository()


class DecisionRequest(BaseModel):
    tenant: str
    submission_id: str
    decision: Decision


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=DecisionRequest)
def handler(event: DecisionRequest, context: LambdaContext) -> dict:
    """Returns the reward and the wallet to pay it to; no wallet means the reward waits as a pending balance."""
    decision, now = event.decision, utcnow()
    item = submissions.get(event.tenant, event.submission_id)
    grant = None
    if decision.outcome is Outcome.APPROVED and item.status != Status.APPROVED:
        grant = rewards.plan(item, tenants.settings(event.tenant), now)
    item = submissions.decide(
        event.tenant, event.submission_id, status_for(decision.outcome), decision.reason, decision.reviewer, grant
    )
    user = users.get(event.tenant, item.user_id)
    return {"status": item.status, "reward": int(item.reward or 0), "wallet": user.wallet_address}
