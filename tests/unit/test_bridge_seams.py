"""The local runtime reroutes some of moto's internals; an upgrade that moves them must fail here, loudly."""

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import S3Model
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.moto_server import werkzeug_app
from moto.s3 import notifications
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.parse.asl_parser import ASLParserException
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution_worker
from moto.stepfunctions.responses import StepFunctionResponse

from ecopulse_local import bridge

ROOT = Path(__file__).resolve().parents[2]


def test_moto_is_the_pinned_version():
    pinned = re.search(r'"moto\[server\]==([^"]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert version("moto") == pinned


def test_the_rerouted_functions_keep_their_signatures():
    assert list(inspect.signature(LambdaSimpleBackend.invoke).parameters) == [
        "self", "function_name", "qualifier", "body", "headers", "response_headers",
    ]  # fmt: skip
    assert list(inspect.signature(notifications._invoke_awslambda).parameters) == [
        "account_id", "event_body", "fn_arn", "region_name",
    ]  # fmt: skip
    assert list(inspect.signature(bridge._original_get_s3_event).parameters) == [
        "event_name", "bucket", "key", "notification_id",
    ]  # fmt: skip
    assert "_invoke_awslambda(" in inspect.getsource(notifications.send_event)
    assert "_get_s3_event(" in inspect.getsource(notifications.send_event)
    assert callable(StepFunctionResponse.send_task_failure)
    assert list(inspect.signature(bridge._original_parse).parameters) == ["definition"]
    assert "AmazonStateLanguageParser.parse(" in inspect.getsource(execution_worker.ExecutionWorker)
    assert "backends.list_of_moto_modules()" in inspect.getsource(werkzeug_app.DomainDispatcherApplication)
    assert list(inspect.signature(bridge.boto_client_for).parameters) == [
        "region", "service", "state_credentials",
    ]  # fmt: skip
    assert "boto_client_for(" in inspect.getsource(lambda_eval_utils)
    assert "parse(path)" in inspect.getsource(json_path.extract_json)
    assert "parse(self.result_path_src)" in inspect.getsource(result_path)


DEFINITION = '{"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": {"ok": true}, "End": true}}}'


def test_a_definition_seen_before_keeps_its_syntax_tree_and_gets_fresh_states():
    first_program, first_tree = bridge._parse_from_kept_tree(DEFINITION)
    second_program, second_tree = bridge._parse_from_kept_tree(DEFINITION)
    assert second_tree is first_tree
    assert second_program is not first_program, "states carry per-execution state: never shared"
    assert type(second_program) is type(first_program)


def test_a_definition_with_a_syntax_error_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(ASLParserException):
            bridge._parse_from_kept_tree('{"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": 7}}}')


class _Bucket:
    name = "uploads"
    arn = "arn:aws:s3:::uploads"
    region_name = "us-east-1"


class _Key:
    name = "uploads/lahore/alice/sub-1234abcd/before photo.jpg"
    etag = '"0123456789abcdef"'
    size = 1234
    version_id = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"


def test_completed_s3_events_have_every_field_aws_sends():
    event = bridge._complete_s3_event("s3:ObjectCreated:Put", _Bucket(), _Key(), "PhotoUploaded")
    record = parse(event=event, model=S3Model).Records[0]
    assert record.eventName == "ObjectCreated:Put"
    assert record.s3.object.key == "uploads/lahore/alice/sub-1234abcd/before+photo.jpg", "keys arrive URL-encoded"
    assert record.s3.object.versionId == _Key.version_id
    assert record.s3.object.sequencer
    assert record.userIdentity.principalId and record.s3.bucket.ownerIdentity.principalId


def test_a_task_state_reuses_its_client_while_the_moto_port_stays(monkeypatch):
    monkeypatch.setattr(bridge, "_task_clients", {})
    first = bridge._task_client("us-east-1", "lambda")
    assert bridge._task_client("us-east-1", "lambda") is first
    assert bridge._task_client("eu-west-1", "lambda") is not first
    monkeypatch.setenv("MOTO_PORT", "5999")
    assert bridge._task_client("us-east-1", "lambda") is not first, "a runtime on another port gets its own"
