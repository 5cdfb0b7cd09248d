"""Scheduled daily: each tenant with reports gets next week's expected reports per zone, with their backtest."""

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from ecopulse.forecasts import forecast_every_tenant
from ecopulse.observability import logger, metrics, tracer
from ecopulse.seasonal import forecast
from ecopulse.store.forecasts import ForecastRepository
from ecopulse.store.tenants import TenantRepository

forecasts = ForecastRepository()
tenants = TenantRepository()


class ForecastRequest(BaseModel):
    """The schedule's event names no tenant (every tenant with reports is forecast); a test or an operator may."""

    tenants: list[str] = Field(default_factory=list)


def clock() -> datetime:
    return datetime.now(UTC)


def failed(tenant: str, error: Exception) -> None:
    logger.exception("forecast failed", extra={"tenant": tenant})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ForecastRequest)
def handler(event: ForecastRequest, context: LambdaContext) -> dict:
    summary = forecast_every_tenant(event.tenants, tenants, forecasts, forecasts, forecast, clock, failed)
    metrics.add_metric(name="ForecastAreas", unit="Count", value=sum(summary.forecast.values()))
    if summary.failed:
        raise RuntimeError(f"forecast failed for {', '.join(summary.failed)}")
    return summary.to_dict()
