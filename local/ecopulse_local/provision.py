"""Creates the transformed template's resources in the AWS emulator through the ordinary AWS APIs.

Nothing here restates a resource: each creator reads the resource's own (resolved) properties. Types
that have no local meaning (CodeDeploy, API Gateway, Cognito: served by the runtime itself) are listed
as not provisioned so a reader of the start-up output knows.
"""

from __future__ import annotations

import io
import json
import secrets
import string
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
from botocore.exceptions import ClientError

from ecopulse_local.template import Stack

# The services the runtime makes clients of. boto3-stubs type a client by its service's literal name, so naming
# them lets mypy check each name; the client itself is used untyped, the template's properties passed as they are.
AwsService = Literal[
    "cloudwatch",
    "cognito-idp",
    "dynamodb",
    "dynamodbstreams",
    "iam",
    "kms",
    "lambda",
    "logs",
    "s3",
    "secretsmanager",
    "ses",
    "sns",
    "sqs",
    "stepfunctions",
]

SERVED_BY_RUNTIME = {
    "AWS::ApiGatewayV2::Api": "the local HTTP API gateway",
    "AWS::ApiGatewayV2::Stage": "the local HTTP API gateway",
    "AWS::Cognito::UserPool": "the runtime (moto's user pool, with its triggers and the local JWT issuer)",
    "AWS::Cognito::UserPoolClient": "the runtime (moto's user pool, with its triggers and the local JWT issuer)",
    "AWS::Cognito::UserPoolGroup": "the runtime (moto's user pool, with its triggers and the local JWT issuer)",
    "AWS::Cognito::UserPoolDomain": "the local sign-in (/local-auth on the dashboard's port)",
    "AWS::Lambda::LayerVersion": "the project's virtualenv",
    "AWS::Lambda::Version": "the function workers",
    "AWS::Lambda::Alias": "the function workers",
    "AWS::Lambda::Permission": "the function workers",
    "AWS::Lambda::EventInvokeConfig": "the function workers",
    "AWS::Lambda::EventSourceMapping": "the SQS and DynamoDB stream pollers",
    "AWS::Events::Rule": "the local scheduler (rate schedules)",
    "AWS::CloudFront::Distribution": "the local dashboard server",
    "AWS::CloudFront::OriginAccessControl": "the local dashboard server",
}


@dataclass
class Provisioned:
    created: dict[str, str] = field(default_factory=dict)
    served_by_runtime: dict[str, str] = field(default_factory=dict)
    not_emulated: dict[str, str] = field(default_factory=dict)


