"""Scheduled daily: each reporter whose report was resolved the city's ``fixed_question_after_days`` ago is asked,
once, whether it is fixed (``ecopulse.follow_up``); the report-notices stream function delivers the question."""

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.follow_up import ask_if_fixed
from ecopulse.observability import logger, metrics, tracer
from ecopulse.store.follow_up import FixQuestionRepository
from ecopulse.store.tenants import TenantRepository

questions = FixQuestionRepository()
tenants = TenantRepository()


def failed(tenant: str, error: Exception) -> None:
    logger.exception("asking whether reports are fixed failed", extra={"tenant": tenant})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    run = ask_if_fixed(tenants, questions, datetime.now(UTC), failed)
    metrics.add_metric(name="FixQuestionsAsked", unit="Count", value=sum(run.asked.values()))
    if run.failed:
        raise RuntimeError(f"asking whether reports are fixed failed for {', '.join(run.failed)}")
    return run.to_dict()
