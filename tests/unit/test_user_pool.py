"""The ``UserPool`` adapter against moto's cognito-idp in process: invitations, groups, disabling, and a profile
whose account is not in the pool."""

import boto3
import pytest
from moto import mock_aws

from ecopulse.accounts import InvalidAddress
from ecopulse.user_pool import CognitoUserPool


@pytest.fixture
def cognito():
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id = client.create_user_pool(PoolName="users", UsernameAttributes=["email"])["UserPool"]["Id"]
        for group in ("citizen", "driver", "admin"):
            client.create_group(UserPoolId=pool_id, GroupName=group)
        yield client, pool_id


def test_an_invitation_creates_a_pending_account_in_the_city_and_again_reads_it(cognito):
    client, pool_id = cognito
    pool = CognitoUserPool(pool_id, client)
    first = pool.invite("lahore", "dina@example.org")
    assert (first.tenant, first.invitation_pending) == ("lahore", True)
    again = pool.invite("karachi", "dina@example.org")
    assert (again.user_id, again.tenant) == (first.user_id, "lahore")
    assert len(client.list_users(UserPoolId=pool_id)["Users"]) == 1


def test_an_address_the_pool_refuses_is_an_invalid_address(cognito):
    client, pool_id = cognito
    with pytest.raises(InvalidAddress):
        CognitoUserPool(pool_id, client).invite("lahore", "not an address")


def test_groups_are_made_exactly_the_ones_given(cognito):
    client, pool_id = cognito
    pool = CognitoUserPool(pool_id, client)
    account = pool.invite("lahore", "dina@example.org")
    pool.set_groups(account.username, ["citizen", "driver"])
    pool.set_groups(account.username, ["admin", "driver"])
    listed = client.admin_list_groups_for_user(UserPoolId=pool_id, Username=account.username)["Groups"]
    assert sorted(group["GroupName"] for group in listed) == ["admin", "driver"]


def test_a_disabled_account_is_disabled_and_enabled_again(cognito):
    client, pool_id = cognito
    pool = CognitoUserPool(pool_id, client)
    account = pool.invite("lahore", "dina@example.org")
    pool.disable(account.username)
    assert client.admin_get_user(UserPoolId=pool_id, Username=account.username)["Enabled"] is False
    pool.enable(account.username)
    assert client.admin_get_user(UserPoolId=pool_id, Username=account.username)["Enabled"] is True


def test_a_profile_without_an_account_in_the_pool_has_nothing_to_change_there(cognito):
    client, pool_id = cognito
    pool = CognitoUserPool(pool_id, client)
    pool.set_groups("nobody", ["admin"])
    pool.disable("nobody")
    pool.enable("nobody")
    assert client.list_users(UserPoolId=pool_id)["Users"] == []
