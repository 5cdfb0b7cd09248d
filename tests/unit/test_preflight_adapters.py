"""Preflight's adapters read AWS's answers as AWS gives them (botocore's Stubber checks each request and answer
against the service's model; KMS runs in moto), and the stage is read from template.yaml and samconfig.toml."""

from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from ecopulse.preflight import MailIdentity, Status, Unreadable, check_parameters
from ecopulse_local.preflight import (
    CognitoDomains,
    IamRoles,
    KmsKeys,
    LambdaConcurrency,
    SesMail,
    StackResources,
    load_stage,
    samconfig_environment,
)
from ecopulse_local.runtime import parse_parameter_overrides

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/ecopulse-dev-MintFunctionRole-ABC"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def stubbed(service: str):
    client = boto3.client(service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_the_sandbox_and_sending_are_read_from_sesv2_get_account():
    sesv2, stub = stubbed("sesv2")
    stub.add_response("get_account", {"ProductionAccessEnabled": False, "SendingEnabled": True})

    with stub:
        account = SesMail(sesv2).account()

    assert (account.production_access, account.sending_enabled) == (False, True)


def test_an_identity_is_read_with_its_verification_status_and_a_missing_one_is_none():
    sesv2, stub = stubbed("sesv2")
    stub.add_response("get_email_identity", {"VerificationStatus": "PENDING"}, {"EmailIdentity": "a@city.org"})
    stub.add_client_error("get_email_identity", "NotFoundException", http_status_code=404)

    with stub:
        mail = SesMail(sesv2)
        assert mail.identity("a@city.org") == MailIdentity("a@city.org", "PENDING")
        assert mail.identity("city.org") is None


def test_access_denied_is_unreadable_with_the_operation_named():
    sesv2, stub = stubbed("sesv2")
    stub.add_client_error("get_account", "AccessDeniedException", "not authorized", http_status_code=403)

    with stub, pytest.raises(Unreadable, match="sesv2:GetAccount: AccessDeniedException not authorized"):
        SesMail(sesv2).account()


def test_an_endpoint_without_the_api_is_said_in_one_line():
    lambda_client, stub = stubbed("lambda")
    stub.add_client_error("get_account_settings", "404", "<!doctype html>\n<title>404 Not Found</title>", 404)

    with stub, pytest.raises(Unreadable, match=r"^lambda:GetAccountSettings: the endpoint does not implement it$"):
        LambdaConcurrency(lambda_client, StackResources(None, "ecopulse-dev")).quota()


def test_the_concurrency_quota_and_what_the_deployed_stack_reserves_are_read():
    cloudformation, cfn_stub = stubbed("cloudformation")
    lambda_client, stub = stubbed("lambda")
    stub.add_response(
        "get_account_settings",
        {"AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 979}},
    )
    cfn_stub.add_response(
        "describe_stack_resource",
        {
            "StackResourceDetail": {
                "LogicalResourceId": "MintFunction",
                "PhysicalResourceId": "ecopulse-dev-MintFunction-XYZ",
                "ResourceType": "AWS::Lambda::Function",
                "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
                "ResourceStatus": "CREATE_COMPLETE",
            }
        },
        {"StackName": "ecopulse-dev", "LogicalResourceId": "MintFunction"},
    )
    stub.add_response(
        "get_function_concurrency",
        {"ReservedConcurrentExecutions": 1},
        {"FunctionName": "ecopulse-dev-MintFunction-XYZ"},
    )
    cfn_stub.add_client_error(
        "describe_stack_resource", "ValidationError", "Resource VerifyUploadFunction does not exist for stack"
    )

    with stub, cfn_stub:
        concurrency = LambdaConcurrency(lambda_client, StackResources(cloudformation, "ecopulse-dev"))
        quota = concurrency.quota()
        reserved = concurrency.reserved_now(["MintFunction", "VerifyUploadFunction"])

    assert (quota.limit, quota.unreserved, reserved) == (1000, 979, 1)


def test_no_stack_means_no_role_yet():
    cloudformation, stub = stubbed("cloudformation")
    stub.add_client_error("describe_stack_resource", "ValidationError", "Stack with id ecopulse-dev does not exist")

    with stub:
        assert IamRoles(None, StackResources(cloudformation, "ecopulse-dev"), "MintFunctionRole").minter_role() is None


def test_the_roles_rights_are_iams_own_simulation():
    iam, stub = stubbed("iam")
    stub.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                {"EvalActionName": "kms:Sign", "EvalDecision": "allowed"},
                {"EvalActionName": "kms:ScheduleKeyDeletion", "EvalDecision": "implicitDeny"},
            ]
        },
        {
            "PolicySourceArn": ROLE_ARN,
            "ActionNames": ["kms:Sign", "kms:ScheduleKeyDeletion"],
            "ResourceArns": [KEY_ARN],
        },
    )

    with stub:
        allowed = IamRoles(iam, StackResources(None, "ecopulse-dev"), "MintFunctionRole").allowed(
            ROLE_ARN, ["kms:Sign", "kms:ScheduleKeyDeletion"], KEY_ARN
        )

    assert allowed == {"kms:Sign": True, "kms:ScheduleKeyDeletion": False}


