"""Hands rewards to the single minter through its FIFO queue, in message groups of their tenant
(``rewards.mint_group``): one tenant's claims held back (a poison message, a busy city) hold back no other
tenant's, and a submission's repeats follow it in its group.

The minter also takes more of the queue's messages than one delivery of the event source holds (ten, for a FIFO
queue): one transaction pays as many claims as a block's gas allows, so the minter keeps up with many cities.
"""

import hashlib
import json
from dataclasses import dataclass
from itertools import batched
from typing import Any

import boto3

from ecopulse.rewards import mint_group

RECEIVE_LIMIT = 10
"""The most messages one ReceiveMessage (or one batch call) handles."""


@dataclass(frozen=True)
class QueuedMessage:
    """A message the minter took from the queue itself, with what it needs to delete or release it."""

    message_id: str
    receipt_handle: str
    group: str
    body: str


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
            MessageGroupId=mint_group(tenant, submission_id),
            MessageDeduplicationId=hashlib.sha256(f"{tenant}:{submission_id}:{wallet}".encode()).hexdigest(),
        )

    def take(self, count: int) -> list[QueuedMessage]:
        """Up to ``count`` messages waiting now, without a long poll: FIFO hands out none of a group whose earlier
        messages are in flight, so the group's order holds."""
        taken: list[QueuedMessage] = []
        while len(taken) < count:
            answer = self._sqs.receive_message(
                QueueUrl=self._url,
                MaxNumberOfMessages=min(RECEIVE_LIMIT, count - len(taken)),
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["MessageGroupId"],
            )
            messages = answer.get("Messages", [])
            if not messages:
                break
            taken += [
                QueuedMessage(m["MessageId"], m["ReceiptHandle"], m["Attributes"]["MessageGroupId"], m["Body"])
                for m in messages
            ]
        return taken

    def delete(self, messages: list[QueuedMessage]) -> None:
        for chunk in batched(messages, RECEIVE_LIMIT):
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(n), "ReceiptHandle": m.receipt_handle} for n, m in enumerate(chunk)],
            )

    def release(self, messages: list[QueuedMessage]) -> None:
        """Makes the messages visible again at once, for the next delivery."""
        for chunk in batched(messages, RECEIVE_LIMIT):
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
                    for n, m in enumerate(chunk)
                ],
            )