class Provisioner:
    def __init__(self, stack: Stack, endpoint_url: str, service_endpoints: dict[str, str] | None = None) -> None:
        self.stack = stack
        self._session = boto3.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",
            region_name=stack.region,  # nosec B106  # fake, local
        )
        self._endpoint_url = endpoint_url
        self._service_endpoints = service_endpoints or {}
        self.skipped: dict[str, str] = {}

    def client(self, service: AwsService) -> Any:
        return self._session.client(service, endpoint_url=self._service_endpoints.get(service, self._endpoint_url))

    @property
    def _creators(self) -> dict[str, Callable[[str, dict[str, Any]], None]]:
        """Creators in dependency order: a bucket's notification names functions, a function names roles."""
        return {
            "AWS::IAM::Role": self._role,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::DynamoDB::Table": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::SNS::Topic": self._topic,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::SES::EmailIdentity": self._email_identity,
            "AWS::Lambda::Function": self._function,
            "AWS::S3::Bucket": self._bucket,
            "AWS::S3::BucketPolicy": self._bucket_policy,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::CloudWatch::Alarm": self._alarm,
        }

    def create(self, logical_id: str) -> None:
        """Creates one resource of the template."""
        create = self._creators[self.stack.resources[logical_id]["Type"]]
        create(logical_id, self.stack.properties(logical_id))

    def provision(self) -> Provisioned:
        result = Provisioned()
        creators = self._creators
        for resource_type in creators:
            # A queue's dead-letter queue must exist before the queue that redrives to it.
            in_order = sorted(
                self.stack.of_type(resource_type),
                key=lambda logical_id: "RedrivePolicy" in self.stack.resources[logical_id].get("Properties", {}),
            )
            for logical_id in in_order:
                self.create(logical_id)
                result.created[logical_id] = resource_type
        for logical_id, resource in self.stack.resources.items():
            resource_type = resource["Type"]
            if resource_type in creators:
                continue
            if resource_type in SERVED_BY_RUNTIME:
                result.served_by_runtime[logical_id] = SERVED_BY_RUNTIME[resource_type]
            else:
                result.not_emulated[logical_id] = resource_type
        result.not_emulated.update(self.skipped)
        return result

    # ----- one creator per resource type -----

    def _role(self, logical_id: str, props: dict[str, Any]) -> None:
        iam = self.client("iam")
        name = self.stack.ref(logical_id)
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]))
        for policy in props.get("Policies", []):
            # IAM reads a policy without Version as 2008-10-17; moto accepts only 2012-10-17 documents.
            document = {"Version": "2012-10-17", **policy["PolicyDocument"]}
            iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document))

    def _log_group(self, logical_id: str, props: dict[str, Any]) -> None:
        logs = self.client("logs")
        name = self.stack.ref(logical_id)
        logs.create_log_group(logGroupName=name)
        if "RetentionInDays" in props:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))

    def _table(self, logical_id: str, props: dict[str, Any]) -> None:
        dynamodb = self.client("dynamodb")
        name = self.stack.ref(logical_id)
        arguments: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput"):
            if key in props:
                arguments[key] = props[key]
        if "StreamSpecification" in props:
            arguments["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        if "SSESpecification" in props:
            arguments["SSESpecification"] = {"Enabled": bool(props["SSESpecification"].get("SSEEnabled"))}
        if "DeletionProtectionEnabled" in props:
            arguments["DeletionProtectionEnabled"] = bool(props["DeletionProtectionEnabled"])
        dynamodb.create_table(**arguments)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr:
            try:
                dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=pitr)
            except ClientError as error:
                if error.response["Error"]["Code"] != "UnknownOperationException":
                    raise
                self.skipped[logical_id] = "point-in-time recovery (DynamoDB Local has no backups)"

    def _queue(self, logical_id: str, props: dict[str, Any]) -> None:
        attributes = {
            key: json.dumps(value)
            if isinstance(value, dict)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
            for key, value in props.items()
            if key not in ("QueueName", "Tags")
        }
        self.client("sqs").create_queue(QueueName=self.stack.get_att(logical_id, "QueueName"), Attributes=attributes)

    def _topic(self, logical_id: str, props: dict[str, Any]) -> None:
        attributes = {key: str(value) for key, value in props.items() if key in ("KmsMasterKeyId", "DisplayName")}
        if props.get("FifoTopic"):
            attributes["FifoTopic"] = "true"
        self.client("sns").create_topic(Name=self.stack.get_att(logical_id, "TopicName"), Attributes=attributes)

    def _secret(self, logical_id: str, props: dict[str, Any]) -> None:
        value = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if value is None and generate is not None:
            alphabet = string.ascii_letters + string.digits
            generated = "".join(secrets.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32))))
            template = generate.get("SecretStringTemplate")
            if template:
                value = json.dumps({**json.loads(template), generate["GenerateStringKey"]: generated})
            else:
                value = generated
        self.client("secretsmanager").create_secret(Name=self.stack.get_att(logical_id, "Id"), SecretString=value or "")

    def _email_identity(self, logical_id: str, props: dict[str, Any]) -> None:
        """Locally the address is verified at once; in AWS its owner clicks the link SES sends."""
        self.client("ses").verify_email_identity(EmailAddress=props["EmailIdentity"])

    def _function(self, logical_id: str, props: dict[str, Any]) -> None:
        """Registers the function with the emulator; its code runs in the runtime's workers, not in moto."""
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("README", "Runs from the repository in the EcoPulse local runtime.\n")
        self.client("lambda").create_function(
            FunctionName=self.stack.ref(logical_id),
            Runtime=props["Runtime"],
            Role=props["Role"],
            Handler=props["Handler"],
            Code={"ZipFile": archive.getvalue()},
            Timeout=int(props.get("Timeout", 3)),
            MemorySize=int(props.get("MemorySize", 128)),
            Environment={
                "Variables": {k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()}
            },
            Architectures=props.get("Architectures", ["x86_64"]),
        )

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        s3 = self.client("s3")
        name = self.stack.ref(logical_id)
        s3.create_bucket(Bucket=name)
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if "BucketEncryption" in props:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        _encryption_rule(r) for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        if "CorsConfiguration" in props:
            s3.put_bucket_cors(
                Bucket=name,
                CORSConfiguration={"CORSRules": [_cors_rule(r) for r in props["CorsConfiguration"]["CorsRules"]]},
            )
        if "LifecycleConfiguration" in props:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={
                    "Rules": [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
                },
            )
        if "NotificationConfiguration" in props:
            s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration=_notification_configuration(props["NotificationConfiguration"]),
            )

    def _bucket_policy(self, logical_id: str, props: dict[str, Any]) -> None:
        """moto ignores a statement's Condition, which turns a conditional Deny (say, of plain HTTP) into a
        Deny of everything; such statements are left out locally and reported as not emulated."""
        document = props["PolicyDocument"]
        statements = [statement for statement in document["Statement"] if "Condition" not in statement]
        skipped = len(document["Statement"]) - len(statements)
        if skipped:
            self.skipped[logical_id] = f"{skipped} conditional bucket policy statement(s)"
        if statements:
            policy = {"Version": "2012-10-17", **document, "Statement": statements}
            self.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(policy))

    def _state_machine(self, logical_id: str, props: dict[str, Any]) -> None:
        definition = self.definition(logical_id)
        arguments: dict[str, Any] = {
            "name": self.stack.get_att(logical_id, "Name"),
            "definition": definition,
            "roleArn": props["RoleArn"],
            "type": props.get("StateMachineType", "STANDARD"),
        }
        if "TracingConfiguration" in props:
            arguments["tracingConfiguration"] = {"enabled": bool(props["TracingConfiguration"].get("Enabled"))}
        self.client("stepfunctions").create_state_machine(**arguments)

    def definition(self, logical_id: str) -> str:
        """The ASL after DefinitionSubstitutions: exactly what CloudFormation would hand Step Functions."""
        props = self.stack.properties(logical_id)
        if "DefinitionS3Location" in props:
            text = self.stack.local_path(props["DefinitionS3Location"]).read_text()
        elif "DefinitionString" in props:
            text = props["DefinitionString"]
        else:
            text = json.dumps(props["Definition"])
        for name, value in props.get("DefinitionSubstitutions", {}).items():
            text = text.replace("${" + name + "}", str(value))
        return text

    def _alarm(self, logical_id: str, props: dict[str, Any]) -> None:
        arguments = {key: value for key, value in props.items() if key not in ("Tags",)}
        arguments["AlarmName"] = self.stack.ref(logical_id)
        for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if key in arguments:
                arguments[key] = int(arguments[key])
        if "Threshold" in arguments:
            arguments["Threshold"] = float(arguments["Threshold"])
        self.client("cloudwatch").put_metric_alarm(**arguments)


