"""Cognito PreTokenGeneration: the ID token carries the account's tenant and the groups its profile records; a
disabled account gets no token."""

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PreTokenGenerationTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.accounts import token_claims
from ecopulse.observability import logger, tracer
from ecopulse.store.users import UserRepository

users = UserRepository()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=PreTokenGenerationTriggerEvent)
def handler(event: PreTokenGenerationTriggerEvent, context: LambdaContext) -> dict:
    attributes = event.request.user_attributes
    claims = token_claims(
        users,
        attributes.get("custom:tenant"),
        attributes["sub"],
        event.user_name,
        attributes.get("email"),
        event.request.group_configuration.groups_to_override,
    )
    override = event.response.claims_override_details
    override.claims_to_add_or_override = {"custom:tenant": claims.tenant}
    override.set_group_configuration_groups_to_override(list(claims.groups))
    return event.raw_event
