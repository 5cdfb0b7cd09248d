"""The local user pool on moto in process: the seams it patches are where moto 5.2 has them, and sign-up,
confirmation, invitation and sign-in run the template's triggers (here a recording stand-in for the workers)."""

import inspect
from pathlib import Path

import boto3
import jwt
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse

from ecopulse_local import cognito
from ecopulse_local.auth import LocalIssuer
from ecopulse_local.lambdas import Invocation
from ecopulse_local.runtime import issuers_for, samconfig_parameter_overrides
from ecopulse_local.template import load_stack
from tests.conftest import ROOT
from tests.support import LOCAL_CHAIN_PARAMETERS

PASSWORD = "Correct-Horse-42"


def test_the_patched_seams_keep_their_signatures():
    assert list(inspect.signature(cognito._original_create_id_token).parameters) == [
        "self", "client_id", "username", "origin_jti",
    ]  # fmt: skip
    assert list(inspect.signature(CognitoIdpBackend.admin_create_user).parameters) == [
        "self", "user_pool_id", "username", "message_action", "temporary_password", "attributes",
    ]  # fmt: skip
    for action in ("sign_up", "confirm_sign_up", "admin_create_user"):
        assert list(inspect.signature(getattr(CognitoIdpResponse, action)).parameters) == ["self"]
    assert "create_id_token(" in inspect.getsource(CognitoIdpUserPool.create_tokens_from_refresh_token)


class Triggers:
    """Records each trigger event; refuses a sign-up into "atlantis", and answers tokens as the real one does."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def __call__(self, arn: str, event: dict) -> Invocation:
        self.events.append(event)
        attributes = event["request"]["userAttributes"]
        if event["triggerSource"].startswith("PreSignUp") and attributes.get("custom:tenant") == "atlantis":
            return Invocation({"errorType": "UnknownCity", "errorMessage": "there is no city 'atlantis'"}, "Unhandled")
        if event["triggerSource"].startswith("TokenGeneration"):
            event["response"] = {
                "claimsOverrideDetails": {
                    "claimsToAddOrOverride": {"custom:tenant": attributes["custom:tenant"]},
                    "groupOverrideDetails": {"groupsToOverride": ["driver"]},
                }
            }
        return Invocation(event)

    def sources(self) -> list[str]:
        return [event["triggerSource"] for event in self.events]


@pytest.fixture
def pool(tmp_path: Path):
    stack = load_stack(ROOT / "template.yaml", samconfig_parameter_overrides(ROOT, "local") | LOCAL_CHAIN_PARAMETERS)
    issuer: LocalIssuer = next(iter(issuers_for(stack, tmp_path).values()))
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="us-east-1")
        triggers, outbox = Triggers(), cognito.Outbox()
        cognito.install()
        cognito.provision(stack, client, triggers, issuer, outbox)
        yield client, triggers, outbox, issuer, str(stack.ref("UserPool")), str(stack.ref("UserPoolClient"))


def test_a_sign_up_runs_pre_sign_up_a_code_confirms_it_and_the_token_comes_out_of_the_trigger(pool):
    client, triggers, outbox, issuer, pool_id, client_id = pool
    attributes = [{"Name": "custom:tenant", "Value": "lahore"}]
    client.sign_up(ClientId=client_id, Username="a@example.org", Password=PASSWORD, UserAttributes=attributes)
    (message,) = outbox.to("a@example.org")
    code = message.body.rsplit(" ", 1)[-1].rstrip(".")
    with pytest.raises(ClientError, match="CodeMismatchException"):
        client.confirm_sign_up(ClientId=client_id, Username="a@example.org", ConfirmationCode="000000")
    client.confirm_sign_up(ClientId=client_id, Username="a@example.org", ConfirmationCode=code)
    answer = client.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "a@example.org", "PASSWORD": PASSWORD},
    )
    claims = issuer.verify(answer["AuthenticationResult"]["IdToken"])
    assert (claims["custom:tenant"], claims["cognito:groups"], claims["email_verified"]) == ("lahore", ["driver"], True)
    assert triggers.sources() == [
        "PreSignUp_SignUp",
        "PostConfirmation_ConfirmSignUp",
        "TokenGeneration_Authentication",
    ]
    assert triggers.events[1]["request"]["userAttributes"]["email_verified"] == "true"


def test_a_sign_up_the_trigger_refuses_leaves_no_user(pool):
    client, triggers, outbox, _, pool_id, client_id = pool
    attributes = [{"Name": "custom:tenant", "Value": "atlantis"}]
    with pytest.raises(ClientError, match="PreSignUp failed with error there is no city 'atlantis'"):
        client.sign_up(ClientId=client_id, Username="b@example.org", Password=PASSWORD, UserAttributes=attributes)
    assert client.list_users(UserPoolId=pool_id)["Users"] == [] and outbox.to("b@example.org") == []


def test_an_invitation_sends_a_temporary_password_and_resending_replaces_it(pool):
    client, triggers, outbox, _, pool_id, _ = pool
    attributes = [{"Name": "email", "Value": "d@example.org"}, {"Name": "custom:tenant", "Value": "lahore"}]
    client.admin_create_user(UserPoolId=pool_id, Username="d@example.org", UserAttributes=attributes)
    client.admin_create_user(UserPoolId=pool_id, Username="d@example.org", MessageAction="RESEND")
    first, second = outbox.to("d@example.org")
    assert first.body != second.body and "d@example.org" in second.body
    assert len(client.list_users(UserPoolId=pool_id)["Users"]) == 1
    assert triggers.sources() == ["PreSignUp_AdminCreateUser"]


def test_tokens_of_the_pool_are_signed_by_the_issuer_the_authorizer_trusts(pool):
    client, _, _, issuer, pool_id, client_id = pool
    client.admin_create_user(
        UserPoolId=pool_id, Username="e@example.org", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "custom:tenant", "Value": "lahore"}],
    )  # fmt: skip
    client.admin_set_user_password(UserPoolId=pool_id, Username="e@example.org", Password=PASSWORD, Permanent=True)
    answer = client.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "e@example.org", "PASSWORD": PASSWORD},
    )
    token = answer["AuthenticationResult"]["IdToken"]
    header = jwt.get_unverified_header(token)
    assert header["kid"] == "ecopulse-local-1"
    assert issuer.verify(token)["iss"].endswith(f"/{pool_id}")
