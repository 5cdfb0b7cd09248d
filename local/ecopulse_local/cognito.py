"""The template's Cognito user pools on moto, with what Cognito does that moto 5.2 leaves out.

moto stores users, groups and passwords, and answers the cognito-idp API, but it runs no Lambda trigger, checks
no confirmation code, sends no message, makes no temporary password for an invited user (nor a new one when the
invitation is resent, where it makes a second user instead), and signs its ID tokens with a key published in its
source. In the runtime's pools:

- ``SignUp`` runs the PreSignUp trigger (``PreSignUp_SignUp``, with the request's validation data) and sends a
  confirmation code; a refusal leaves no user, and answers ``UserLambdaValidationException`` as Cognito does;
- ``ConfirmSignUp`` takes only the code that was sent, verifies the e-mail address, then runs PostConfirmation;
- ``AdminCreateUser`` runs PreSignUp (``PreSignUp_AdminCreateUser``), makes a temporary password and sends the
  pool's invitation with it, unless told ``SUPPRESS``; ``RESEND`` sends a new one to the same user;
- every ID token goes through the PreTokenGeneration trigger (its claim and group overrides applied) and is
  signed by the runtime's issuer, so the local HTTP API's JWT authorizer takes it as API Gateway takes Cognito's.

Messages are kept in an outbox (``GET /local-auth/outbox`` on the dashboard port) instead of being mailed. Each
pool keeps the id and app client id the template resolves to, so the authorizer's issuer and audience match it.
The seams are moto 5.2's (pinned; tests/unit/test_local_cognito.py fails loudly if an upgrade moves them).
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.cognitoidp.exceptions import CodeMismatchException
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, cognitoidp_backends
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from ecopulse_local.auth import LocalIssuer
from ecopulse_local.lambdas import Invocation
from ecopulse_local.template import Stack

CODE_DIGITS = 6
TEMPORARY_PASSWORD_LENGTH = 16
TRIGGERS = ("PreSignUp", "PostConfirmation", "PreTokenGeneration")


class UserLambdaValidationException(JsonRESTError):
    """What Cognito answers when a trigger fails: the trigger's name and its error message."""

    def __init__(self, trigger: str, message: str) -> None:
        super().__init__("UserLambdaValidationException", f"{trigger} failed with error {message}.")


class UnsupportedUserStateException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedUserStateException", message)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    sent_at: datetime


class Outbox:
    """The e-mail Cognito would have sent, newest last."""

    def __init__(self) -> None:
        self._messages: list[Message] = []
        self._lock = threading.Lock()

    def send(self, to: str, subject: str, body: str) -> None:
        with self._lock:
            self._messages.append(Message(to, subject, body, datetime.now(UTC)))

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [message for message in self._messages if message.to.lower() == address.lower()]


Invoke = Callable[[str, dict[str, Any]], Invocation]


@dataclass
class LocalUserPool:
    """One pool of the template: its triggers (function ARNs), its messages and the issuer of its ID tokens."""

    pool_id: str
    account: str
    region: str
    triggers: dict[str, str]
    invoke: Invoke
    issuer: LocalIssuer
    outbox: Outbox
    read_attributes: tuple[str, ...]
    verification: dict[str, str] = field(default_factory=dict)
    invitation: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)

    def trigger(
        self, name: str, source: str, user: CognitoIdpUser, client_id: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Runs the pool's ``name`` trigger with Cognito's event; returns the event's response, or {} without one."""
        arn = self.triggers.get(name)
        if arn is None:
            return {}
        event = {
            "version": "1",
            "region": self.region,
            "userPoolId": self.pool_id,
            "userName": user.username,
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE",
            },
            "triggerSource": source,
            "request": {"userAttributes": {**user.attribute_lookup, "cognito:user_status": _status(user)}, **request},
            "response": {},
        }
        invocation = self.invoke(arn, event)
        if not invocation.ok:
            raise UserLambdaValidationException(name, str(invocation.payload.get("errorMessage", "")))
        response: dict[str, Any] = (invocation.payload or {}).get("response") or {}
        return response

    def send_code(self, user: CognitoIdpUser) -> None:
        code = "".join(secrets.choice(string.digits) for _ in range(CODE_DIGITS))
        self.codes[user.username] = code
        self.outbox.send(
            user.attribute_lookup.get("email", user.username),
            self.verification.get("EmailSubject", "Your verification code"),
            self.verification.get("EmailMessage", "Your verification code is {####}.").replace("{####}", code),
        )

    def send_invitation(self, user: CognitoIdpUser, password: str) -> None:
        body = self.invitation.get("EmailMessage", "Your username is {username} and temporary password is {####}.")
        self.outbox.send(
            user.attribute_lookup.get("email", user.username),
            self.invitation.get("EmailSubject", "Your temporary password"),
            body.replace("{username}", user.attribute_lookup.get("email", user.username)).replace("{####}", password),
        )

    def id_token(self, pool: CognitoIdpUserPool, client_id: str, user: CognitoIdpUser) -> str:
        """Cognito's ID token claims, as PreTokenGeneration leaves them, signed by the runtime's issuer."""
        groups = sorted(group.group_name for group in user.groups)
        response = self.trigger(
            "PreTokenGeneration",
            "TokenGeneration_Authentication",
            user,
            client_id,
            {"groupConfiguration": {"groupsToOverride": groups, "iamRolesToOverride": [], "preferredRole": None}},
        )
        override = response.get("claimsOverrideDetails") or {}
        if "groupOverrideDetails" in override:
            groups = list((override["groupOverrideDetails"] or {}).get("groupsToOverride") or [])
        attributes = user.attribute_lookup
        claims: dict[str, Any] = {
            "sub": user.id,
            "cognito:username": user.username,
            "email_verified": attributes.get("email_verified") == "true",
            **{
                name: attributes[name]
                for name in self.read_attributes
                if name in attributes and name != "email_verified"
            },
        }
        if groups:
            claims["cognito:groups"] = groups
        claims.update(override.get("claimsToAddOrOverride") or {})
        for name in override.get("claimsToSuppress") or []:
            claims.pop(name, None)
        return self.issuer.sign(claims)


