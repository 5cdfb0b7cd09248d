"""Where a citizen hears about their submission: the in-app inbox always, push to subscribed devices (the
SNS topic), and email when their account has an address and the deployment a sender."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from pynamodb.exceptions import PutError

from ecopulse.store.models import InboxItem, utcnow


class Notifier:
    def __init__(self, topic_arn: str, sender: str = "", sns: Any | None = None, ses: Any | None = None) -> None:
        self._topic_arn = topic_arn
        self._sender = sender
        self._sns = sns or boto3.client("sns")
        self._ses = ses or (boto3.client("ses") if sender else None)

    def notify(
        self,
        tenant: str,
        user_id: str,
        title: str,
        body: str,
        submission_id: str | None,
        email: str | None = None,
        sent_at: datetime | None = None,
    ) -> str:
        """Writes the inbox message once, then pushes and emails it.

        A workflow step that is retried passes the same ``sent_at`` (the moment the step was entered) on every
        attempt. The message id then comes out the same, and a retry after a failed push finds the message in
        the inbox already instead of writing it twice. Push and email are at-least-once, as SNS and SES are.
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
        if email and self._ses:
            self._ses.send_email(
                Source=self._sender,
                Destination={"ToAddresses": [email]},
                Message={"Subject": {"Data": title}, "Body": {"Text": {"Data": body}}},
            )
        return message_id
