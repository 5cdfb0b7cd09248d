"""One warm Lambda execution environment: imports a handler once, then serves invocations.

Started by the runtime with the function's environment. Requests arrive as JSON lines on stdin; results
leave as JSON lines on a pipe of their own, so whatever the handler prints stays log output.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TypedDict

from ecopulse_local.calls import InvocationCalls, counter
from ecopulse_local.faults import injector

RESULTS_FD_VARIABLE = "ECOPULSE_RESULTS_FD"
# A Lambda handler: the event and the context in, any JSON-serialisable result out.
type Handler = Callable[[Any, LambdaContext], Any]


class WorkerRequest(TypedDict):
    """One invocation, as the runtime writes it to a worker's stdin."""

    event: Any
    request_id: str
    invoked_function_arn: str
    deadline: float  # seconds since the epoch
    faults: list[dict[str, Any]]  # Fault.model_dump() of each fault in force for the function


class WorkerReply(TypedDict):
    """What a worker answers on its results pipe: Lambda's payload, and what the runtime measures and counts."""

    ok: bool
    payload: Any  # the handler's result, or Lambda's error document when not ok
    init_ms: float  # the handler's import, on the first invocation only
    fault_hits: dict[str, int]  # by fault id
    calls: InvocationCalls


class LambdaContext:
    """The attributes and method of the context object the Python runtime passes to a handler."""

    def __init__(self, request: WorkerRequest) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = request["invoked_function_arn"]
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request["request_id"]
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = request["deadline"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _error(error_type: str, error: BaseException) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": error_type,
        "requestId": "",
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def main() -> None:
    code_dir, handler_path = sys.argv[1], sys.argv[2]
    sys.path.insert(0, code_dir)
    results = os.fdopen(int(os.environ.pop(RESULTS_FD_VARIABLE)), "w", buffering=1)
    counter.install()
    started = time.perf_counter()
    init_error: dict[str, Any] | None = None
    try:
        module_name, function_name = handler_path.rsplit(".", 1)
        handler: Handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:  # reported on every invocation, as the Lambda runtime does
        init_error = _error("Runtime.ImportModuleError", error)
    init_ms = (time.perf_counter() - started) * 1000

    for line in sys.stdin:
        request: WorkerRequest = json.loads(line)
        counter.reset()
        invoked = time.perf_counter()
        if init_error is not None:
            ok, payload = False, {**init_error, "requestId": request["request_id"]}
        else:
            ok, payload = _invoke(handler, request)
        reply: WorkerReply = {
            "ok": ok,
            "payload": payload,
            "init_ms": init_ms,
            "fault_hits": dict(injector.hits),
            "calls": counter.report((time.perf_counter() - invoked) * 1000),
        }
        init_ms = 0.0
        results.write(json.dumps(reply) + "\n")


def _invoke(handler: Handler, request: WorkerRequest) -> tuple[bool, Any]:
    """Runs the handler under the invocation's faults: whether it succeeded, and its result or its error."""
    try:
        with injector.applied(request.get("faults", [])):
            result = handler(request["event"], LambdaContext(request))
    except Exception as error:
        return False, _error(type(error).__name__, error)
    try:
        return True, json.loads(json.dumps(result))
    except (TypeError, ValueError) as error:
        return False, _error("Runtime.MarshalError", error)


if __name__ == "__main__":
    main()
