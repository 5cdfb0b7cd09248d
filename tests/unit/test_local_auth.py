"""The local JWT issuer signs and checks tokens the way Cognito and the HTTP API authorizer do."""

import jwt
import pytest

from ecopulse.api.auth import _parse_groups
from ecopulse_local.auth import (
    JwtAuthorizerConfig,
    LocalIssuer,
    Unauthorized,
    claims_as_api_gateway_passes_them,
)

CONFIG = JwtAuthorizerConfig(issuer="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool", audience=("client",))


@pytest.fixture
def issuer(tmp_path):
    return LocalIssuer(tmp_path / "key.pem", CONFIG)


def test_a_token_carries_cognito_id_token_claims(issuer):
    claims = issuer.verify("Bearer " + issuer.issue("alice", ["admin"], "lahore"))
    assert claims["cognito:groups"] == ["admin"]
    assert claims["custom:tenant"] == "lahore"
    assert claims["cognito:username"] == "alice"
    assert claims["token_use"] == "id"
    assert (claims["iss"], claims["aud"]) == (CONFIG.issuer, "client")


def test_the_signing_key_survives_a_restart(tmp_path):
    token = LocalIssuer(tmp_path / "key.pem", CONFIG).issue("alice", ["citizen"], "lahore")
    assert LocalIssuer(tmp_path / "key.pem", CONFIG).verify(token)["cognito:username"] == "alice"


def test_expired_forged_and_misdirected_tokens_are_refused(issuer, tmp_path):
    with pytest.raises(Unauthorized):
        issuer.verify(None)
    with pytest.raises(Unauthorized, match="expired"):
        issuer.verify(issuer.issue("alice", ["citizen"], "lahore", now=1_000_000, lifetime_seconds=60))
    forger = LocalIssuer(tmp_path / "other-key.pem", CONFIG)
    with pytest.raises(Unauthorized, match="Signature"):
        issuer.verify(forger.issue("mallory", ["admin"], "lahore"))
    elsewhere = LocalIssuer(tmp_path / "key.pem", JwtAuthorizerConfig(issuer="https://evil", audience=("client",)))
    with pytest.raises(Unauthorized, match="issuer"):
        issuer.verify(elsewhere.issue("alice", ["admin"], "lahore"))
    other_client = LocalIssuer(tmp_path / "key.pem", JwtAuthorizerConfig(issuer=CONFIG.issuer, audience=("other",)))
    with pytest.raises(Unauthorized, match="[Aa]udience"):
        issuer.verify(other_client.issue("alice", ["admin"], "lahore"))
    unsigned = jwt.encode({"sub": "x", "iss": CONFIG.issuer, "aud": "client"}, key=None, algorithm="none")
    with pytest.raises(Unauthorized):
        issuer.verify(unsigned)


def test_jwks_publishes_the_public_key(issuer):
    key = issuer.jwks()["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and "d" not in key


def test_claims_reach_the_function_as_api_gateway_flattens_them_and_the_app_reads_both_forms():
    flattened = claims_as_api_gateway_passes_them({"cognito:groups": ["admin", "driver"], "exp": 5, "ok": True})
    assert flattened == {"cognito:groups": "[admin driver]", "exp": "5", "ok": "true"}
    assert {g.value for g in _parse_groups(flattened["cognito:groups"])} == {"admin", "driver"}
    assert {g.value for g in _parse_groups(["citizen", "unknown"])} == {"citizen"}