def test_a_cognito_domain_is_free_or_owned_by_the_account_cognito_names():
    cognito, stub = stubbed("cognito-idp")
    stub.add_response("describe_user_pool_domain", {"DomainDescription": {}})
    stub.add_response(
        "describe_user_pool_domain",
        {"DomainDescription": {"UserPoolId": "eu-west-1_abc", "AWSAccountId": "999988887777", "Domain": "taken"}},
    )

    with stub:
        domains = CognitoDomains(cognito)
        assert domains.owner("ecopulse-dev-111122223333") is None
        assert domains.owner("taken") == "999988887777"


@pytest.fixture
def kms():
    with mock_aws():
        yield boto3.client("kms", region_name="us-east-1")


def test_the_minter_keys_address_spec_and_policy_are_read(kms):
    key_id = kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/ecopulse-dev-minter", TargetKeyId=key_id)

    key = KmsKeys(kms).minter_key("alias/ecopulse-dev-minter")

    assert (key.key_id, key.spec, key.usage, key.enabled) == (key_id, "ECC_SECG_P256K1", "SIGN_VERIFY", True)
    assert key.address.startswith("0x") and len(key.address) == 42
    assert key.policy["Statement"]


def test_a_key_of_another_curve_has_no_address_and_a_missing_alias_no_key(kms):
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]

    assert KmsKeys(kms).minter_key(key_id).address is None
    assert KmsKeys(kms).minter_key("alias/nobody-minter") is None


def dev_stage(overrides: str = ""):
    environment = samconfig_environment(ROOT, "dev")
    parameters = parse_parameter_overrides(environment["parameter_overrides"]) | parse_parameter_overrides(overrides)
    return load_stage(ROOT, "dev", parameters, environment["stack_name"], environment["region"], ACCOUNT_ID)


def test_the_dev_stage_is_read_from_the_template_and_samconfig():
    stage, role = dev_stage()

    assert role == "MintFunctionRole"
    assert (stage.stack_name, stage.minter_key_alias) == ("ecopulse-dev", "alias/ecopulse-dev-minter")
    assert stage.cognito_domain == f"ecopulse-dev-{ACCOUNT_ID}"
    assert (stage.chain_id, stage.requires_email, stage.reservations) == (80002, True, {})
    assert statuses_of(check_parameters(stage)) == {
        "parameters.TokenAddress": Status.BLOCKING,
        "parameters.ImpactRegistryAddress": Status.BLOCKING,
    }


def test_reservation_on_reads_each_functions_reserved_concurrency_from_the_template():
    stage, _ = dev_stage("ReserveConcurrency=true VerifyUploadConcurrency=7")

    assert stage.reservations == {"MintFunction": 1, "VerifyUploadFunction": 7}


def test_a_function_that_only_reads_the_minters_address_is_not_taken_for_the_minter(tmp_path):
    reader = """Resources:
  GasWatchFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/mint
      Handler: app.handler
      Environment:
        Variables:
          MINTER_KEY_ID: !Ref MinterKeyAlias
      Policies:
        - Statement:
            - Effect: Allow
              Action: [kms:GetPublicKey]
              Resource: !GetAtt MinterKey.Arn
"""
    template = (ROOT / "template.yaml").read_text()
    assert template.count("\nResources:\n") == 1
    (tmp_path / "template.yaml").write_text(template.replace("\nResources:\n", "\n" + reader, 1))
    environment = samconfig_environment(ROOT, "dev")
    parameters = parse_parameter_overrides(environment["parameter_overrides"])

    stage, role = load_stage(tmp_path, "dev", parameters, "ecopulse-dev", "eu-west-1", ACCOUNT_ID)

    assert (stage.minter_key_alias, role) == ("alias/ecopulse-dev-minter", "MintFunctionRole")


def test_an_unknown_environment_is_refused():
    with pytest.raises(SystemExit, match="no environment 'staging'"):
        samconfig_environment(ROOT, "staging")


def statuses_of(findings):
    return {finding.check: finding.status for finding in findings}
