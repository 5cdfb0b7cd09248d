"""Reads template.yaml the way CloudFormation does: SAM transform first, then intrinsic functions.

The SAM transform is aws-sam-translator, the library SAM itself uses, so the resources the local runtime
creates are the ones a deployment would create. Local paths in CodeUri, ContentUri and DefinitionUri are
swapped for placeholder S3 URIs before the transform (SAM CLI does the same when it packages) and mapped
back afterwards.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ARTIFACTS_BUCKET = "local-artifacts"
_LOCAL_URI_PROPERTIES = ("CodeUri", "ContentUri", "DefinitionUri")
NO_VALUE = object()
# SNS platform applications have no CloudFormation type; the template makes them through a custom resource.
PLATFORM_APPLICATION = "Custom::PushPlatformApplication"
logging.getLogger("samtranslator").setLevel(logging.ERROR)


class TemplateError(ValueError):
    """The template uses something the local runtime cannot resolve."""


class _NoManagedPolicies:
    """The translator asks IAM for AWS-managed policy ARNs only when a template names one by short name."""

    def load(self) -> dict[str, str]:
        return {}


@dataclass
class Stack:
    """A transformed template and the physical identity of each of its resources in the local account."""

    root: Path
    name: str
    region: str
    account: str
    parameters: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    conditions: dict[str, Any]
    outputs: dict[str, Any]
    endpoints: dict[str, str] = field(default_factory=dict)
    _physical: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res["Type"] == resource_type}

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's properties with every intrinsic function resolved."""
        resolved = self.resolve(self.resources[logical_id].get("Properties", {}))
        if not isinstance(resolved, dict):
            raise TemplateError(f"the properties of {logical_id} do not resolve to a mapping: {resolved!r}")
        return resolved

    def local_path(self, s3_location: dict[str, str] | str) -> Path:
        """Maps a placeholder artifact location back to the folder or file in the repository."""
        key = s3_location["S3Key"] if isinstance(s3_location, dict) and "S3Key" in s3_location else None
        if isinstance(s3_location, dict) and "Key" in s3_location:
            key = s3_location["Key"]
        if key is None:
            raise TemplateError(f"not a local artifact: {s3_location!r}")
        return self.root / key

    # ----- physical identities -----

    def identity(self, logical_id: str) -> dict[str, str]:
        """Ref and GetAtt values of a resource, computed from its type and (resolved) naming properties."""
        if logical_id in self._physical:
            return self._physical[logical_id]
        if logical_id not in self.resources:
            raise TemplateError(f"unknown resource {logical_id}")
        resource = self.resources[logical_id]
        props = resource.get("Properties", {})
        identity = _IDENTITIES.get(resource["Type"], _generic_identity)(self, logical_id, props)
        self._physical[logical_id] = identity
        return identity

    def default_name(self, logical_id: str, lower: bool = False, max_length: int = 64) -> str:
        name = f"{self.name}-{logical_id}"[:max_length]
        return name.lower() if lower else name

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"

    # ----- intrinsic functions -----

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            function = _FUNCTIONS.get(key)
            if function is not None:
                return function(self, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.name,
            "AWS::StackId": self.arn("cloudformation", f"stack/{self.name}/local"),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.identity(name)["Ref"]

    def get_att(self, logical_id: str, attribute: str) -> str:
        identity = self.identity(logical_id)
        if attribute not in identity:
            raise TemplateError(f"{logical_id} has no attribute {attribute} in the local runtime")
        return identity[attribute]

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.conditions[name]))


def _sub(stack: Stack, argument: Any) -> str:
    template, variables = (argument, {}) if isinstance(argument, str) else argument
    variables = {key: stack.resolve(value) for key, value in variables.items()}

    def replace(match: re.Match[str]) -> str:
        token = match.group(1)
        if token.startswith("!"):
            return "${" + token[1:] + "}"
        if token in variables:
            return str(variables[token])
        if "." in token and not token.startswith("AWS::"):
            logical_id, attribute = token.split(".", 1)
            return str(stack.get_att(logical_id, attribute))
        return str(stack.ref(token))

    return re.sub(r"\$\{([^}]+)\}", replace, template)


def _get_att(stack: Stack, argument: Any) -> str:
    logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
    return stack.get_att(logical_id, stack.resolve(attribute))


def _if(stack: Stack, argument: list[Any]) -> Any:
    name, when_true, when_false = argument
    return stack.resolve(when_true if stack.condition(name) else when_false)


def _select(stack: Stack, argument: list[Any]) -> Any:
    index, items = argument
    return stack.resolve(items)[int(stack.resolve(index))]


