"""template.yaml: lint-clean, and every function and route it declares resolves to real code."""

import json
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from samtranslator.yaml_helper import yaml_parse

from ecopulse.report_notices import TOLD_ACTIONS
from ecopulse_local.event_sources import stream_mappings
from ecopulse_local.gateway import HttpApiDefinition
from ecopulse_local.lambdas import function_specs
from ecopulse_local.provision import Provisioner
from ecopulse_local.runtime import samconfig_parameter_overrides
from ecopulse_local.template import TemplateError, load_stack, transformed_template
from tests.support import LOCAL_CHAIN_PARAMETERS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack():
    return load_stack(ROOT / "template.yaml", samconfig_parameter_overrides(ROOT, "local"))


def cfn_lint(path: Path, *ignored: str) -> subprocess.CompletedProcess:
    """cfn-lint as a developer runs it, informational rules included."""
    return subprocess.run(
        [
            Path(sys.executable).parent / "cfn-lint",
            "--include-checks",
            "I",
            "--ignore-checks",
            "I4010",
            *ignored,
            "--",
            path,
        ],
        capture_output=True,
        text=True,
    )


def test_cfn_lint_finds_nothing():
    completed = cfn_lint(ROOT / "template.yaml")
    assert (completed.returncode, completed.stdout) == (0, "")


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_deployed_template_passes_cfn_lint_with_no_circular_dependency(environment, tmp_path):
    """CloudFormation receives the template after the SAM transform, and so does this lint.

    Before the transform cfn-lint skips every dependency cycle that passes through an AWS::Serverless resource
    (E3004), yet aliases, deployment groups, alarms and APIs that close such a cycle only appear with the
    transform: the stack would fail to create. W2001 is left out: the transform consumes some parameters
    (DeploymentType), and the untransformed lint above already reports a parameter that nothing uses.
    """
    transformed, _ = transformed_template(ROOT / "template.yaml", samconfig_parameter_overrides(ROOT, environment))
    path = tmp_path / f"{environment}.json"
    path.write_text(json.dumps(transformed, indent=1))
    completed = cfn_lint(path, "W2001")
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


BLOCKER = """
import importlib, sys
class OtherLayers:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"{{name}} ships in a layer this function does not have")
sys.meta_path.insert(0, OtherLayers())
assert callable(getattr(importlib.import_module({module!r}), {attribute!r}))
"""


def layer_packages(stack) -> dict[str, set[str]]:
    """Each layer's top-level import names, from its requirements.txt (a data layer has none)."""
    by_distribution: dict[str, set[str]] = {}
    for name, distributions in packages_distributions().items():
        for distribution in distributions:
            by_distribution.setdefault(distribution.lower().replace("_", "-"), set()).add(name)
    packages = {}
    for logical_id in stack.of_type("AWS::Lambda::LayerVersion"):
        requirements = stack.local_path(stack.properties(logical_id)["Content"]) / "requirements.txt"
        lines = requirements.read_text().splitlines() if requirements.exists() else []
        names = {re.split(r"[\[=<>]", line)[0].strip().lower() for line in lines if line.strip()}
        packages[stack.ref(logical_id)] = {module for name in names for module in by_distribution.get(name, ())}
    return packages