_POOLS: dict[str, LocalUserPool] = {}


def _status(user: CognitoIdpUser) -> str:
    return str(getattr(user.status, "value", user.status))


def _pool_of_client(client_id: str) -> tuple[CognitoIdpUserPool, LocalUserPool] | None:
    for local in _POOLS.values():
        pool = cognitoidp_backends[local.account][local.region].user_pools.get(local.pool_id)
        if pool is not None and client_id in pool.clients:
            return pool, local
    return None


def temporary_password() -> str:
    """Meets any password policy: upper and lower case, digits and a symbol."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _ in range(TEMPORARY_PASSWORD_LENGTH - 4))
    return body + secrets.choice(string.ascii_uppercase) + secrets.choice(string.ascii_lowercase) + "7!"


_original_sign_up = CognitoIdpResponse.sign_up
_original_confirm_sign_up = CognitoIdpResponse.confirm_sign_up
_original_admin_create_user = CognitoIdpResponse.admin_create_user
_original_create_id_token = CognitoIdpUserPool.create_id_token


def _attributes(pairs: list[dict[str, str]] | None) -> dict[str, str]:
    return {pair["Name"]: pair["Value"] for pair in pairs or []}


def _sign_up(self: CognitoIdpResponse) -> ActionResult:
    found = _pool_of_client(self._get_param("ClientId"))
    if found is None:
        return _original_sign_up(self)
    pool, local = found
    answer = _original_sign_up(self)
    user = pool._get_user(self._get_param("Username"))
    request = {
        "validationData": _attributes(self._get_param("ValidationData")) or None,
        "clientMetadata": self._get_param("ClientMetadata") or {},
    }
    try:
        local.trigger("PreSignUp", "PreSignUp_SignUp", user, self._get_param("ClientId"), request)
    except UserLambdaValidationException:
        del pool.users[user.username]
        raise
    local.send_code(user)
    return answer


def _confirm_sign_up(self: CognitoIdpResponse) -> ActionResult:
    client_id = self._get_param("ClientId")
    found = _pool_of_client(client_id)
    if found is None:
        return _original_confirm_sign_up(self)
    pool, local = found
    user = self.backend.admin_get_user(pool.id, self._get_param("Username"))
    if local.codes.get(user.username) != self._get_param("ConfirmationCode"):
        raise CodeMismatchException("Invalid verification code provided, please try again.")
    answer = _original_confirm_sign_up(self)
    del local.codes[user.username]
    user.update_attributes([{"Name": "email_verified", "Value": "true"}])
    local.trigger("PostConfirmation", "PostConfirmation_ConfirmSignUp", user, client_id, {"clientMetadata": {}})
    return answer


def _admin_create_user(self: CognitoIdpResponse) -> ActionResult:
    pool_id = self._get_param("UserPoolId")
    local = _POOLS.get(pool_id)
    if local is None:
        return _original_admin_create_user(self)
    action = self._get_param("MessageAction")
    password = self._get_param("TemporaryPassword") or temporary_password()
    if action == "RESEND":
        user = self.backend.admin_get_user(pool_id, self._get_param("Username"))
        if _status(user) != "FORCE_CHANGE_PASSWORD":
            raise UnsupportedUserStateException("Resend not possible. The user's status is not FORCE_CHANGE_PASSWORD")
        user.password = password
    else:
        user = self.backend.admin_create_user(
            pool_id, self._get_param("Username"), action, password, self._get_param("UserAttributes", [])
        )
        try:
            local.trigger("PreSignUp", "PreSignUp_AdminCreateUser", user, "", {"validationData": None})
        except UserLambdaValidationException:
            self.backend.admin_delete_user(pool_id, user.username)
            raise
    if action != "SUPPRESS":
        local.send_invitation(user, password)
    return ActionResult({"User": user.to_json(extended=True)})


def _create_id_token(self: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
    local = _POOLS.get(self.id)
    if local is None:
        return _original_create_id_token(self, client_id, username, origin_jti)
    token = local.id_token(self, client_id, self._get_user(username))
    self.id_tokens[token] = (client_id, username)
    return token, local.issuer.lifetime_seconds


def install() -> None:
    """Patches moto's cognito-idp in this process (the emulator's server); safe to call twice."""
    CognitoIdpResponse.sign_up = _sign_up  # type: ignore[method-assign]
    CognitoIdpResponse.confirm_sign_up = _confirm_sign_up  # type: ignore[method-assign]
    CognitoIdpResponse.admin_create_user = _admin_create_user  # type: ignore[method-assign]
    CognitoIdpUserPool.create_id_token = _create_id_token  # type: ignore[method-assign]


def provision(stack: Stack, cognito: Any, invoke: Invoke, issuer: LocalIssuer, outbox: Outbox) -> list[str]:
    """Creates the template's user pools, app clients and groups in moto under the template's ids, with their
    triggers; returns the logical ids made."""
    made = []
    for logical_id in stack.of_type("AWS::Cognito::UserPool"):
        props = stack.properties(logical_id)
        # What CreateUserPool takes of the resource's properties (CloudFormation names a few more, like EnabledMfas).
        accepted = cognito.meta.service_model.operation_model("CreateUserPool").input_shape.members
        settings = {key: value for key, value in props.items() if key in accepted and key != "PoolName"}
        created = cognito.create_user_pool(PoolName=props.get("UserPoolName", logical_id), **settings)["UserPool"]["Id"]
        pool_id = str(stack.ref(logical_id))
        _keep_id(stack, created, pool_id)
        clients = {
            client_id: stack.properties(client_id)
            for client_id in stack.of_type("AWS::Cognito::UserPoolClient")
            if stack.properties(client_id)["UserPoolId"] == pool_id
        }
        read_attributes: tuple[str, ...] = ()
        for client_logical_id, client in clients.items():
            options = {key: value for key, value in client.items() if key in _CLIENT_SETTINGS}
            answer = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=client_logical_id, **options)
            _keep_client_id(stack, pool_id, answer["UserPoolClient"]["ClientId"], str(stack.ref(client_logical_id)))
            read_attributes = tuple(client.get("ReadAttributes", ["email"]))
            made.append(client_logical_id)
        for group_id in stack.of_type("AWS::Cognito::UserPoolGroup"):
            group_props = stack.properties(group_id)
            if group_props["UserPoolId"] == pool_id:
                arguments = {key: group_props[key] for key in ("Description", "Precedence") if key in group_props}
                cognito.create_group(UserPoolId=pool_id, GroupName=group_props["GroupName"], **arguments)
                made.append(group_id)
        _POOLS[pool_id] = LocalUserPool(
            pool_id=pool_id,
            account=stack.account,
            region=stack.region,
            triggers={name: arn for name, arn in props.get("LambdaConfig", {}).items() if name in TRIGGERS},
            invoke=invoke,
            issuer=issuer,
            outbox=outbox,
            read_attributes=read_attributes,
            verification=props.get("VerificationMessageTemplate", {}),
            invitation=props.get("AdminCreateUserConfig", {}).get("InviteMessageTemplate", {}),
        )
        made.append(logical_id)
    return made


_CLIENT_SETTINGS = ("ExplicitAuthFlows", "ReadAttributes", "WriteAttributes", "PreventUserExistenceErrors")


def _keep_id(stack: Stack, created: str, wanted: str) -> None:
    """Cognito picks a pool's id; locally the pool keeps the template's, which the authorizer's issuer names."""
    backend = cognitoidp_backends[stack.account][stack.region]
    pool = backend.user_pools.pop(created)
    pool.id = wanted
    pool.arn = stack.arn("cognito-idp", f"userpool/{wanted}")
    backend.user_pools[wanted] = pool


def _keep_client_id(stack: Stack, pool_id: str, created: str, wanted: str) -> None:
    """The app client keeps the template's id, which is the authorizer's audience."""
    pool = cognitoidp_backends[stack.account][stack.region].user_pools[pool_id]
    client = pool.clients.pop(created)
    client.id = wanted
    pool.clients[wanted] = client
