"""Where a citizen hears about their submission: the in-app inbox always, push to subscribed devices (the
SNS topic), and email when their account has an address and the deployment a sender.

E-mail is sent on its own (``Mailer``), as a best-effort step of the workflow: SES refuses mail in an account's
sandbox and throttles a new account to a message a second, and neither may keep a citizen from the rest.
"""

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError

from ecopulse.report_notices import (
    EndpointDisabled,
    InvalidDeviceToken,
    Platform,
    PlatformUnavailable,
    Registration,
    Undeliverable,
)
from ecopulse.store.models import InboxItem, utcnow

# SES errors that sending again cannot cure: the recipient or sender is not verified (the sandbox), or sending is
# switched off for the account or configuration set.
REFUSAL_CODES = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "AccountSendingPausedException",
    "ConfigurationSetSendingPausedException",
    "ConfigurationSetDoesNotExistException",
}


class EmailRejected(Undeliverable):
    """SES refused the message for a reason a retry would meet again."""


class Notifier:
    def __init__(self, topic_arn: str, sns: Any | None = None) -> None:
        self._topic_arn = topic_arn
        self._sns = sns or boto3.client("sns")

    def notify(
        self,
        tenant: str,
        user_id: str,
        title: str,
        body: str,
        submission_id: str | None,
        sent_at: datetime | None = None,
    ) -> str:
        """Writes the inbox message once, then pushes it.

        A workflow step that is retried passes the same ``sent_at`` (the moment the step was entered) on every
        attempt. The message id then comes out the same, and a retry after a failed push finds the message in
        the inbox already instead of writing it twice. Push is at-least-once, as SNS is.
        """
        if sent_at is None:
            message_id = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        else:
            message_id = f"{sent_at.astimezone(UTC):%Y%m%dT%H%M%S%f}-{submission_id or ''}"
        pk, sk = InboxItem.keys(tenant, user_id, message_id)
        message = InboxItem(pk, sk, tenant=tenant, user_id=user_id, title=title, body=body, submission_id=submission_id)
        try:
            message.save(condition=InboxItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
        self._sns.publish(
            TopicArn=self._topic_arn,
            Subject=title[:100],
            Message=json.dumps({"tenant": tenant, "user_id": user_id, "title": title, "body": body}),
            MessageAttributes={
                "tenant": {"DataType": "String", "StringValue": tenant},
                "user_id": {"DataType": "String", "StringValue": user_id},
            },
        )
        return message_id


class Mailer:
    """Sends plain-text e-mail through SES from the deployment's sender, at least once."""

    def __init__(self, sender: str, ses: Any | None = None) -> None:
        self.sender = sender
        self._ses = ses or boto3.client("ses")

    def send(self, address: str, title: str, body: str) -> None:
        """Raises EmailRejected when retrying is useless; any other error (throttling, an outage) may pass."""
        try:
            self._ses.send_email(
                Source=self.sender,
                Destination={"ToAddresses": [address]},
                Message={"Subject": {"Data": title}, "Body": {"Text": {"Data": body}}},
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in REFUSAL_CODES:
                raise EmailRejected(f"{code}: {error.response['Error'].get('Message', '')}") from error
            raise


# SNS's names for the push services: FCM is still "GCM" to SNS.
SNS_PLATFORMS = {Platform.FCM: "GCM", Platform.APNS: "APNS"}
# CreatePlatformEndpoint's refusal of a token that has an endpoint with other attributes names that endpoint.
EXISTING_ENDPOINT = re.compile(r"Endpoint (arn:\S+) already exists")
# SNS refuses an SMS to a number it cannot reach or that opted out; sending again will not help.
SMS_REFUSALS = {"InvalidParameter", "InvalidParameterValue", "OptedOut"}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class SnsPush:
    """Devices as SNS platform endpoints on the deployment's platform applications (one per push service, made by
    the stack from its credentials), and one broadcast topic per city, made on first use (CreateTopic is
    idempotent, so the first device of a city makes it in any account, fresh or not)."""

    def __init__(self, applications: dict[Platform, str], topic_prefix: str, sns: Any | None = None) -> None:
        self._applications = {platform: arn for platform, arn in applications.items() if arn}
        self._topic_prefix = topic_prefix
        self._sns = sns or boto3.client("sns")

    def register(self, platform: Platform, token: str, user_data: str) -> Registration:
        application = self._applications.get(platform)
        if application is None:
            raise PlatformUnavailable(platform.value)
        try:
            endpoint = str(
                self._sns.create_platform_endpoint(
                    PlatformApplicationArn=application, Token=token, CustomUserData=user_data
                )["EndpointArn"]
            )
        except ClientError as error:
            # The token has an endpoint whose attributes differ (SNS disabled it, or it was registered for someone
            # else): SNS names it in the refusal, and it is taken over, as SNS's guide for mobile apps does.
            existing = EXISTING_ENDPOINT.search(str(error.response.get("Error", {}).get("Message", "")))
            if _code(error) != "InvalidParameter":
                raise
            if existing is None:
                raise InvalidDeviceToken(platform.value) from error
            endpoint = existing[1]
        previous = self._sns.get_endpoint_attributes(EndpointArn=endpoint)["Attributes"].get("CustomUserData")
        self._sns.set_endpoint_attributes(
            EndpointArn=endpoint, Attributes={"Enabled": "true", "Token": token, "CustomUserData": user_data}
        )
        return Registration(endpoint, previous if previous and previous != user_data else None)

    def publish(self, endpoint_arn: str, title: str, body: str, data: dict[str, str]) -> None:
        message = {
            "default": body,
            "GCM": json.dumps({"notification": {"title": title, "body": body}, "data": data}),
            "APNS": json.dumps({"aps": {"alert": {"title": title, "body": body}}, **data}),
            "APNS_SANDBOX": json.dumps({"aps": {"alert": {"title": title, "body": body}}, **data}),
        }
        try:
            self._sns.publish(TargetArn=endpoint_arn, Message=json.dumps(message), MessageStructure="json")
        except ClientError as error:
            if _code(error) in ("EndpointDisabled", "NotFound"):
                raise EndpointDisabled(endpoint_arn) from error
            raise

    def delete(self, endpoint_arn: str) -> None:
        """Deleting an endpoint that is gone already succeeds, as SNS answers."""
        self._sns.delete_endpoint(EndpointArn=endpoint_arn)

    def join_broadcast(self, tenant: str, endpoint_arn: str) -> str:
        topic = self._sns.create_topic(Name=f"{self._topic_prefix}-{tenant}")["TopicArn"]
        subscription: str = self._sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=endpoint_arn)[
            "SubscriptionArn"
        ]
        return subscription

    def leave_broadcast(self, subscription_arn: str) -> None:
        try:
            self._sns.unsubscribe(SubscriptionArn=subscription_arn)
        except ClientError as error:
            if _code(error) != "NotFound":
                raise


class SnsTexts:
    """SMS through SNS, transactional (sent even to numbers that would refuse promotions)."""

    def __init__(self, sns: Any | None = None) -> None:
        self._sns = sns or boto3.client("sns")

    def send(self, phone_number: str, body: str) -> None:
        try:
            self._sns.publish(
                PhoneNumber=phone_number,
                Message=body,
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
            )
        except ClientError as error:
            if _code(error) in SMS_REFUSALS:
                raise Undeliverable(f"{_code(error)}: {phone_number}") from error
            raise
