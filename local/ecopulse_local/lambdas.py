"""The template's functions, run as warm worker processes with each function's own environment.

A worker is one execution environment: started on first use (a cold start), reused after, killed when an
invocation outlives the function's Timeout. Each function gets up to its reserved concurrency (or a
default) of workers. Asynchronous invocations are queued and retried as Lambda does, then handed to
the function's on-failure destination.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import subprocess  # nosec B404  # one worker process per local function
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecopulse_local.calls import CallLog, CallRecord, InvocationCalls, trigger_of
from ecopulse_local.faults import FaultRegistry
from ecopulse_local.template import Stack
from ecopulse_local.worker import RESULTS_FD_VARIABLE, WorkerReply, WorkerRequest

DEFAULT_CONCURRENCY = 4
INIT_BUDGET_SECONDS = 10
log = logging.getLogger("ecopulse.local.functions")


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    concurrency: int
    max_async_retries: int = 2
    on_failure_destination: str | None = None


@dataclass
class Invocation:
    """The outcome of one invocation, shaped like Lambda's Invoke answer."""

    payload: Any
    function_error: str | None = None
    init_ms: float = 0.0
    duration_ms: float = 0.0
    request_id: str = ""
    calls: InvocationCalls | None = None

    @property
    def ok(self) -> bool:
        return self.function_error is None


def _data_layers(stack: Stack, layer_arns: list[str]) -> list[Path]:
    """Layers of files, not Python packages (no requirements.txt): Lambda unpacks their content at /opt."""
    folders = {
        stack.ref(logical_id): stack.local_path(stack.properties(logical_id)["Content"])
        for logical_id in stack.of_type("AWS::Lambda::LayerVersion")
    }
    return [folders[arn] for arn in layer_arns if not (folders[arn] / "requirements.txt").exists()]


def _under_opt(value: str, data_layers: list[Path]) -> str:
    """Points an /opt path at the data layer that holds it, as Lambda's merged /opt would."""
    if value != "/opt" and not value.startswith("/opt/") or not data_layers:
        return value
    relative = value.removeprefix("/opt").lstrip("/")
    holder = next((folder for folder in data_layers if (folder / relative).exists()), data_layers[0])
    return str(holder / relative) if relative else str(holder)


def function_specs(stack: Stack) -> dict[str, FunctionSpec]:
    invoke_configs = {
        props["FunctionName"]: props
        for logical_id in stack.of_type("AWS::Lambda::EventInvokeConfig")
        for props in [stack.properties(logical_id)]
    }
    specs = {}
    for logical_id in stack.of_type("AWS::Lambda::Function"):
        props = stack.properties(logical_id)
        name = stack.ref(logical_id)
        invoke_config = invoke_configs.get(name, {})
        data_layers = _data_layers(stack, props.get("Layers", []))
        variables = props.get("Environment", {}).get("Variables", {})
        specs[name] = FunctionSpec(
            logical_id=logical_id,
            name=name,
            arn=stack.get_att(logical_id, "Arn"),
            code_dir=stack.local_path(props["Code"]),
            handler=props["Handler"],
            environment={key: _under_opt(str(value), data_layers) for key, value in variables.items()},
            timeout_seconds=int(props.get("Timeout", 3)),
            memory_mb=int(props.get("MemorySize", 128)),
            concurrency=int(props.get("ReservedConcurrentExecutions", DEFAULT_CONCURRENCY)),
            max_async_retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
            on_failure_destination=invoke_config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
        )
    return specs


