"""Cognito adapter: the user pool's side of leaving."""

from typing import Any

import boto3
from botocore.exceptions import ClientError


class CognitoSignIns:
    """The ``accounts.SignIns`` port on the deployment's user pool."""

    def __init__(self, user_pool_id: str, client: Any | None = None) -> None:
        self._pool = user_pool_id
        self._cognito = client or boto3.client("cognito-idp")

    def delete_sign_in(self, username: str) -> bool:
        """AdminDeleteUser; a user already deleted (a repeated leave) is not an error."""
        try:
            self._cognito.admin_delete_user(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "UserNotFoundException":
                return False
            raise
        return True