# An intrinsic function: the stack it resolves in, and its argument as the template states it.
type _Intrinsic = Callable[[Stack, Any], Any]

_FUNCTIONS: dict[str, _Intrinsic] = {
    "Ref": lambda stack, name: stack.ref(name),
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": lambda stack, arg: str(arg[0]).join(str(item) for item in stack.resolve(arg[1])),
    "Fn::Select": _select,
    "Fn::Split": lambda stack, arg: stack.resolve(arg[1]).split(arg[0]),
    "Fn::If": _if,
    "Fn::Equals": lambda stack, arg: str(stack.resolve(arg[0])) == str(stack.resolve(arg[1])),
    "Fn::Not": lambda stack, arg: not stack.resolve(arg[0]),
    "Fn::And": lambda stack, arg: all(stack.resolve(item) for item in arg),
    "Fn::Or": lambda stack, arg: any(stack.resolve(item) for item in arg),
    "Condition": lambda stack, name: stack.condition(name),
    "Fn::ToJsonString": lambda stack, arg: json.dumps(stack.resolve(arg)),
}


# ----- identities per resource type: what Ref and GetAtt return -----


def _named(stack: Stack, props: dict[str, Any], name_property: str, logical_id: str, lower: bool = False) -> str:
    if name_property in props:
        return str(stack.resolve(props[name_property]))
    return stack.default_name(logical_id, lower=lower)


