"""The Cognito adapter deletes a leaving citizen's sign-in from the user pool: once, and harmlessly again."""

import boto3
import pytest
from moto import mock_aws

from ecopulse.user_pool import CognitoUserPool


@pytest.fixture
def pool_id(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        pool = boto3.client("cognito-idp").create_user_pool(PoolName="city", UsernameAttributes=["email"])
        yield pool["UserPool"]["Id"]


def test_a_sign_in_is_deleted_once_and_a_second_delete_is_no_error(pool_id):
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice@example.org")
    cognito.admin_create_user(UserPoolId=pool_id, Username="bob@example.org")
    sign_ins = CognitoUserPool(pool_id, cognito)
    assert sign_ins.delete_sign_in("alice@example.org") is True
    assert sign_ins.delete_sign_in("alice@example.org") is False
    left = cognito.list_users(UserPoolId=pool_id)["Users"]
    assert [{a["Name"]: a["Value"] for a in user["Attributes"]}["email"] for user in left] == ["bob@example.org"]


def test_a_pool_that_does_not_exist_is_an_error_not_a_deleted_user(pool_id):
    sign_ins = CognitoUserPool("us-east-1_Nowhere", boto3.client("cognito-idp", region_name="us-east-1"))
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        sign_ins.delete_sign_in("alice@example.org")
