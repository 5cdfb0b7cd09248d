"""A local stand-in for the Cognito user pool behind the HTTP API's JWT authorizer.

It signs ID tokens with an RSA key kept in the runtime's state folder, with the claims Cognito puts in
an ID token (sub, cognito:username, cognito:groups, custom:tenant, email, token_use, aud, iss), and
verifies them the way the HTTP API's JWT authorizer does: signature, issuer, audience, expiry.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "ecopulse-local-1"
DEFAULT_LIFETIME_SECONDS = 3600
ID_TOKEN_USE = "id"  # nosec B105  # the token_use claim of an ID token, not a password


class Unauthorized(Exception):
    """The token is missing, malformed, forged, expired or meant for another issuer or client."""


@dataclass(frozen=True)
class JwtAuthorizerConfig:
    issuer: str
    audience: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"


def _load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} holds a {type(key).__name__}; local tokens are signed with an RSA key")
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)
    return key


class LocalIssuer:
    def __init__(
        self, key_path: Path, config: JwtAuthorizerConfig, lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS
    ) -> None:
        self._key = _load_or_create_key(key_path)
        self.config = config
        self.lifetime_seconds = lifetime_seconds

    def issue(
        self,
        user: str,
        groups: list[str],
        tenant: str,
        email: str | None = None,
        lifetime_seconds: int | None = None,
        now: float | None = None,
    ) -> str:
        """A token for any user, groups and tenant, with no user pool behind it: the shortcut of
        ``ecopulse local token`` and the tests."""
        claims: dict[str, Any] = {
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{user}")),
            "cognito:username": user,
            "cognito:groups": groups,
            "custom:tenant": tenant,
            "email": email or f"{user}@{tenant}.example.org",
            "email_verified": True,
        }
        return self.sign(claims, lifetime_seconds, now)

    def sign(self, claims: dict[str, Any], lifetime_seconds: int | None = None, now: float | None = None) -> str:
        """An ID token of this issuer for its first audience, carrying ``claims``."""
        issued_at = int(now if now is not None else time.time())
        payload = {
            "auth_time": issued_at,
            **claims,
            "token_use": ID_TOKEN_USE,
            "iat": issued_at,
            "exp": issued_at + (lifetime_seconds or self.lifetime_seconds),
            "iss": self.config.issuer,
            "aud": self.config.audience[0],
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(payload, self._key, algorithm="RS256", headers={"kid": KEY_ID})

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """Returns the claims of a valid bearer token (the "Bearer " prefix is optional, as in AWS)."""
        if not authorization:
            raise Unauthorized("no token")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            return jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                audience=list(self.config.audience),
                issuer=self.config.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(str(error)) from error


def claims_as_api_gateway_passes_them(claims: dict[str, Any]) -> dict[str, str]:
    """HTTP API hands claims to the integration as strings; arrays become "[a b]"."""
    flattened = {}
    for name, value in claims.items():
        if isinstance(value, list):
            flattened[name] = "[" + " ".join(str(item) for item in value) + "]"
        elif isinstance(value, bool):
            flattened[name] = str(value).lower()
        else:
            flattened[name] = str(value)
    return flattened
