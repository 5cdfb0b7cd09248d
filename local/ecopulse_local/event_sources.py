"""Event sources the runtime drives itself.

- SQS event source mappings: poll the queue, invoke the function with a batch in AWS's event shape, delete
  what it handled. With ReportBatchItemFailures only the reported messages stay; a function error leaves the
  whole batch to come back after the queue's visibility timeout, as Lambda's poller does.
- DynamoDB stream event source mappings: read the table's stream from DynamoDB Local (DescribeStream,
  GetShardIterator, GetRecords), keep the records the mapping's FilterCriteria match (EventBridge pattern syntax,
  matched by moto's own matcher) and invoke the function with batches of at most BatchSize in Lambda's event shape,
  shard by shard and in order. A batch that fails is retried, from its first failed record when the function
  reports ReportBatchItemFailures, halved with BisectBatchOnFunctionError, until MaximumRetryAttempts, then given
  to the OnFailure destination. Any table's stream and any function: each mapping gets its own poller.
- EventBridge schedules (a SAM ``Schedule`` event): a ``rate(...)`` rule invokes its targets asynchronously
  every period, the first one period after start, as EventBridge does. ``cron(...)`` rules are not run
  locally; they are listed at start-up with what is not emulated.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from moto.events.models import EventPattern

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


# Lambda polls a shard about four times a second; an empty stream is asked again after this long.
STREAM_POLL_SECONDS = 0.25
# How long a failed batch waits before it is tried again.
STREAM_RETRY_SECONDS = 1.0
# How often the stream's shards are listed again while none has closed.
STREAM_DISCOVERY_SECONDS = 10.0


@dataclass(frozen=True)
class StreamMapping:
    function: str
    table_name: str
    batch_size: int
    starting_position: str
    partial_failures: bool
    bisect: bool
    maximum_retry_attempts: int  # -1: until the record leaves the stream
    filters: tuple[str, ...]
    on_failure: str | None
    batching_window_seconds: float = 0.0  # MaximumBatchingWindowInSeconds

    @cached_property
    def _patterns(self) -> tuple[tuple[dict[str, Any], EventPattern], ...]:
        return tuple((json.loads(pattern), EventPattern.load(pattern)) for pattern in self.filters)

    def matches(self, record: dict[str, Any]) -> bool:
        """Lambda's event filtering: a record passes when any filter's pattern matches it (or there are none).
        moto's matcher copies and flattens the whole event, both images of a large item included, so it is given
        only the fields the pattern names."""
        return not self.filters or any(
            pattern.matches_event(_named_by(record, shape)) for shape, pattern in self._patterns
        )


def _named_by(event: Any, shape: dict[str, Any]) -> Any:
    """The parts of ``event`` a filter pattern's fields reach; all of it under a pattern's ``$or``."""
    if not isinstance(event, dict) or "$or" in shape:
        return event
    kept = {}
    for name, wanted in shape.items():
        if name in event:
            kept[name] = _named_by(event[name], wanted) if isinstance(wanted, dict) else event[name]
    return kept


def stream_mappings(stack: Stack) -> list[StreamMapping]:
    mappings = []
    for logical_id in stack.of_type("AWS::Lambda::EventSourceMapping"):
        props = stack.properties(logical_id)
        arn = str(props["EventSourceArn"])
        if ":dynamodb:" not in arn or "/stream/" not in arn:
            continue
        destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        mappings.append(
            StreamMapping(
                function=props["FunctionName"],
                table_name=arn.split(":")[5].split("/")[1],
                batch_size=int(props.get("BatchSize", 100)),
                starting_position=str(props.get("StartingPosition", "LATEST")),
                partial_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                bisect=bool(props.get("BisectBatchOnFunctionError", False)),
                maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                filters=tuple(f["Pattern"] for f in props.get("FilterCriteria", {}).get("Filters", [])),
                on_failure=destination,
                batching_window_seconds=float(props.get("MaximumBatchingWindowInSeconds", 0)),
            )
        )
    return mappings


def _base64(value: bytes | str) -> str:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else value


def _typed(value: dict[str, Any]) -> dict[str, Any]:
    """An attribute value as Lambda delivers it, in one walk: DynamoDB Local's stream gives an empty map as ``{}``,
    where DynamoDB (and every deserializer) has ``{"M": {}}``; binary values, which boto3 parses to bytes, are
    base64, as the stream's JSON has them."""
    if not value:
        return {"M": {}}
    if "M" in value:
        return {"M": {name: _typed(item) for name, item in value["M"].items()}}
    if "L" in value:
        return {"L": [_typed(item) for item in value["L"]]}
    if "B" in value:
        return {"B": _base64(value["B"])}
    if "BS" in value:
        return {"BS": [_base64(item) for item in value["BS"]]}
    return value


