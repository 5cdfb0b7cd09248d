"""Event sources the runtime drives itself.

- SQS event source mappings: poll the queue, invoke the function with a batch in AWS's event shape, delete
  what it handled. With ReportBatchItemFailures only the reported messages stay; a function error leaves the
  whole batch to come back after the queue's visibility timeout, as Lambda's poller does.
- EventBridge schedules (a SAM ``Schedule`` event): a ``rate(...)`` rule invokes its targets asynchronously
  every period, the first one period after start, as EventBridge does. ``cron(...)`` rules are not run
  locally; they are listed at start-up with what is not emulated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
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
        "md5OfBody": message.get("MD5OfBody")
        or hashlib.md5(message["Body"].encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class _Background:
    """A daemon thread running ``_run`` until ``stop``, which waits for it a few seconds."""

    def __init__(self, name: str) -> None:
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        raise NotImplementedError


class SqsPoller(_Background):
    def __init__(self, mapping: SqsMapping, sqs: Any, functions: Functions, region: str) -> None:
        self.mapping = mapping
        self._sqs, self._functions, self._region = sqs, functions, region
        self._queue_url = sqs.get_queue_url(QueueName=mapping.queue_arn.split(":")[5])["QueueUrl"]
        super().__init__(f"sqs-{mapping.function}")

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


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int | None:
    """The period of a ``rate(...)`` expression, None for anything else (a cron expression)."""
    match = _RATE.match(expression.strip())
    return int(match[1]) * _UNIT_SECONDS[match[2].rstrip("s")] if match else None


@dataclass(frozen=True)
class ScheduledRule:
    logical_id: str
    arn: str
    period_seconds: float
    targets: tuple[tuple[str, str | None], ...]  # (function ARN, the target's fixed Input or None)


def schedules(stack: Stack) -> tuple[list[ScheduledRule], dict[str, str]]:
    """The template's enabled rate schedules, and the schedules the runtime does not run, with why."""
    rules, not_run = [], {}
    for logical_id in stack.of_type("AWS::Events::Rule"):
        props = stack.properties(logical_id)
        expression = props.get("ScheduleExpression")
        if not expression or props.get("State", "ENABLED") != "ENABLED":
            continue
        period = rate_seconds(expression)
        if period is None:
            not_run[logical_id] = f"{expression} schedules (only rate(...) runs locally)"
            continue
        targets = tuple((target["Arn"], target.get("Input")) for target in props.get("Targets", []))
        arn = stack.arn("events", f"rule/{stack.ref(logical_id)}")
        rules.append(ScheduledRule(logical_id, arn, period, targets))
    return rules, not_run


def scheduled_event(rule: ScheduledRule, region: str, at: datetime) -> dict[str, Any]:
    """The event EventBridge sends a target of a schedule that has no fixed Input."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.arn.split(":")[4],
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule.arn],
        "detail": {},
    }


class Scheduler(_Background):
    """Fires one rule every period until stopped."""

    def __init__(self, rule: ScheduledRule, functions: Functions, region: str) -> None:
        self.rule = rule
        self._functions, self._region = functions, region
        super().__init__(f"schedule-{rule.logical_id}")

    def _run(self) -> None:
        while not self._stopped.wait(self.rule.period_seconds):
            self.fire()

    def fire(self) -> None:
        for function_arn, fixed_input in self.rule.targets:
            event = (
                json.loads(fixed_input) if fixed_input else scheduled_event(self.rule, self._region, datetime.now(UTC))
            )
            log.info("schedule %s invokes %s", self.rule.logical_id, function_arn)
            self._functions.invoke_async(function_arn, event)