def test_every_function_handler_imports_with_only_its_own_layers(stack):
    """Locally one virtualenv has everything; in Lambda a function sees only its layers' packages."""
    specs = function_specs(stack)
    assert {spec.logical_id for spec in specs.values()} >= {
        "SystemApiFunction",
        "VerifyUploadFunction",
        "RequestReviewFunction",
        "RecordDecisionFunction",
        "NotifyFunction",
        "MintFunction",
    }
    packages = layer_packages(stack)
    for spec in specs.values():
        layers = stack.properties(spec.logical_id).get("Layers", [])
        allowed = set().union(*(packages[arn] for arn in layers))
        blocked = sorted(set().union(*packages.values()) - allowed)
        module, attribute = spec.handler.rsplit(".", 1)
        completed = subprocess.run(
            [sys.executable, "-c", BLOCKER.format(blocked=blocked, module=module, attribute=attribute)],
            cwd=spec.code_dir,
            env={**spec.environment, "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        assert completed.returncode == 0, f"{spec.logical_id}: {completed.stderr[-2000:]}"


def test_paths_under_opt_point_into_the_data_layer_locally(stack):
    verify = function_specs(stack)["ecopulse-local-VerifyUploadFunction"]
    assert Path(verify.environment["MODEL_DIR"]) == ROOT / "layers" / "model"


def test_intrinsics_resolve_to_local_identities(stack):
    verify = stack.properties("VerifyUploadFunction")
    variables = verify["Environment"]["Variables"]
    assert variables["UPLOADS_BUCKET"] == "ecopulse-local-uploads-123456789012"
    machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:ecopulse-local-pipeline"
    assert variables["STATE_MACHINE_ARN"] == machine_arn
    assert variables["STATE_MACHINE_ARN"] == stack.ref("PipelineStateMachine"), "built by !Sub, the machine's own ARN"
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


def canary_alarms(stack) -> set[str]:
    return {
        alarm
        for group in stack.of_type("AWS::CodeDeploy::DeploymentGroup").values()
        for alarm in (item["Name"]["Ref"] for item in group["Properties"]["AlarmConfiguration"]["Alarms"])
    }


def test_each_canary_watches_the_errors_of_its_own_alias(stack):
    """A deployment alarm on anything the alias feeds (the API, the workflow) closes a dependency cycle."""
    for logical_id in canary_alarms(stack):
        alarm = stack.properties(logical_id)
        function = alarm["Dimensions"][0]["Value"]
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Errors"), logical_id
        assert {item["Name"]: item["Value"] for item in alarm["Dimensions"]} == {
            "FunctionName": function,
            "Resource": f"{function}:live",
            "ExecutedVersion": "1",
        }, logical_id


def test_every_alarm_reaches_the_alarm_topic_which_cloudwatch_may_encrypt_for(stack):
    topic = stack.ref("AlarmTopic")
    for logical_id in stack.of_type("AWS::CloudWatch::Alarm"):
        assert stack.properties(logical_id)["AlarmActions"] == [topic], logical_id
    key = stack.resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"]
    assert key == {"Ref": "AlarmTopicKey"}, "a key of the stack's own, not the AWS-managed SNS key"
    statements = stack.properties("AlarmTopicKey")["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch and set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_the_operations_dashboard_shows_every_alarm_but_the_canaries(stack):
    body = json.loads(stack.properties("OperationsDashboard")["DashboardBody"])
    shown = {arn for widget in body["widgets"] if widget["type"] == "alarm" for arn in widget["properties"]["alarms"]}
    operational = set(stack.of_type("AWS::CloudWatch::Alarm")) - canary_alarms(stack)
    assert shown == {stack.get_att(logical_id, "Arn") for logical_id in operational}


@pytest.mark.parametrize("reserve", ["false", "true"])
def test_concurrency_is_reserved_only_when_asked(reserve):
    """A new account's concurrency quota leaves nothing to reserve: Lambda keeps 100 unreserved."""
    stack = load_stack(
        ROOT / "template.yaml",
        {"ReserveConcurrency": reserve, "VerifyUploadConcurrency": "7", **LOCAL_CHAIN_PARAMETERS},
    )
    reserved = {
        logical_id: stack.properties(logical_id)["ReservedConcurrentExecutions"]
        for logical_id in stack.of_type("AWS::Lambda::Function")
        if "ReservedConcurrentExecutions" in stack.properties(logical_id)
    }
    assert reserved == ({"MintFunction": 1, "VerifyUploadFunction": "7"} if reserve == "true" else {})


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_deployed_stages_name_their_email_sender(environment):
    """An empty sender sends no mail; CloudFormation refuses it outside local through the template's rule."""
    assert samconfig_parameter_overrides(ROOT, environment).get("NotificationSender")
    rule = yaml_parse((ROOT / "template.yaml").read_text())["Rules"]["DeployedStagesSendEmail"]
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "NotificationSender"}, ""]}]}


def test_a_failed_email_never_fails_the_workflow(stack):
    definition = json.loads(Provisioner(stack, "http://unused").definition("PipelineStateMachine"))
    email = definition["States"]["Email"]
    assert email["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.email", "Next": "Notify"}]
    assert email["Retry"][0] == {"ErrorEquals": ["EmailRejected"], "MaxAttempts": 0}, "a refusal is not retried"
    assert email["Parameters"]["FunctionName"].endswith(":function:ecopulse-local-EmailFunction:live")
    deployment_groups = stack.of_type("AWS::CodeDeploy::DeploymentGroup")
    assert "EmailFunctionDeploymentGroup" not in deployment_groups, (
        "its errors are retried and recorded, not a canary's"
    )


def test_every_alarm_has_a_runbook_entry(stack):
    runbook = (ROOT / "docs" / "deploy.md").read_text().split("## Runbook", 1)[1]
    missing = set(stack.of_type("AWS::CloudWatch::Alarm")) - canary_alarms(stack)
    missing = {logical_id for logical_id in missing if f"`{logical_id}`" not in runbook}
    assert not missing
    assert "`<Function>CanaryAlarm`" in runbook and all(alarm.endswith("CanaryAlarm") for alarm in canary_alarms(stack))


