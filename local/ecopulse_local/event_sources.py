"""SQS event source mappings: poll the queue, invoke the function with a batch in AWS's event shape, delete
what it handled. With ReportBatchItemFailures only the reported messages stay; a function error leaves the
whole batch to come back after the queue's visibility timeout, as Lambda's poller does."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import Any

from ecopulse_local.lambdas import Functions
from ecopulse_local.template import Stack

log = logging.getLogger("ecopulse.local.event_sources")


@dataclass(frozen=True)
class SqsMapping:
    function: str
    queue_arn: str
    batch_size: int
    partial_failures: bool


def sqs_mappings(stack: Stack) -> list[SqsMapping]:
    mappings = []
    for logical_id in stack.of_type("AWS::Lambda::EventSourceMapping"):
        props = stack.properties(logical_id)
        if ":sqs:" not in props["EventSourceArn"]:
            continue
        mappings.append(
            SqsMapping(
                function=props["FunctionName"],
                queue_arn=props["EventSourceArn"],
                batch_size=int(props.get("BatchSize", 10)),
                partial_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
            )
        )
    return mappings


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class SqsPoller:
    def __init__(self, mapping: SqsMapping, sqs: Any, functions: Functions, region: str) -> None:
        self.mapping = mapping
        self._sqs, self._functions, self._region = sqs, functions, region
        self._queue_url = sqs.get_queue_url(QueueName=mapping.queue_arn.split(":")[5])["QueueUrl"]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"sqs-{mapping.function}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._poll_once()
            except Exception:
                log.exception("polling %s failed", self.mapping.queue_arn)
                self._stopped.wait(1)

    def _poll_once(self) -> None:
        received = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=min(self.mapping.batch_size, 10),
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return
        event = {"Records": [sqs_record(message, self.mapping.queue_arn, self._region) for message in received]}
        invocation = self._functions.invoke(self.mapping.function, event)
        if not invocation.ok:
            return
        keep = set()
        if self.mapping.partial_failures and isinstance(invocation.payload, dict):
            keep = {item["itemIdentifier"] for item in invocation.payload.get("batchItemFailures") or []}
        done = [message for message in received if message["MessageId"] not in keep]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
