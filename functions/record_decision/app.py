"""Workflow task: approve (with its reward) or reject a submission, only from a status that allows it; an approved
cleanup of a report resolves the report."""

from dataclasses import asdict

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from ecopulse.observability import logger, tracer
from ecopulse.rewards import record_decision
from ecopulse.store.fleet import FleetRepository
from ecopulse.store.models import utcnow
from ecopulse.store.reports import ReportRepository
from ecopulse.store.rewards import RewardRepository
from ecopulse.store.submissions import SubmissionRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.users import UserRepository
from ecopulse.submissions import Decision

submissions = SubmissionRepository()
rewards = RewardRepository()
tenants = TenantRepository()
users = UserRepository()
reports = ReportRepository()
fleet = FleetRepository()


class DecisionRequest(BaseModel):
    tenant: str
    submission_id: str
    decision: Decision


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=DecisionRequest)
def handler(event: DecisionRequest, context: LambdaContext) -> dict:
    """Returns the reward and the wallet to pay it to; no wallet means the reward waits as a pending balance."""
    recorded = record_decision(
        submissions, rewards, tenants, users, reports, fleet, event.tenant, event.submission_id, event.decision,
        utcnow(),
    )  # fmt: skip
    return asdict(recorded)
