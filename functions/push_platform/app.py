"""CloudFormation custom resource (``Custom::PushPlatformApplication``): the stack's SNS platform application for one
push service, made from the credentials the stack was given, updated in place when they change, deleted with it.

CloudFormation has no resource type for SNS platform applications. The answer goes to the pre-signed
``ResponseURL`` CloudFormation waits on; any failure is answered FAILED with its reason, never left to time out.
"""

import json
import urllib.request
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.observability import logger

sns = boto3.client("sns")


def apply(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The platform application's ARN (the resource's physical id) and its ``Fn::GetAtt`` values."""
    properties = event["ResourceProperties"]
    attributes = {name: str(value) for name, value in properties.get("Attributes", {}).items() if value}
    previous = event.get("PhysicalResourceId", "")
    if event["RequestType"] == "Delete":
        if previous.startswith("arn:"):
            sns.delete_platform_application(PlatformApplicationArn=previous)
        return previous, {}
    old = event.get("OldResourceProperties", {})
    same_application = old.get("Name") == properties["Name"] and old.get("Platform") == properties["Platform"]
    if event["RequestType"] == "Update" and same_application and previous.startswith("arn:"):
        sns.set_platform_application_attributes(PlatformApplicationArn=previous, Attributes=attributes)
        return previous, {"Arn": previous}
    arn: str = sns.create_platform_application(
        Name=properties["Name"], Platform=properties["Platform"], Attributes=attributes
    )["PlatformApplicationArn"]
    return arn, {"Arn": arn}


def respond(event: dict[str, Any], status: str, physical_id: str, data: dict[str, str], reason: str = "") -> None:
    body = {
        "Status": status,
        "Reason": reason or "see the function's log",
        "PhysicalResourceId": physical_id or event["LogicalResourceId"],
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": True,
        "Data": data,
    }
    request = urllib.request.Request(
        event["ResponseURL"], data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": ""}
    )
    urllib.request.urlopen(request, timeout=10).close()  # nosec B310  # CloudFormation's pre-signed https URL


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    try:
        physical_id, data = apply(event)
    except Exception as error:
        logger.exception("platform application not applied")
        respond(event, "FAILED", event.get("PhysicalResourceId", ""), {}, f"{type(error).__name__}: {error}")
        return
    respond(event, "SUCCESS", physical_id, data)