CRUD_ACTIONS = {
    "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query",
    "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable",
    "dynamodb:ConditionCheckItem",
}  # fmt: skip
# Deleting an item is how a citizen leaves a zone's alerts or a report they followed, signs out on a device, and how a
# device SNS disabled is forgotten; nothing else deletes from the application table.
MAY_DELETE = {"MeApiFunction", "ReportsApiFunction", "ReportNoticesFunction"}


def function_roles(stack) -> dict[str, str]:
    """Each function's logical id by its role's."""
    return {
        props["Role"]["Fn::GetAtt"][0]: logical_id
        for logical_id, props in (
            (name, res["Properties"]) for name, res in stack.of_type("AWS::Lambda::Function").items()
        )
        if isinstance(props.get("Role"), dict) and "Fn::GetAtt" in props["Role"]
    }


def table_grants(stack, table: str) -> dict[str, set[str]]:
    """The actions each function's role allows on ``table`` or its indexes (a "*" resource counts)."""
    arn = stack.get_att(table, "Arn")
    grants: dict[str, set[str]] = {}
    for role, function in function_roles(stack).items():
        actions = grants.setdefault(function, set())
        for policy in stack.properties(role).get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                resources = statement.get("Resource", [])
                resources = [resources] if isinstance(resources, str) else resources
                names = statement.get("Action", [])
                names = [names] if isinstance(names, str) else names
                reaches = any(resource in ("*", arn) or resource.startswith(f"{arn}/") for resource in resources)
                if statement["Effect"] == "Allow" and reaches:
                    actions.update(name for name in names if name == "*" or name.startswith("dynamodb:"))
    return grants


def test_no_function_may_do_everything_scan_or_delete_on_the_application_table(stack):
    """Each function gets the table actions its code uses: not SAM's CRUD or read templates (Scan, Delete, the
    whole table), no wildcard, no Scan anywhere (every read is a key or an index Query)."""
    grants = table_grants(stack, "AppTable")
    assert len(grants) >= 15
    for function, actions in grants.items():
        assert not any("*" in action for action in actions), function
        assert not actions >= CRUD_ACTIONS, function
        assert "dynamodb:Scan" not in actions, function
        assert "dynamodb:DeleteItem" not in actions or function in MAY_DELETE, function