def _encryption_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault."""
    renamed = {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"}
    return {renamed.get(key, key): value for key, value in rule.items()}


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation says MaxAge and Id where the S3 API says MaxAgeSeconds and ID."""
    renamed = {"MaxAge": "MaxAgeSeconds", "Id": "ID"}
    return {renamed.get(key, key): int(value) if key == "MaxAge" else value for key, value in rule.items()}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule shape differs from the S3 API's; translate the parts templates use."""
    api_rule: dict[str, Any] = {"ID": rule.get("Id", ""), "Status": rule["Status"]}
    api_rule["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "AbortIncompleteMultipartUpload" in rule:
        api_rule["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    if "NoncurrentVersionExpiration" in rule:
        api_rule["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
    if "ExpirationInDays" in rule:
        api_rule["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "Transitions" in rule:
        api_rule["Transitions"] = [
            {"Days": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]} for t in rule["Transitions"]
        ]
    return api_rule


def _notification_configuration(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's S3Key/Rules filter becomes the API's Key/FilterRules."""

    def api_filter(cfn_filter: dict[str, Any] | None) -> dict[str, Any]:
        if not cfn_filter:
            return {}
        rules = cfn_filter["S3Key"]["Rules"]
        return {"Filter": {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}}

    return {
        "LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": c["Function"], "Events": [c["Event"]], **api_filter(c.get("Filter"))}
            for c in config.get("LambdaConfigurations", [])
        ],
        "QueueConfigurations": [
            {"QueueArn": c["Queue"], "Events": [c["Event"]], **api_filter(c.get("Filter"))}
            for c in config.get("QueueConfigurations", [])
        ],
        "TopicConfigurations": [
            {"TopicArn": c["Topic"], "Events": [c["Event"]], **api_filter(c.get("Filter"))}
            for c in config.get("TopicConfigurations", [])
        ],
    }
