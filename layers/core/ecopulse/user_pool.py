"""The city's accounts in the Cognito user pool (``ecopulse.accounts.UserPool``): invitations, groups, and
disabling with a global sign-out.

A profile whose account is not in the pool (deleted there, or made by the local runtime's token shortcut) has
nothing to follow it: the pool's side of a change is then done already, and is skipped.
"""

from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ecopulse.accounts import InvalidAddress, PoolAccount
from ecopulse.observability import logger

INVITATION_PENDING = "FORCE_CHANGE_PASSWORD"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class CognitoUserPool:
    """The ``accounts.UserPool`` and ``leaving.SignIns`` ports on the deployment's user pool."""

    def __init__(self, user_pool_id: str, cognito: Any | None = None) -> None:
        self._pool = user_pool_id
        self._cognito = cognito or boto3.client("cognito-idp")

    def invite(self, tenant: str, email: str) -> PoolAccount:
        """AdminCreateUser e-mails the invitation with a temporary password; an existing account is read instead."""
        try:
            user = self._cognito.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "custom:tenant", "Value": tenant},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )["User"]
            return _account(user["Username"], user["Attributes"], user["UserStatus"])
        except ClientError as error:
            if _code(error) == "InvalidParameterException":
                raise InvalidAddress(email) from error
            if _code(error) != "UsernameExistsException":
                raise
        found = self._cognito.admin_get_user(UserPoolId=self._pool, Username=email)
        return _account(found["Username"], found["UserAttributes"], found["UserStatus"])

    def resend_invitation(self, email: str) -> None:
        self._cognito.admin_create_user(
            UserPoolId=self._pool, Username=email, MessageAction="RESEND", DesiredDeliveryMediums=["EMAIL"]
        )

    def set_groups(self, username: str, groups: Sequence[str]) -> None:
        try:
            pages = self._cognito.get_paginator("admin_list_groups_for_user").paginate(
                UserPoolId=self._pool, Username=username
            )
            current = {group["GroupName"] for page in pages for group in page["Groups"]}
            for group in sorted(set(groups) - current):
                self._cognito.admin_add_user_to_group(UserPoolId=self._pool, Username=username, GroupName=group)
            for group in sorted(current - set(groups)):
                self._cognito.admin_remove_user_from_group(UserPoolId=self._pool, Username=username, GroupName=group)
        except ClientError as error:
            self._unless_not_in_pool(error, username)

    def disable(self, username: str) -> None:
        try:
            self._cognito.admin_disable_user(UserPoolId=self._pool, Username=username)
            self._cognito.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            self._unless_not_in_pool(error, username)

    def enable(self, username: str) -> None:
        try:
            self._cognito.admin_enable_user(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            self._unless_not_in_pool(error, username)

    def delete_sign_in(self, username: str) -> bool:
        """AdminDeleteUser, when a citizen leaves; a user already deleted (a repeated leave) is not an error."""
        try:
            self._cognito.admin_delete_user(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            if _code(error) == "UserNotFoundException":
                return False
            raise
        return True

    @staticmethod
    def _unless_not_in_pool(error: ClientError, username: str) -> None:
        if _code(error) != "UserNotFoundException":
            raise error
        logger.warning("the profile has no account in the user pool; nothing to change there", extra={"user": username})


def _account(username: str, attributes: list[dict[str, str]], status: str) -> PoolAccount:
    values = {attribute["Name"]: attribute["Value"] for attribute in attributes}
    return PoolAccount(values["sub"], username, values.get("custom:tenant"), status == INVITATION_PENDING)