def stream_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record in the shape Lambda gives the function."""
    change = dict(record["dynamodb"])
    for image in ("Keys", "NewImage", "OldImage"):
        if image in change:
            change[image] = {name: _typed(value) for name, value in change[image].items()}
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    elif isinstance(created, int | float):
        change["ApproximateCreationDateTime"] = int(created)
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


class UnparsedStreams:
    """DynamoDB Streams as a poller reads them: DescribeStream and GetShardIterator through boto3, GetRecords as
    the JSON DynamoDB Local sends, signed as boto3 signs it but not parsed. Its records are in Lambda's shape
    already (binary values in base64, times in seconds); botocore's parse of both images of every change took a
    sixth of the runtime's CPU in a burst of uploads."""

    TARGET = "DynamoDBStreams_20120810.GetRecords"

    def __init__(self, client: Any, credentials: Credentials) -> None:
        """``client``: boto3's DynamoDB Streams client, whose endpoint and region the reads share."""
        self._client, self._url = client, client.meta.endpoint_url.rstrip("/") + "/"
        self._signer = SigV4Auth(credentials, "dynamodb", client.meta.region_name)
        self._http = urllib3.PoolManager(maxsize=4)

    def describe_stream(self, **arguments: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self._client.describe_stream(**arguments)
        return answer

    def get_shard_iterator(self, **arguments: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self._client.get_shard_iterator(**arguments)
        return answer

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:  # noqa: N803  # boto3's names
        body = json.dumps({"ShardIterator": ShardIterator, "Limit": Limit})
        request = AWSRequest(
            method="POST",
            url=self._url,
            data=body,
            headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": self.TARGET},
        )
        self._signer.add_auth(request)
        response = self._http.request("POST", self._url, body=body, headers=dict(request.headers.items()))
        answer: dict[str, Any] = json.loads(response.data) if response.data else {}
        if response.status != 200:
            code = str(answer.get("__type", f"HTTP{response.status}")).rsplit("#", 1)[-1]
            message = str(answer.get("message") or answer.get("Message") or "")
            raise ClientError({"Error": {"Code": code, "Message": message}}, "GetRecords")
        return answer


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    pending: list[dict[str, Any]]
    attempts: int = 0
    size: int = 0
    done: bool = False
    waiting_since: float | None = None  # when the oldest pending record was read

    @property
    def closed(self) -> bool:
        """Read to its end, whose children have not been looked for yet."""
        return self.iterator is None and not self.pending and not self.done


class StreamPoller(_Background):
    """Reads one table's stream for one mapping; every shard in order, a failed batch blocking its shard."""

    def __init__(
        self,
        mapping: StreamMapping,
        dynamodb: Any,
        streams: Any,
        functions: Functions,
        region: str,
        send_to_destination: Any,
        retry_seconds: float = STREAM_RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mapping = mapping
        self._streams, self._functions, self._region = streams, functions, region
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._send_to_destination = send_to_destination
        self.stream_arn: str = dynamodb.describe_table(TableName=mapping.table_name)["Table"]["LatestStreamArn"]
        self._shards: dict[str, _Shard] = {}
        self._discover(mapping.starting_position)
        super().__init__(f"stream-{mapping.function}")

    def _discover(self, position: str) -> None:
        """Starts reading shards it has not seen: from ``position`` at start, from their beginning afterwards (a
        new shard is a child of one that closed, whose records follow the parent's)."""
        self._next_discovery = time.monotonic() + STREAM_DISCOVERY_SECONDS
        description = self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id in self._shards:
                continue
            closed = "EndingSequenceNumber" in shard.get("SequenceNumberRange", {})
            if position == "LATEST" and closed:
                self._shards[shard_id] = _Shard(shard_id, None, [], done=True)
                continue
            iterator = self._streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=position
            )["ShardIterator"]
            self._shards[shard_id] = _Shard(shard_id, iterator, [], size=self.mapping.batch_size)
        for known in self._shards.values():
            known.done = known.done or known.closed

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                busy = self.poll_once()
            except Exception:
                log.exception("reading the stream of %s failed", self.mapping.table_name)
                busy = False
            if not busy:
                self._stopped.wait(STREAM_POLL_SECONDS)

    def poll_once(self) -> bool:
        """Reads and delivers what each shard has; True when there was something to do. New shards are looked for
        when one has closed (its children follow it) and every so often, not on every read."""
        if time.monotonic() >= self._next_discovery or any(shard.closed for shard in self._shards.values()):
            self._discover("TRIM_HORIZON")
        busy = False
        for shard in list(self._shards.values()):
            if self._wants_records(shard):
                self._read(shard)
            if shard.pending and self._batch_ready(shard):
                busy = True
                self._deliver(shard)
            if not shard.pending:
                shard.waiting_since = None
        return busy

    def _wants_records(self, shard: _Shard) -> bool:
        """Reads when nothing is pending; within a batching window, also until a batch is full, but never while a
        failed batch waits to be tried again."""
        if not shard.iterator:
            return False
        if not shard.pending:
            return True
        gathering = self.mapping.batching_window_seconds > 0 and not shard.attempts
        return gathering and len(shard.pending) < self.mapping.batch_size

    def _batch_ready(self, shard: _Shard) -> bool:
        """Lambda's MaximumBatchingWindowInSeconds: a batch goes when it is full or when its first record has
        waited the window; a retried batch goes at once."""
        window = self.mapping.batching_window_seconds
        if window <= 0 or shard.attempts or len(shard.pending) >= self.mapping.batch_size:
            return True
        return shard.waiting_since is not None and self._clock() - shard.waiting_since >= window

    def _read(self, shard: _Shard) -> None:
        try:
            answer = self._streams.get_records(ShardIterator=shard.iterator, Limit=1000)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExpiredIteratorException":
                raise
            shard.iterator = self._streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard.shard_id, ShardIteratorType="LATEST"
            )["ShardIterator"]
            return
        shard.iterator = answer.get("NextShardIterator")
        records = [stream_record(record, self.stream_arn, self._region) for record in answer.get("Records", [])]
        shard.pending.extend(record for record in records if self.mapping.matches(record))
        if shard.pending and shard.waiting_since is None:
            shard.waiting_since = self._clock()

    def _deliver(self, shard: _Shard) -> None:
        if shard.attempts and self._stopped.wait(self._retry_seconds):
            return
        batch = shard.pending[: max(1, shard.size or self.mapping.batch_size)]
        invocation = self._functions.invoke(self.mapping.function, {"Records": batch})
        if not invocation.ok:
            done = 0
            if self.mapping.bisect and len(batch) > 1:
                shard.size = len(batch) // 2
        elif self.mapping.partial_failures and isinstance(invocation.payload, dict):
            failed = {item["itemIdentifier"] for item in invocation.payload.get("batchItemFailures") or []}
            numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
            # Lambda checkpoints before the first failed record: it and everything after it come again.
            done = min((numbers.index(number) for number in failed if number in numbers), default=len(batch))
        else:
            done = len(batch)
        del shard.pending[:done]
        if done == len(batch) and invocation.ok:
            shard.attempts, shard.size = 0, self.mapping.batch_size
            return
        shard.attempts += 1
        if 0 <= self.mapping.maximum_retry_attempts < shard.attempts:
            self._give_up(shard, shard.pending[: len(batch) - done])

    def _give_up(self, shard: _Shard, batch: list[dict[str, Any]]) -> None:
        """Retries are exhausted: the batch goes to the OnFailure destination (described, as Lambda does) and the
        shard moves on."""
        log.error("%s gave up on %d stream records of %s", self.mapping.function, len(batch), shard.shard_id)
        del shard.pending[: len(batch)]
        shard.attempts, shard.size = 0, self.mapping.batch_size
        if self.mapping.on_failure and batch:
            numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
            self._send_to_destination(
                self.mapping.on_failure,
                {
                    "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": self.mapping.function},
                    "DDBStreamBatchInfo": {
                        "shardId": shard.shard_id,
                        "startSequenceNumber": numbers[0],
                        "endSequenceNumber": numbers[-1],
                        "batchSize": len(batch),
                        "streamArn": self.stream_arn,
                    },
                },
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
