"""Cognito PreSignUp: a citizen signing up names a city that takes them, openly or with one of its invite codes
(``invite_code`` in the sign-up's validation data); an account an admin creates names its city. An exception
refuses the sign-up, and Cognito shows the app its message."""

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PreSignUpTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.accounts import check_sign_up, check_staff_account
from ecopulse.observability import logger, tracer
from ecopulse.store.invite_codes import InviteCodeRepository
from ecopulse.store.tenants import TenantRepository

directory = TenantRepository()
codes = InviteCodeRepository()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=PreSignUpTriggerEvent)
def handler(event: PreSignUpTriggerEvent, context: LambdaContext) -> dict:
    attributes = event.request.user_attributes
    tenant = attributes.get("custom:tenant")
    if event.trigger_source == "PreSignUp_AdminCreateUser":
        check_staff_account(tenant)
    else:
        # The address, not the pool's generated username, names who spent a code: a retried sign-up keeps it.
        person = attributes.get("email") or event.user_name
        invite_code = event.request.validation_data.get("invite_code")
        check_sign_up(directory, codes, tenant, person, invite_code, datetime.now(UTC))
    return event.raw_event
