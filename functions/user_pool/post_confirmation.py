"""Cognito PostConfirmation: a citizen who confirmed their sign-up joins the ``citizen`` group and gets a
profile. A confirmed forgotten password changes nothing."""

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PostConfirmationTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.accounts import admit_citizen, check_staff_account
from ecopulse.observability import logger, tracer
from ecopulse.store.users import UserRepository
from ecopulse.user_pool import CognitoUserPool

users = UserRepository()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=PostConfirmationTriggerEvent)
def handler(event: PostConfirmationTriggerEvent, context: LambdaContext) -> dict:
    if event.trigger_source == "PostConfirmation_ConfirmSignUp":
        attributes = event.request.user_attributes
        tenant = check_staff_account(attributes.get("custom:tenant"))
        pool = CognitoUserPool(event.user_pool_id)
        admit_citizen(users, pool, tenant, attributes["sub"], event.user_name, attributes.get("email"))
    return event.raw_event
