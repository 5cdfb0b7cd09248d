"""Where a citizen hears about their submission: the in-app inbox always, push to subscribed devices (the
SNS topic), and email when their account has an address and the deployment a sender.

E-mail is sent on its own (``Mailer``), as a best-effort step of the workflow: SES refuses mail in an account's
sandbox and throttles a new account to a message a second, and neither may keep a citizen from the rest.
"""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError

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


class EmailRejected(Exception):
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
