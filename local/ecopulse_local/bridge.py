"""Connects moto's Lambda to the runtime's function workers.

moto runs Step Functions executions and S3 notifications itself, but without Docker it cannot run a
function's code. These seams are rerouted, all in moto 5.2 (pinned; tests/unit/test_bridge_seams.py
fails loudly if an upgrade moves them):

- the Lambda backend's ``invoke`` (Step Functions Task states, the Invoke API): to the workers,
  synchronously, or queued when the caller asked for InvocationType=Event;
- S3's ``_invoke_awslambda`` (bucket notifications): queued, so the PUT returns before the function
  runs, as in AWS;
- S3's ``_get_s3_event``: completed with the fields AWS sends and moto leaves out (userIdentity,
  requestParameters, responseElements, ownerIdentity, sequencer, versionId), and with the key encoded
  as AWS does (spaces as "+", slashes kept; moto encodes them as %2F);
- Step Functions' ``SendTaskFailure`` response, which drops the ``cause`` a Catch hands on as
  ``$.Cause``.

Three more keep moto's per-request work from starving the functions when many requests arrive at once (a burst
of uploads measured them at a quarter of the runtime's CPU):

- Step Functions' ASL parse: moto parses the definition with ANTLR for every execution. The syntax tree is kept
  per definition; each execution still builds its own states from it (they carry per-execution state);
- moto's ``list_of_moto_modules``, which lists moto's package folder on every request: listed once;
- Step Functions' Lambda tasks, which create a boto3 client for each invocation, and its JSONPath expressions,
  parsed at each evaluation: one client per endpoint, each path parsed once.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from typing import Any
from urllib.parse import quote_plus

from jsonpath_ng.ext.parser import parse as parse_extended_json_path
from jsonpath_ng.parser import parse as parse_json_path
from moto import backends
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.responses import ActionResult, EmptyResult
from moto.s3 import notifications
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

from ecopulse_local.lambdas import Functions

_original_get_s3_event = notifications._get_s3_event
_original_parse = AmazonStateLanguageParser.parse
_MOTO_MODULES = tuple(backends.list_of_moto_modules())
_syntax_trees: dict[str, Any] = {}  # ANTLR's ParserRuleContext, by definition
KEPT_SYNTAX_TREES = 32  # a runtime has a few definitions; tests that make many start again from empty
_task_clients: dict[tuple[str, str, str], Any] = {}
_parse_json_path = functools.lru_cache(maxsize=256)(parse_extended_json_path)
_parse_result_path = functools.lru_cache(maxsize=256)(parse_json_path)


def install(functions: Functions) -> None:
    def invoke(
        self: LambdaSimpleBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: dict[str, str],
    ) -> bytes:
        event = json.loads(body) if body else {}
        target = f"{function_name}:{qualifier}" if qualifier else function_name
        if headers.get("X-Amz-Invocation-Type") == "Event":
            functions.invoke_async(target, event)
            return b""
        invocation = functions.invoke(target, event)
        if invocation.function_error is not None:
            response_headers["x-amz-function-error"] = invocation.function_error
        response_headers["x-amz-executed-version"] = "$LATEST"
        return json.dumps(invocation.payload).encode()

    def invoke_from_s3(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        functions.invoke_async(fn_arn, event_body)

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]  # rerouted in place, same signature
    notifications._invoke_awslambda = invoke_from_s3
    notifications._get_s3_event = _complete_s3_event
    StepFunctionResponse.send_task_failure = _send_task_failure_with_cause  # type: ignore[method-assign]  # rerouted in place
    AmazonStateLanguageParser.parse = staticmethod(_parse_from_kept_tree)  # type: ignore[method-assign]  # same signature
    backends.list_of_moto_modules = lambda: _MOTO_MODULES
    # These modules import the names for themselves: each is replaced where it is looked up.
    setattr(lambda_eval_utils, "boto_client_for", _task_client)  # noqa: B010
    setattr(json_path, "parse", _parse_json_path)  # noqa: B010
    setattr(result_path, "parse", _parse_result_path)  # noqa: B010


def _task_client(region: str, service: str, state_credentials: Any = None) -> Any:
    """moto's client for a Task state, one per region, service and moto port (a process may run several
    runtimes, one after another); boto3 clients are safe to share between threads."""
    key = (region, service, moto_server_port())
    if key not in _task_clients:
        _task_clients[key] = boto_client_for(region, service, state_credentials)
    return _task_clients[key]


def _parse_from_kept_tree(definition: str) -> tuple[EvalComponent, Any]:
    """moto's parse, with the syntax tree of a definition seen before: its states are built afresh each time."""
    tree = _syntax_trees.get(definition)
    if tree is None:
        program, tree = _original_parse(definition)
        if len(_syntax_trees) >= KEPT_SYNTAX_TREES:
            _syntax_trees.clear()
        _syntax_trees[definition] = tree
        return program, tree
    return Preprocessor().visit(tree), tree


def _send_task_failure_with_cause(self: StepFunctionResponse) -> ActionResult:
    backend = self.stepfunction_backend
    if not isinstance(backend, StepFunctionsParserBackend):
        raise TypeError("SendTaskFailure's cause needs moto to execute state machines, as the runtime configures it")
    parameter = self._get_param
    backend.send_task_failure(parameter("taskToken"), error=parameter("error"), cause=parameter("cause"))
    return EmptyResult()


def _complete_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
    event = _original_get_s3_event(event_name, bucket, key, notification_id)
    for record in event["Records"]:
        record["userIdentity"] = {"principalId": "AWS:LOCAL"}
        record["requestParameters"] = {"sourceIPAddress": "127.0.0.1"}
        record["responseElements"] = {
            "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
            "x-amz-id-2": uuid.uuid4().hex,
        }
        record["s3"]["object"]["key"] = quote_plus(key.name, safe="/")
        record["s3"]["bucket"]["ownerIdentity"] = {"principalId": "LOCAL"}
        record["s3"]["object"]["sequencer"] = f"{time.time_ns():016X}"
        if getattr(key, "version_id", None) and key.version_id != "null":
            record["s3"]["object"]["versionId"] = key.version_id
    return event
