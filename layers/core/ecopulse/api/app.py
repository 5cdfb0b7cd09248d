"""Builds the FastAPI app of one endpoint group and the Lambda handler that serves it through Mangum."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import APIRouter, FastAPI
from mangum import Mangum

from ecopulse.api.errors import GATEWAY_RESPONSES, install_error_handlers
from ecopulse.api.idempotency import config as idempotency_config
from ecopulse.observability import logger, metrics, tracer

API_TITLE = "EcoPulse API"
API_VERSION = "0.1.0"
API_DESCRIPTION = (
    "Photo-verified civic cleanup with rewards. Sign in through the city's Cognito user pool and send the ID "
    "token as `Authorization: Bearer <token>`; groups (citizen, driver, admin) decide what you may do, the "
    "token's tenant decides which city's data you see. Errors have one shape: "
    '`{"error": {"code", "message", "details"}}`.'
)


def create_app(*routers: APIRouter) -> FastAPI:
    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_error_handlers(app)
    for router in routers:
        app.include_router(router, responses=GATEWAY_RESPONSES)
    return app


def lambda_handler(app: FastAPI) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """Mangum's lifespan would run on every invocation, so it is off: setup happens at module scope."""
    asgi = Mangum(app, lifespan="off")

    @logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
    @tracer.capture_lambda_handler
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        idempotency_config.register_lambda_context(context)
        # Mangum's LambdaContext Protocol declares plain attributes where Powertools' class has read-only
        # properties, so mypy finds them incompatible although Mangum reads only what both provide.
        return asgi(event, context)  # type: ignore[arg-type]

    return handler