def test_the_public_open311_reads_may_only_read_and_filing_may_only_add_reports(stack):
    grants = table_grants(stack, "AppTable")
    assert grants["Open311ApiFunction"] == {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
    assert grants["Open311FilingFunction"] == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    routes = HttpApiDefinition.from_stack(stack, "HttpApi").routes
    served = {route.route_key: route.function_arn.split(":")[6] for route in routes if "/open311/" in route.path}
    assert served == {
        "GET /open311/{tenant}/v2/{proxy+}": stack.ref("Open311ApiFunction"),
        "POST /open311/{tenant}/v2/{proxy+}": stack.ref("Open311FilingFunction"),
    }


def test_the_idempotency_table_is_written_only_by_the_functions_that_deduplicate(stack):
    written = {function for function, actions in table_grants(stack, "IdempotencyTable").items() if actions}
    assert written == {"ReportsApiFunction", "MeApiFunction", "VerifyUploadFunction"}


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_any_origin_is_allowed_on_the_local_stage_only(environment):
    assert samconfig_parameter_overrides(ROOT, "local")["AllowedOrigins"] == "*"
    assert samconfig_parameter_overrides(ROOT, environment).get("AllowedOrigins", "") != "*"
    rule = yaml_parse((ROOT / "template.yaml").read_text())["Rules"]["AnyOriginOnlyLocally"]
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AllowedOrigins"}, "*"]}]}
    deployed = load_stack(
        ROOT / "template.yaml",
        {"Stage": environment, "AllowedOrigins": "https://app.city.example", **LOCAL_CHAIN_PARAMETERS},
        endpoints={"dashboard": "https://d1.cloudfront.net"},
    )
    cors = deployed.properties("UploadsBucket")["CorsConfiguration"]["CorsRules"][0]
    assert cors["AllowedOrigins"] == ["https://d1.cloudfront.net", "https://app.city.example"]


def test_the_api_logs_every_request_as_json_for_as_long_as_the_functions_logs(stack):
    (stage,) = stack.of_type("AWS::ApiGatewayV2::Stage").values()
    settings = stack.resolve(stage["Properties"]["AccessLogSettings"])
    assert settings["DestinationArn"] == stack.get_att("ApiAccessLogGroup", "Arn")
    fields = json.loads(settings["Format"])
    assert {"requestId", "ip", "user", "routeKey", "status", "latencyMs", "integrationError"} <= set(fields)
    assert stack.properties("ApiAccessLogGroup")["RetentionInDays"] == stack.parameters["LogRetentionDays"]


def test_the_dashboard_is_served_with_security_headers_and_on_its_own_domain_only_tls_12():
    parameters = {
        "Stage": "prod",
        "DashboardDomainName": "dashboard.city.example",
        "DashboardCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b",
        **LOCAL_CHAIN_PARAMETERS,
    }
    stack = load_stack(ROOT / "template.yaml", parameters)
    config = stack.properties("DashboardDistribution")["DistributionConfig"]
    assert config["Aliases"] == ["dashboard.city.example"]
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == stack.ref("DashboardSecurityHeaders")
    headers = stack.properties("DashboardSecurityHeaders")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    policy = dict(part.split(" ", 1) for part in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"].split("; "))
    assert policy["script-src"] == policy["style-src"] == "'self'", "no inline script or style"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert f"https://{stack.ref('UserPoolDomain')}.auth.us-east-1.amazoncognito.com" in policy["connect-src"]
    assert "blob:" in policy["img-src"], "the citizen app previews the photo just taken"
    assert policy["worker-src"] == policy["manifest-src"] == "'self'", "the citizen app installs, and works offline"
    assert [url for url in policy["connect-src"].split() if "-uploads-" in url] == [
        url for url in policy["img-src"].split() if "-uploads-" in url
    ], "the citizen app posts photos through presigned forms to the bucket the dashboard shows them from"
    assert "https://cognito-idp.us-east-1.amazonaws.com" in policy["connect-src"], "the citizen app signs up"
    client = stack.properties("UserPoolClient")
    site = "https://dashboard.city.example/"
    assert client["CallbackURLs"] == client["LogoutURLs"] == [site, site + "app/index.html"]
    outputs = stack.resolve(stack.outputs)
    assert outputs["CitizenAppUrl"]["Value"] == "https://dashboard.city.example/app/index.html"
    rule = yaml_parse((ROOT / "template.yaml").read_text())["Rules"]["ProdDashboardOnTls12"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}


def test_every_alarm_on_an_ecopulse_metric_watches_one_a_function_emits(stack):
    """An alarm on a metric nobody emits never rings: each name is added by a function's code."""
    code = "\n".join(path.read_text() for path in (ROOT / "functions").glob("*/*.py"))
    watched = {
        stack.properties(logical_id)["MetricName"]
        for logical_id in stack.of_type("AWS::CloudWatch::Alarm")
        if stack.properties(logical_id).get("Namespace") == "EcoPulse"
    }
    assert {"MinterMisconfigured", "MinterGasBalance", "LedgerDifferences"} <= watched
    assert {metric for metric in watched if f'name="{metric}"' not in code} == set()


def test_the_minter_alarms_ring_on_any_refusal_and_under_the_gas_parameter():
    stack = load_stack(ROOT / "template.yaml", {"MinterGasAlarmBalance": "2.5", **LOCAL_CHAIN_PARAMETERS})
    refused = stack.properties("MinterMisconfiguredAlarm")
    assert (refused["Threshold"], refused["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    gas = stack.properties("MinterGasBalanceAlarm")
    assert (gas["Threshold"], gas["ComparisonOperator"], gas["Statistic"]) == ("2.5", "LessThanThreshold", "Minimum")
    differences = stack.properties("LedgerDifferencesAlarm")
    assert (differences["Threshold"], differences["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_the_reconcile_runs_on_a_schedule_and_may_only_query_the_table_and_read_the_minters_address(stack):
    rules = [rule for rule in stack.of_type("AWS::Events::Rule") if rule.startswith("ReconcileFunction")]
    (rule,) = [stack.properties(logical_id) for logical_id in rules]
    assert rule["ScheduleExpression"] == "rate(6 hours)"
    assert table_grants(stack, "AppTable")["ReconcileFunction"] == {"dynamodb:Query"}
    role = stack.properties("ReconcileFunctionRole")
    kms = {
        action
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
        if action.startswith("kms:")
    }
    assert kms == {"kms:GetPublicKey"}


def test_report_notices_read_only_new_report_history_from_the_stream_and_retry_only_what_failed(stack):
    (mapping,) = [
        props
        for props in map(stack.properties, stack.of_type("AWS::Lambda::EventSourceMapping"))
        if props["FunctionName"].split(":")[6] == stack.ref("ReportNoticesFunction")
    ]
    assert mapping["EventSourceArn"] == stack.get_att("AppTable", "StreamArn")
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == stack.get_att(
        "ReportNoticesDeadLetterQueue", "Arn"
    )
    (only,) = mapping["FilterCriteria"]["Filters"]
    pattern = json.loads(only["Pattern"])
    assert pattern["eventName"] == ["INSERT"]
    assert pattern["dynamodb"]["NewImage"]["entity"] == {"S": ["report"]}
    assert set(pattern["dynamodb"]["NewImage"]["action"]["S"]) == TOLD_ACTIONS


def stream_change(event: str, sort_key: str) -> dict:
    return {"eventName": event, "dynamodb": {"Keys": {"pk": {"S": "TENANT#t#X#1"}, "sk": {"S": sort_key}}}}


def test_the_aggregator_reads_the_changes_of_counted_items_only_and_retries_only_what_failed(stack):
    (mapping,) = [m for m in stream_mappings(stack) if m.function.split(":")[6] == stack.ref("AggregateFunction")]
    assert (mapping.partial_failures, mapping.bisect, mapping.on_failure) == (
        True, True, stack.get_att("AggregateDeadLetterQueue", "Arn"),
    )  # fmt: skip
    assert (mapping.batch_size, mapping.batching_window_seconds) == (100, 1.0), "a burst's changes in few batches"
    for sort_key in ("REPORT", "SUBMISSION", "LEDGER#s1", "ATTENDEE#u1", "LABEL"):
        assert mapping.matches(stream_change("INSERT", sort_key)) and mapping.matches(stream_change("MODIFY", sort_key))
        assert not mapping.matches(stream_change("REMOVE", sort_key)), "a removal takes nothing back"
    for its_own in ("ALL", "ZONE#old-city", "tsu1kq", "AGGREGATED", "REPORTED", "TALLY", "VOTE#u1", "AUDIT#1"):
        assert not mapping.matches(stream_change("INSERT", its_own)), f"{its_own} would loop or count twice"


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_push_platform_applications_are_made_only_from_credentials_given(environment):
    without = load_stack(
        ROOT / "template.yaml", samconfig_parameter_overrides(ROOT, environment) | LOCAL_CHAIN_PARAMETERS
    )
    assert not without.condition("Pushes")
    assert without.properties("MeApiFunction")["Environment"]["Variables"]["PUSH_FCM_APPLICATION_ARN"] == ""
    given = load_stack(
        ROOT / "template.yaml",
        samconfig_parameter_overrides(ROOT, environment) | LOCAL_CHAIN_PARAMETERS | {"PushFcmCredential": "{}"},
    )
    assert given.condition("PushesToFcm") and not given.condition("PushesToApns")
    assert given.properties("MeApiFunction")["Environment"]["Variables"]["PUSH_FCM_APPLICATION_ARN"].startswith(
        "arn:aws:sns:us-east-1:123456789012:app/GCM/"
    )


ZONE_GEOMETRY = """
import importlib, sys
class OtherLayers:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"{{name}} ships in a layer this function does not have")
sys.meta_path.insert(0, OtherLayers())
from ecopulse.tenants import TenantSettings
from ecopulse.zones import address_place, area_problems
square = {{"type": "Polygon", "coordinates": [[[74.3, 31.5], [74.4, 31.5], [74.4, 31.6], [74.3, 31.5]]]}}
settings = TenantSettings(zones=[{{"zone_id": "z", "name": "Z", "area": square}}], service_area=square)
assert area_problems(settings) == [] and address_place(settings) is not None
"""


@pytest.mark.parametrize(
    ("logical_id", "has_shapely"),
    [("AdminApiFunction", True), ("Open311FilingFunction", True), ("ReportsApiFunction", False)],
)
def test_the_functions_that_check_zone_geometry_carry_shapely_and_the_others_do_not(stack, logical_id, has_shapely):
    """Shapely is imported where a city saves its zones and where Open311 places a request by its address, not
    when the function starts, so the import test above does not reach it."""
    packages = layer_packages(stack)
    allowed = set().union(*(packages[arn] for arn in stack.properties(logical_id).get("Layers", [])))
    blocked = sorted(set().union(*packages.values()) - allowed)
    completed = subprocess.run(
        [sys.executable, "-c", ZONE_GEOMETRY.format(blocked=blocked)],
        env={"PYTHONPATH": str(ROOT / "layers" / "core"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert (completed.returncode == 0) is has_shapely, completed.stderr[-2000:]
