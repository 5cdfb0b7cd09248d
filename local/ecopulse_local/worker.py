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
from typing import Any

from ecopulse_local.faults import injector

RESULTS_FD_VARIABLE = "ECOPULSE_RESULTS_FD"


class LambdaContext:
    """The attributes and method of the context object the Python runtime passes to a handler."""

    def __init__(self, request: dict[str, Any]) -> None:
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
    started = time.perf_counter()
    handler = None
    init_error: dict[str, Any] | None = None
    try:
        module_name, function_name = handler_path.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:  # reported on every invocation, as the Lambda runtime does
        init_error = _error("Runtime.ImportModuleError", error)
    init_ms = (time.perf_counter() - started) * 1000

    for line in sys.stdin:
        request = json.loads(line)
        if init_error is not None:
            reply = {"ok": False, "payload": {**init_error, "requestId": request["request_id"]}}
        else:
            try:
                with injector.applied(request.get("faults", [])):
                    result = handler(request["event"], LambdaContext(request))
            except Exception as error:
                reply = {"ok": False, "payload": _error(type(error).__name__, error)}
            else:
                try:
                    reply = {"ok": True, "payload": json.loads(json.dumps(result))}
                except (TypeError, ValueError) as error:
                    reply = {"ok": False, "payload": _error("Runtime.MarshalError", error)}
        reply["init_ms"] = init_ms
        reply["fault_hits"] = dict(injector.hits)
        init_ms = 0.0
        results.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
