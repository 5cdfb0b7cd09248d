"""The template's user pool in moto under the template's own id, and the Cognito adapter that deletes a leaving
citizen's sign-in from it: once, and harmlessly again."""

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from ecopulse.cognito_users import CognitoSignIns
from ecopulse_local.runtime import samconfig_parameter_overrides
from ecopulse_local.template import load_stack
from ecopulse_local.user_pools import create_user_pools

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pool_id(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    stack = load_stack(ROOT / "template.yaml", samconfig_parameter_overrides(ROOT, "local"))
    with mock_aws():
        assert create_user_pools(stack) == ["UserPool", "CitizenGroup", "DriverGroup", "AdminGroup"]
        yield stack.ref("UserPool")


def test_the_pool_is_made_under_the_templates_id_with_its_groups(pool_id):
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    described = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert (described["Id"], described["Name"]) == (pool_id, "ecopulse-local-users")
    groups = cognito.list_groups(UserPoolId=pool_id)["Groups"]
    assert sorted((group["GroupName"], group["Precedence"]) for group in groups) == [
        ("admin", 10), ("citizen", 30), ("driver", 20),
    ]  # fmt: skip


def test_a_sign_in_is_deleted_once_and_a_second_delete_is_no_error(pool_id):
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice@example.org")
    cognito.admin_create_user(UserPoolId=pool_id, Username="bob@example.org")
    sign_ins = CognitoSignIns(pool_id, cognito)
    assert sign_ins.delete_sign_in("alice@example.org") is True
    assert sign_ins.delete_sign_in("alice@example.org") is False
    left = cognito.list_users(UserPoolId=pool_id)["Users"]
    assert [{a["Name"]: a["Value"] for a in user["Attributes"]}["email"] for user in left] == ["bob@example.org"]


def test_a_pool_that_does_not_exist_is_an_error_not_a_deleted_user(pool_id):
    sign_ins = CognitoSignIns("us-east-1_Nowhere", boto3.client("cognito-idp", region_name="us-east-1"))
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        sign_ins.delete_sign_in("alice@example.org")