class _Worker:
    def __init__(self, spec: FunctionSpec, base_environment: dict[str, str]) -> None:
        self.spec = spec
        read_fd, write_fd = os.pipe()
        environment = {
            **base_environment,
            **spec.environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
            "_HANDLER": spec.handler,
            RESULTS_FD_VARIABLE: str(write_fd),
        }
        self.process = subprocess.Popen(  # nosec B603  # this interpreter and a fixed module, no shell
            [sys.executable, "-m", "ecopulse_local.worker", str(spec.code_dir), spec.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            env=environment,
            cwd=spec.code_dir,
            text=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None  # nosec B101  # pipes, opened above
        self._requests = self.process.stdin
        self._output = self.process.stdout
        os.close(write_fd)
        self._results = os.fdopen(read_fd, "rb", buffering=0)
        self._buffer = b""
        self.warm = False
        threading.Thread(target=self._forward_logs, daemon=True).start()

    def _forward_logs(self) -> None:
        function_log = logging.getLogger(f"ecopulse.local.fn.{self.spec.logical_id}")
        for line in self._output:
            function_log.info(line.rstrip())

    def invoke(self, request: WorkerRequest, timeout_seconds: float) -> WorkerReply | None:
        """Returns the worker's reply, or None when it timed out or died (the worker is then unusable)."""
        self._requests.write(json.dumps(request) + "\n")
        self._requests.flush()
        deadline = time.monotonic() + timeout_seconds
        with selectors.DefaultSelector() as selector:
            selector.register(self._results, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None
                chunk = self._results.read(1 << 20)
                if not chunk:
                    return None
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        reply: WorkerReply = json.loads(line)
        return reply

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._results.close()


class _FunctionPool:
    def __init__(self, spec: FunctionSpec, base_environment: dict[str, str], faults: FaultRegistry) -> None:
        self.spec = spec
        self._base_environment = base_environment
        self._faults = faults
        self._idle: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(spec.concurrency)
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()

    def invoke(self, event: Any, invoked_arn: str) -> Invocation:
        with self._slots:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                worker = _Worker(self.spec, self._base_environment)
                with self._lock:
                    self._all.add(worker)
            request_id = str(uuid.uuid4())
            started = time.perf_counter()
            reply = worker.invoke(
                {
                    "event": event,
                    "request_id": request_id,
                    "invoked_function_arn": invoked_arn,
                    "deadline": time.time() + self.spec.timeout_seconds,
                    "faults": self._faults.for_function(self.spec.logical_id),
                },
                # The first invocation also pays for the import: Lambda's init phase has a budget of its own.
                self.spec.timeout_seconds + (0 if worker.warm else INIT_BUDGET_SECONDS),
            )
            duration_ms = (time.perf_counter() - started) * 1000
            if reply is None:
                worker.stop()
                with self._lock:
                    self._all.discard(worker)
                return Invocation(
                    payload={
                        "errorType": "Sandbox.Timedout",
                        "errorMessage": f"{request_id} Task timed out after {self.spec.timeout_seconds:.2f} seconds",
                    },
                    function_error="Unhandled",
                    duration_ms=duration_ms,
                    request_id=request_id,
                )
            worker.warm = True
            self._faults.record(reply.get("fault_hits", {}))
            with self._lock:
                self._idle.append(worker)
            return Invocation(
                payload=reply["payload"],
                function_error=None if reply["ok"] else "Unhandled",
                init_ms=reply["init_ms"],
                duration_ms=duration_ms - reply["init_ms"],
                request_id=request_id,
                calls=reply["calls"],
            )

    def stop(self) -> None:
        with self._lock:
            workers, self._all, self._idle = list(self._all), set(), []
        for worker in workers:
            worker.stop()


@dataclass
class AsyncStats:
    queued: int = 0
    succeeded: int = 0
    failed: int = 0
    in_flight: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


class Functions:
    """Every function of the stack, by name or ARN (qualified or not), invocable sync or async."""

    def __init__(
        self,
        specs: dict[str, FunctionSpec],
        base_environment: dict[str, str],
        send_to_destination: Callable[[str, dict[str, Any]], None],
        async_retry_delays: tuple[float, ...] = (1.0, 2.0),
    ) -> None:
        self.specs = specs
        self.faults = FaultRegistry()
        self.calls = CallLog()
        self._pools = {name: _FunctionPool(spec, base_environment, self.faults) for name, spec in specs.items()}
        self._send_to_destination = send_to_destination
        self._retry_delays = async_retry_delays
        self._async = ThreadPoolExecutor(max_workers=16, thread_name_prefix="lambda-async")
        self._stats_lock = threading.Condition()
        self.async_stats = AsyncStats()

    def lookup(self, name_or_arn: str) -> FunctionSpec:
        name = name_or_arn
        if name_or_arn.startswith("arn:"):
            name = name_or_arn.split(":")[6]
        elif ":" in name_or_arn:
            name = name_or_arn.split(":")[0]
        if name not in self.specs:
            raise KeyError(f"Function not found: {name_or_arn}")
        return self.specs[name]

    def invoke(self, name_or_arn: str, event: Any) -> Invocation:
        spec = self.lookup(name_or_arn)
        invoked_arn = name_or_arn if name_or_arn.startswith("arn:") else spec.arn
        started_at = time.time()
        invocation = self._pools[spec.name].invoke(event, invoked_arn)
        if invocation.calls is not None:
            trigger, api_request_id = trigger_of(event)
            record: CallRecord = {
                **invocation.calls,
                "function": spec.logical_id,
                "trigger": trigger,
                "request_id": api_request_id or invocation.request_id,
                "started_at": started_at,
                "ended_at": time.time(),
                "duration_ms": round(invocation.duration_ms + invocation.init_ms, 1),
                "init_ms": round(invocation.init_ms, 1),
            }
            self.calls.add(record)
        log.info(
            "%s %s in %.1f ms%s",
            spec.logical_id,
            "ok"
            if invocation.ok
            else f"failed ({invocation.payload.get('errorType')}: {str(invocation.payload.get('errorMessage'))[:300]})",
            invocation.duration_ms,
            f" after a {invocation.init_ms:.0f} ms cold start" if invocation.init_ms else "",
        )
        return invocation

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        """Returns at once, as an asynchronous Invoke (S3 notifications, InvocationType=Event) does."""
        spec = self.lookup(name_or_arn)
        with self._stats_lock:
            self.async_stats.queued += 1
            self.async_stats.in_flight += 1
        self._async.submit(self._run_async, spec, name_or_arn, event)

    def _run_async(self, spec: FunctionSpec, name_or_arn: str, event: Any) -> None:
        attempts = 0
        try:
            while True:
                attempts += 1
                invocation = self.invoke(name_or_arn, event)
                if invocation.ok:
                    with self._stats_lock:
                        self.async_stats.succeeded += 1
                    return
                if attempts > spec.max_async_retries:
                    break
                time.sleep(self._retry_delays[min(attempts - 1, len(self._retry_delays) - 1)])
            with self._stats_lock:
                self.async_stats.failed += 1
                self.async_stats.errors.append({"function": spec.logical_id, **invocation.payload})
            if spec.on_failure_destination:
                self._send_to_destination(
                    spec.on_failure_destination,
                    _destination_record(spec, name_or_arn, event, invocation, attempts),
                )
        finally:
            with self._stats_lock:
                self.async_stats.in_flight -= 1
                self._stats_lock.notify_all()

    def wait_for_async(self, timeout: float) -> bool:
        """Blocks until no asynchronous invocation is queued or running; False on timeout."""
        with self._stats_lock:
            return self._stats_lock.wait_for(lambda: self.async_stats.in_flight == 0, timeout)

    def stop(self) -> None:
        self._async.shutdown(wait=False, cancel_futures=True)
        for pool in self._pools.values():
            pool.stop()


def _destination_record(
    spec: FunctionSpec, invoked_arn: str, event: Any, invocation: Invocation, attempts: int
) -> dict[str, Any]:
    """The record Lambda sends to an on-failure destination after the last retry."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": invoked_arn if invoked_arn.startswith("arn:") else spec.arn,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": invocation.payload,
    }
