"""Idempotent creates for clients that retry (a phone coming back online): Powertools idempotency keyed on
the tenant, the caller and the Idempotency-Key header, with the body checked so a reused key cannot
create something else."""

from collections.abc import Callable
from functools import cache
from typing import Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from ecopulse.api.auth import Caller
from ecopulse.api.errors import ApiError
from ecopulse.config import deployment


def _replayed(response: Any, idempotent_data: DataRecord) -> Any:
    """Powertools' response hook: runs only when the answer comes from the store, so it marks the replay."""
    return {**response, "replayed": True}


config = IdempotencyConfig(
    event_key_jmespath="[operation, tenant, user, key]",
    payload_validation_jmespath="body",
    expires_after_seconds=24 * 3600,
    raise_on_no_idempotency_key=True,
    response_hook=_replayed,
)


@cache
def _create_once() -> Callable[..., dict[str, Any]]:
    """Decorated once per container, on first use: the persistence layer needs the function's region and table."""

    def create_once(request: dict[str, Any], create: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return {"result": create(), "replayed": False}

    # Powertools types the decorated function as Any; it keeps the function's signature.
    return cast(
        Callable[..., dict[str, Any]],
        idempotent_function(
            create_once,
            data_keyword_argument="request",
            persistence_store=DynamoDBPersistenceLayer(table_name=deployment().idempotency_table_name),
            config=config,
        ),
    )


def once(
    operation: str, caller: Caller, key: str, body: dict[str, Any], create: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """Runs ``create`` once per key; returns its (first) result and whether this call was a replay."""
    request = {"operation": operation, "tenant": caller.tenant, "user": caller.user_id, "key": key, "body": body}
    try:
        answer = _create_once()(request=request, create=create)
    except IdempotencyValidationError as error:
        raise ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used with a different body") from error
    except IdempotencyAlreadyInProgressError as error:
        raise ApiError(409, "in_progress", "a request with this Idempotency-Key is still being handled") from error
    return answer["result"], answer["replayed"]
