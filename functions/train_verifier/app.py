"""Scheduled daily: each tenant with review labels trains a candidate head, promoted only when it does better."""

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from ecopulse.config import deployment
from ecopulse.observability import logger, metrics, tracer
from ecopulse.store.review_labels import ReviewLabelRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.verifier_heads import VerifierHeadStore
from ecopulse.verification.learning import train_tenant

labels = ReviewLabelRepository()
heads = VerifierHeadStore(deployment().models_bucket)
tenants = TenantRepository()


class TrainingRequest(BaseModel):
    """The schedule's event names no tenant (every labelled tenant trains); ``ecopulse local train`` may."""

    tenants: list[str] = Field(default_factory=list)


def clock() -> datetime:
    return datetime.now(UTC)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=TrainingRequest)
def handler(event: TrainingRequest, context: LambdaContext) -> dict:
    results, failed = {}, []
    for tenant in event.tenants or labels.tenants():
        target = tenants.settings(tenant).verifier_false_approval_target
        try:
            outcome = train_tenant(tenant, labels, heads, clock, target, deployment().verifier_min_labels).to_dict()
        except Exception:
            # One tenant's failure must not keep the others from training; the run still fails at the end.
            logger.exception("verifier training failed", extra={"tenant": tenant})
            failed.append(tenant)
            continue
        logger.info("verifier trained", extra=outcome)
        metrics.add_metric(name="VerifierPromoted" if outcome["promoted"] else "VerifierKept", unit="Count", value=1)
        results[tenant] = outcome
    if failed:
        raise RuntimeError(f"verifier training failed for {', '.join(failed)}")
    return results
