"""What each invocation costs: its AWS calls, the DynamoDB capacity they consumed, its duration and memory.

Worker side, ``counter`` hooks botocore's events on every session the handler creates (boto3's and pynamodb's
alike), because its handlers are added to botocore's built-in list before the handler is imported. Every
DynamoDB call asks for ``ReturnConsumedCapacity=TOTAL``, so the adapters stay as they are. Calls that overlap in
time (a handler's queries sent at once from threads) wait for one answer together: they count as one round trip,
and each one as a call. Runtime side, ``CallLog`` keeps the last invocations' records for ``GET /local-runtime/calls``.
"""

from __future__ import annotations

import resource
import threading
import time
from collections import Counter, deque
from typing import Any, TypedDict

READ_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "ExecuteStatement"})
KEPT_RECORDS = 5000


class InvocationCalls(TypedDict):
    """One invocation's calls, as the worker reports them."""

    dynamodb: dict[str, int]  # calls by operation
    dynamodb_round_trips: int  # waits for DynamoDB one after another: overlapping calls count once
    rcu: float
    wcu: float
    aws: dict[str, int]  # other calls, by "service:Operation"
    handler_ms: float
    peak_memory_mb: float


class CallRecord(InvocationCalls):
    """An invocation's calls with what identifies it: the function, its trigger and the request it served."""

    function: str
    trigger: str  # an API route key ("GET /me"), "sqs", "schedule" or "invoke"
    request_id: str  # the API Gateway request id the client got in apigw-requestid, or the Lambda request id
    started_at: float  # seconds since the epoch, when the invocation was asked for (a worker may be awaited)
    ended_at: float  # seconds since the epoch, when its answer came
    duration_ms: float  # from then until the answer, a cold start's import included
    init_ms: float  # the cold start's import, 0 for a warm worker


_STARTED = "ecopulse_call_started"


class _Counter:
    """Counts the calls of the running invocation (a worker runs one at a time; the handler may call from several
    threads)."""

    def __init__(self) -> None:
        self.dynamodb: Counter[str] = Counter()
        self.aws: Counter[str] = Counter()
        self.rcu = 0.0
        self.wcu = 0.0
        self._spans: list[tuple[float, float]] = []  # each DynamoDB call's (sent, answered), perf_counter seconds
        self._lock = threading.Lock()
        self._installed = False

    def install(self) -> None:
        """Adds the hooks to every botocore session created from now on."""
        if self._installed:
            return
        from botocore import handlers

        handlers.BUILTIN_HANDLERS.extend(
            [
                ("before-parameter-build.dynamodb", self._ask_for_capacity),
                ("before-call.dynamodb", self._sent),
                ("after-call", self._count),
                ("after-call-error", self._count),
            ]
        )
        self._installed = True

    def reset(self) -> None:
        with self._lock:
            self.dynamodb, self.aws, self.rcu, self.wcu, self._spans = Counter(), Counter(), 0.0, 0.0, []

    def round_trips(self) -> int:
        """How many times the invocation waited for DynamoDB: a call sent while none was in flight starts a wait,
        one sent while another was still out shares it."""
        waits, answered = 0, float("-inf")
        for sent, received in sorted(self._spans):
            if sent > answered:
                waits += 1
            answered = max(answered, received)
        return waits

    def report(self, handler_ms: float) -> InvocationCalls:
        return {
            "dynamodb": dict(self.dynamodb),
            "dynamodb_round_trips": self.round_trips(),
            "rcu": round(self.rcu, 2),
            "wcu": round(self.wcu, 2),
            "aws": dict(self.aws),
            "handler_ms": round(handler_ms, 2),
            # Lambda's "Max Memory Used" is the environment's peak so far, as ru_maxrss (KiB on Linux) is.
            "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }

    @staticmethod
    def _ask_for_capacity(params: dict[str, Any], model: Any, **_: Any) -> None:
        members = model.input_shape.members if model.input_shape is not None else {}
        if "ReturnConsumedCapacity" in members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    @staticmethod
    def _sent(context: dict[str, Any], **_: Any) -> None:
        context[_STARTED] = time.perf_counter()

    def _count(
        self, event_name: str, parsed: dict[str, Any] | None = None, context: dict[str, Any] | None = None, **_: Any
    ) -> None:
        """``event_name`` is ``after-call.<service id>.<Operation>`` (``after-call-error`` when no answer came)."""
        service, operation = event_name.split(".", 2)[1:]
        answered = time.perf_counter()
        with self._lock:
            if service != "dynamodb":
                self.aws[f"{service}:{operation}"] += 1
                return
            self.dynamodb[operation] += 1
            self._spans.append(((context or {}).get(_STARTED, answered), answered))
            consumed = (parsed or {}).get("ConsumedCapacity") or []
            for capacity in [consumed] if isinstance(consumed, dict) else consumed:
                read = capacity.get("ReadCapacityUnits")
                write = capacity.get("WriteCapacityUnits")
                if read is None and write is None:
                    units = float(capacity.get("CapacityUnits", 0.0))
                    read, write = (units, 0.0) if operation in READ_OPERATIONS else (0.0, units)
                self.rcu += float(read or 0.0)
                self.wcu += float(write or 0.0)


counter = _Counter()


class CallLog:
    """The records of the latest invocations, newest last, kept by the runtime; a reader may wait for the next ones
    instead of asking again and again."""

    def __init__(self, kept: int = KEPT_RECORDS) -> None:
        self._added = threading.Condition()
        self._records: deque[CallRecord] = deque(maxlen=kept)
        self._count = 0  # records ever added, the forgotten ones included

    def add(self, record: CallRecord) -> None:
        with self._added:
            self._records.append(record)
            self._count += 1
            self._added.notify_all()

    def all(self) -> list[CallRecord]:
        with self._added:
            return list(self._records)

    def after(self, seen: int | None, timeout: float) -> tuple[int, list[CallRecord]]:
        """How many records were ever added, and those added after the first ``seen`` (still kept), waiting up to
        ``timeout`` seconds for one to come. Without ``seen``, the count alone, at once."""
        with self._added:
            if seen is None:
                return self._count, []
            self._added.wait_for(lambda: self._count > seen, timeout)
            new = min(self._count - seen, len(self._records))
            return self._count, list(self._records)[len(self._records) - new :] if new > 0 else []

    def clear(self) -> None:
        with self._added:
            self._records.clear()


def trigger_of(event: Any) -> tuple[str, str | None]:
    """What invoked a function, and the API request id when an API route did."""
    if isinstance(event, dict):
        if "routeKey" in event:
            return str(event["routeKey"]), event.get("requestContext", {}).get("requestId")
        records = event.get("Records")
        if isinstance(records, list) and records and isinstance(records[0], dict):
            return str(records[0].get("eventSource") or records[0].get("EventSource") or "records"), None
        if event.get("source") == "aws.events":
            return "schedule", None
    return "invoke", None
