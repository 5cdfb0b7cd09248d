"""The cursor secret from AWS Secrets Manager, read once per cold start (``ecopulse.paging`` seals cursors with
it). Locally the emulator serves the secret the template generates."""

from functools import cache

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from ecopulse.config import deployment
from ecopulse.paging import CursorSealer

# The provider caches a value for max_age seconds; the sealer is cached for the container's life, so the secret
# is fetched once per cold start. Rotating it turns the cursors handed out before into 400 invalid_cursor.
ONE_DAY_SECONDS = 86_400


@cache
def cursor_sealer() -> CursorSealer:
    name = deployment().cursor_secret_arn
    if not name:
        raise RuntimeError("CURSOR_SECRET_ARN is not set: the function pages no listing")
    secret = SecretsProvider().get(name, max_age=ONE_DAY_SECONDS)
    if isinstance(secret, str):
        return CursorSealer(secret.encode())
    if isinstance(secret, bytes):
        return CursorSealer(secret)
    raise RuntimeError(f"the cursor secret {name} holds no text")
