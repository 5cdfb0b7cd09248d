"""Hands rewards to the single minter through its FIFO queue, in one message group per tenant: a tenant's
rewards are paid in order, and one tenant's claims held back (its mint cap, a poison message) hold back no other
tenant's."""

import hashlib
import json
from typing import Any

import boto3


class MintQueue:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self._url = queue_url
        self._sqs = client or boto3.client("sqs")

    def enqueue(self, tenant: str, user_id: str, submission_id: str, wallet: str, amount: int) -> None:
        """No task token: nobody waits, the minter just pays. A repeat within SQS's five-minute window is
        dropped by deduplication; a later one is harmless, as a claim is paid once whatever asks for it."""
        body = {
            "tenant": tenant,
            "user_id": user_id,
            "submission_id": submission_id,
            "wallet": wallet,
            "amount": amount,
        }
        self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps(body),
            MessageGroupId=tenant,
            MessageDeduplicationId=hashlib.sha256(f"{tenant}:{submission_id}:{wallet}".encode()).hexdigest(),
        )