def _generic_identity(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    return {"Ref": stack.default_name(logical_id)}


def _table(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "TableName", logical_id)
    arn = stack.arn("dynamodb", f"table/{name}")
    return {"Ref": name, "Arn": arn, "StreamArn": f"{arn}/stream/local"}


def _bucket(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "BucketName", logical_id, lower=True)
    return {
        "Ref": name,
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{stack.region}.amazonaws.com",
    }


def _topic(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "TopicName", logical_id)
    arn = stack.arn("sns", name)
    return {"Ref": arn, "TopicArn": arn, "TopicName": name}


def _queue(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "QueueName", logical_id)
    if stack.resolve(props.get("FifoQueue", False)) and not name.endswith(".fifo"):
        name += ".fifo"
    url = f"{stack.endpoints.get('aws', 'http://localhost')}/{stack.account}/{name}"
    return {"Ref": url, "QueueUrl": url, "QueueName": name, "Arn": stack.arn("sqs", name)}


def _function(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "FunctionName", logical_id)
    return {"Ref": name, "Arn": stack.arn("lambda", f"function:{name}")}


def _alias(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    function_arn = stack.resolve({"Fn::GetAtt": [props["FunctionName"]["Ref"], "Arn"]})
    return {"Ref": f"{function_arn}:{props['Name']}"}


def _version(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    function_arn = stack.resolve({"Fn::GetAtt": [props["FunctionName"]["Ref"], "Arn"]})
    return {"Ref": f"{function_arn}:1", "Version": "1"}


def _layer(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "LayerName", logical_id)
    return {"Ref": stack.arn("lambda", f"layer:{name}:1")}


def _state_machine(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "StateMachineName", logical_id)
    arn = stack.arn("states", f"stateMachine:{name}")
    return {"Ref": arn, "Arn": arn, "Name": name}


def _log_group(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "LogGroupName", logical_id)
    if "LogGroupName" not in props:
        name = f"/aws/lambda/{name}"
    return {"Ref": name, "Arn": stack.arn("logs", f"log-group:{name}:*")}


def _role(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "RoleName", logical_id)
    return {"Ref": name, "Arn": stack.arn("iam", f"role/{name}", region=False), "RoleId": f"AROA{logical_id}"}


def _user_pool(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    pool_id = f"{stack.region}_{re.sub('[^A-Za-z0-9]', '', logical_id)}Local"
    provider = f"cognito-idp.{stack.region}.amazonaws.com/{pool_id}"
    return {
        "Ref": pool_id,
        "Arn": stack.arn("cognito-idp", f"userpool/{pool_id}"),
        "ProviderName": provider,
        "ProviderURL": f"https://{provider}",
    }


def _user_pool_client(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    return {"Ref": f"local{logical_id.lower()}", "ClientSecret": ""}


def _http_api(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    endpoint = stack.endpoints.get("api", "http://localhost")
    return {
        "Ref": f"local{logical_id.lower()}",
        "ApiEndpoint": endpoint,
        "ApiId": f"local{logical_id.lower()}",
    }


def _secret(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "Name", logical_id)
    return {"Ref": stack.arn("secretsmanager", f"secret:{name}"), "Id": name}


def _distribution(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    endpoint = stack.endpoints.get("dashboard", "http://localhost")
    return {
        "Ref": f"local{logical_id.lower()}",
        "Id": f"local{logical_id.lower()}",
        "DomainName": endpoint.split("//")[-1],
    }


def _origin_access_control(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    return {"Ref": f"local{logical_id.lower()}", "Id": f"local{logical_id.lower()}"}


def _alarm(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    name = _named(stack, props, "AlarmName", logical_id)
    return {"Ref": name, "Arn": stack.arn("cloudwatch", f"alarm:{name}")}


def _kms_key(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    """KMS picks a key's id when it makes the key, so the template sees a stand-in; functions reach a key the
    runtime makes through its alias, whose name the template gives."""
    key_id = f"local-{logical_id.lower()}"
    return {"Ref": key_id, "KeyId": key_id, "Arn": stack.arn("kms", f"key/{key_id}")}


def _kms_alias(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    return {"Ref": str(stack.resolve(props["AliasName"]))}


def _platform_application(stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, str]:
    """The stack's custom resource for an SNS platform application: SNS names it by platform and name."""
    arn = stack.arn("sns", f"app/{stack.resolve(props['Platform'])}/{stack.resolve(props['Name'])}")
    return {"Ref": arn, "Arn": arn}


# What Ref and GetAtt return for a resource: its stack, logical id and (unresolved) properties in, values by
# attribute name ("Ref" for Ref) out.
type _IdentityOf = Callable[[Stack, str, dict[str, Any]], dict[str, str]]

_IDENTITIES: dict[str, _IdentityOf] = {
    "AWS::DynamoDB::Table": _table,
    "AWS::S3::Bucket": _bucket,
    "AWS::SNS::Topic": _topic,
    "AWS::SQS::Queue": _queue,
    "AWS::Lambda::Function": _function,
    "AWS::Lambda::Alias": _alias,
    "AWS::Lambda::Version": _version,
    "AWS::Lambda::LayerVersion": _layer,
    "AWS::StepFunctions::StateMachine": _state_machine,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::IAM::Role": _role,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::ApiGatewayV2::Api": _http_api,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::CloudFront::Distribution": _distribution,
    "AWS::CloudFront::OriginAccessControl": _origin_access_control,
    "AWS::KMS::Key": _kms_key,
    "AWS::KMS::Alias": _kms_alias,
    PLATFORM_APPLICATION: _platform_application,
}


def _placeholder_local_uris(template: dict[str, Any]) -> None:
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties") or {}
        for key in _LOCAL_URI_PROPERTIES:
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://{ARTIFACTS_BUCKET}/{props[key].rstrip('/')}"


def _parameter_values(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    declared = template.get("Parameters", {})
    unknown = set(overrides) - set(declared)
    if unknown:
        raise TemplateError(f"parameter overrides name undeclared parameters: {sorted(unknown)}")
    values = {name: spec["Default"] for name, spec in declared.items() if "Default" in spec}
    values.update(overrides)
    missing = set(declared) - set(values)
    if missing:
        raise TemplateError(f"parameters without a value: {sorted(missing)}")
    return values


def transformed_template(
    template_path: Path, overrides: dict[str, str] | None = None, region: str = "us-east-1"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The template after the SAM transform, as CloudFormation receives it, and the parameter values it took.

    Offline: no AWS endpoint is called (managed policies are not looked up, local paths become placeholders).
    """
    template = yaml_parse(template_path.read_text())
    parameters = _parameter_values(template, overrides or {})
    _placeholder_local_uris(template)
    previous_region = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        transformed = transform(copy.deepcopy(template), dict(parameters), _NoManagedPolicies())
    finally:
        if previous_region is None:
            os.environ.pop("AWS_DEFAULT_REGION")
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous_region
    return transformed, parameters


def load_stack(
    template_path: Path,
    overrides: dict[str, str] | None = None,
    stack_name: str = "ecopulse-local",
    region: str = "us-east-1",
    account: str = "123456789012",
    endpoints: dict[str, str] | None = None,
) -> Stack:
    """Transforms the SAM template and returns it ready to resolve, without touching any AWS endpoint."""
    transformed, parameters = transformed_template(template_path, overrides, region)
    return Stack(
        root=template_path.parent,
        name=stack_name,
        region=region,
        account=account,
        parameters=parameters,
        resources=transformed["Resources"],
        conditions=transformed.get("Conditions", {}),
        outputs=transformed.get("Outputs", {}),
        endpoints=dict(endpoints or {}),
    )
