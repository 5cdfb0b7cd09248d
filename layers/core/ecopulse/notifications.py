"""Where a citizen hears about their submission: the in-app inbox always, push to subscribed devices (the
SNS topic), and email when their account has an address and the deployment a sender."""

import json
import uuid
from typing import Any

import boto3

from ecopulse.store.models import InboxItem, utcnow


class Notifier:
    def __init__(self, topic_arn: str, sender: str = "", sns: Any | None = None, ses: Any | None = None) -> None:
        self._topic_arn = topic_arn
        self._sender = sender
        self._sns = sns or boto3.client("sns")
        self._ses = ses or (boto3.client("ses") if sender else None)

    def notify(
        self, tenant: str, user_id: str, title: str, body: str, submission_id: str | None, email: str | None = None
    ) -> str:
        message_id = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        pk, sk = InboxItem.keys(tenant, user_id, message_id)
        InboxItem(pk, sk, tenant=tenant, user_id=user_id, title=title, body=body, submission_id=submission_id).save()
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
