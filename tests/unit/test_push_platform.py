"""The custom resource that makes the stack's SNS platform applications: made on create, updated in place while its
name and service stay, replaced when they change, deleted with the stack, and every failure answered FAILED so that
CloudFormation does not wait an hour for it."""

import importlib.util
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import ROOT

CONTEXT = SimpleNamespace(
    function_name="push-platform",
    memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:push-platform",
    aws_request_id="request-1",
)
FCM = {"Name": "stack-fcm", "Platform": "GCM", "Attributes": {"PlatformCredential": "{}"}}


class FakeSns:
    def __init__(self) -> None:
        self.applications: dict[str, dict[str, str]] = {}
        self.refuse = False

    def create_platform_application(self, Name: str, Platform: str, Attributes: dict[str, str]) -> dict[str, str]:
        if self.refuse:
            raise RuntimeError("InvalidParameter: PlatformCredential is not a service account key")
        arn = f"arn:aws:sns:us-east-1:123456789012:app/{Platform}/{Name}"
        self.applications[arn] = Attributes
        return {"PlatformApplicationArn": arn}

    def set_platform_application_attributes(self, PlatformApplicationArn: str, Attributes: dict[str, str]) -> None:
        self.applications[PlatformApplicationArn] = Attributes

    def delete_platform_application(self, PlatformApplicationArn: str) -> None:
        self.applications.pop(PlatformApplicationArn, None)


@pytest.fixture
def resource(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    spec = importlib.util.spec_from_file_location("push_platform_app", ROOT / "functions" / "push_platform" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sns, answers = FakeSns(), []
    monkeypatch.setattr(module, "sns", sns)
    monkeypatch.setattr(module, "respond", lambda event, *answer: answers.append(answer))
    return module, sns, answers


def request(kind: str, properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "RequestType": kind, "ResourceProperties": {"ServiceToken": "arn:lambda", **properties},
        "ResponseURL": "https://cloudformation-custom-resource-response.example/presigned", "StackId": "stack",
        "RequestId": "r-1", "LogicalResourceId": "FcmPlatformApplication", **more,
    }  # fmt: skip


def test_the_application_is_made_updated_in_place_replaced_and_deleted(resource):
    module, sns, answers = resource
    arn = "arn:aws:sns:us-east-1:123456789012:app/GCM/stack-fcm"
    module.handler(request("Create", FCM), CONTEXT)
    assert answers[-1] == ("SUCCESS", arn, {"Arn": arn})
    rotated = {**FCM, "Attributes": {"PlatformCredential": "{rotated}"}}
    module.handler(request("Update", rotated, PhysicalResourceId=arn, OldResourceProperties=FCM), CONTEXT)
    assert answers[-1] == ("SUCCESS", arn, {"Arn": arn}) and sns.applications[arn] == {
        "PlatformCredential": "{rotated}"
    }
    renamed = {**FCM, "Name": "stack-fcm-2"}
    module.handler(request("Update", renamed, PhysicalResourceId=arn, OldResourceProperties=FCM), CONTEXT)
    new = "arn:aws:sns:us-east-1:123456789012:app/GCM/stack-fcm-2"
    assert answers[-1] == ("SUCCESS", new, {"Arn": new})
    module.handler(request("Delete", FCM, PhysicalResourceId=arn), CONTEXT)
    assert list(sns.applications) == [new]


def test_empty_attributes_are_left_out(resource):
    module, sns, _ = resource
    apns = {
        "Name": "stack-apns",
        "Platform": "APNS",
        "Attributes": {"PlatformCredential": "key", "PlatformPrincipal": ""},
    }
    module.handler(request("Create", apns), CONTEXT)
    assert sns.applications["arn:aws:sns:us-east-1:123456789012:app/APNS/stack-apns"] == {"PlatformCredential": "key"}


def test_a_refusal_is_answered_failed_with_its_reason_and_a_failed_create_deletes_nothing(resource):
    module, sns, answers = resource
    sns.refuse = True
    module.handler(request("Create", FCM), CONTEXT)
    ((status, physical_id, data, reason),) = answers
    assert (status, data) == ("FAILED", {}) and "PlatformCredential" in reason
    module.handler(request("Delete", FCM, PhysicalResourceId="FcmPlatformApplication"), CONTEXT)
    assert answers[-1][0] == "SUCCESS" and sns.applications == {}
