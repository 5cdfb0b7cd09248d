"""template.yaml: lint-clean, and every function and route it declares resolves to real code."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ecopulse_local.lambdas import function_specs
from ecopulse_local.provision import Provisioner
from ecopulse_local.runtime import samconfig_parameter_overrides
from ecopulse_local.template import TemplateError, load_stack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack():
    return load_stack(ROOT / "template.yaml", samconfig_parameter_overrides(ROOT, "local"))


def cfn_lint(path: Path) -> subprocess.CompletedProcess:
    """cfn-lint as a developer runs it, informational rules included."""
    return subprocess.run(
        [
            Path(sys.executable).parent / "cfn-lint",
            "--include-checks",
            "I",
            "--ignore-checks",
            "I4010",
            "--",
            path,
        ],
        capture_output=True,
        text=True,
    )


def test_cfn_lint_finds_nothing():
    completed = cfn_lint(ROOT / "template.yaml")
    assert (completed.returncode, completed.stdout) == (0, "")


def test_state_machine_definitions_pass_cfn_lint_as_plain_resources(stack, tmp_path):
    """cfn-lint does not read files behind DefinitionUri, so each ASL is linted wrapped in a resource."""
    provisioner = Provisioner(stack, "http://unused")
    for logical_id in stack.of_type("AWS::StepFunctions::StateMachine"):
        wrapped = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "Machine": {
                    "Type": "AWS::StepFunctions::StateMachine",
                    "Properties": {
                        "RoleArn": "arn:aws:iam::123456789012:role/machine",
                        "Definition": json.loads(provisioner.definition(logical_id)),
                    },
                }
            },
        }
        path = tmp_path / f"{logical_id}.yaml"
        path.write_text(yaml.safe_dump(wrapped))
        completed = cfn_lint(path)
        assert (completed.returncode, completed.stdout) == (0, ""), logical_id


def test_every_function_handler_is_an_importable_callable(stack):
    specs = function_specs(stack)
    assert {spec.logical_id for spec in specs.values()} >= {
        "SystemApiFunction",
        "VerifyUploadFunction",
        "RequestReviewFunction",
        "RecordDecisionFunction",
        "NotifyFunction",
    }
    for spec in specs.values():
        module, attribute = spec.handler.rsplit(".", 1)
        probe = f"import importlib; assert callable(getattr(importlib.import_module({module!r}), {attribute!r}))"
        completed = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=spec.code_dir,
            env={**spec.environment, "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        assert completed.returncode == 0, f"{spec.logical_id}: {completed.stderr}"


def test_paths_under_opt_point_into_the_data_layer_locally(stack):
    verify = function_specs(stack)["ecopulse-local-VerifyUploadFunction"]
    assert Path(verify.environment["MODEL_DIR"]) == ROOT / "layers" / "model"


def test_intrinsics_resolve_to_local_identities(stack):
    verify = stack.properties("VerifyUploadFunction")
    variables = verify["Environment"]["Variables"]
    assert variables["UPLOADS_BUCKET"] == "ecopulse-local-uploads-123456789012"
    assert variables["STATE_MACHINE_ARN"] == (
        "arn:aws:states:us-east-1:123456789012:stateMachine:ecopulse-local-PipelineStateMachine"
    )
    assert variables["STAGE"] == "local"
    table = stack.properties("AppTable")
    assert table["DeletionProtectionEnabled"] is False, "Fn::If on the IsProd condition"
    machine = stack.properties("PipelineStateMachine")
    assert machine["DefinitionSubstitutions"]["NotifyFunctionArn"].endswith(
        ":function:ecopulse-local-NotifyFunction:live"
    )


def test_samconfig_local_overrides_reach_the_template(stack):
    assert stack.parameters["RetryIntervalSeconds"] == "1"
    assert stack.parameters["Stage"] == "local"


def test_unknown_parameter_overrides_are_refused():
    with pytest.raises(TemplateError, match="NoSuchParameter"):
        load_stack(ROOT / "template.yaml", {"NoSuchParameter": "1"})


def test_every_async_function_has_an_on_failure_destination(stack):
    asynchronous = {
        name
        for name, resource in stack.resources.items()
        if resource["Type"] == "AWS::Lambda::Permission"
        and resource["Properties"]["Principal"] in ("s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com")
    }
    specs = {spec.logical_id: spec for spec in function_specs(stack).values()}
    for permission in asynchronous:
        target = stack.resources[permission]["Properties"]["FunctionName"]["Ref"]
        function = stack.resources[target]["Properties"]["FunctionName"]["Ref"]
        assert specs[function].on_failure_destination, function


def test_sam_validate_lint_accepts_the_template():
    sam = ROOT / ".tools" / "sam" / "bin" / "sam"
    completed = subprocess.run(
        [sam, "validate", "--lint", "--region", "us-east-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT / ".tools"), "SAM_CLI_TELEMETRY": "0"},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "is a valid SAM Template" in completed.stdout + completed.stderr
