"""The caller as the HTTP API's JWT authorizer saw them: identity, groups and tenant from the claims."""

from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from pydantic import BaseModel


class Group(StrEnum):
    CITIZEN = "citizen"
    DRIVER = "driver"
    ADMIN = "admin"


class Caller(BaseModel):
    user_id: str
    username: str
    tenant: str
    groups: frozenset[Group]


def _parse_groups(raw: str | list | None) -> frozenset[Group]:
    """API Gateway flattens array claims into one string, "[admin citizen]"; accept that and real arrays."""
    if raw is None:
        return frozenset()
    names = raw if isinstance(raw, list) else raw.strip("[]").replace(",", " ").split()
    return frozenset(Group(name) for name in names if name in Group.__members__.values())


def current_caller(request: Request) -> Caller:
    event = request.scope.get("aws.event") or {}
    claims = event.get("requestContext", {}).get("authorizer", {}).get("jwt", {}).get("claims")
    if not claims or not claims.get("custom:tenant"):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a signed-in caller with a tenant is required")
    return Caller(
        user_id=claims["sub"],
        username=claims.get("cognito:username", claims["sub"]),
        tenant=claims["custom:tenant"],
        groups=_parse_groups(claims.get("cognito:groups")),
    )


CallerDep = Annotated[Caller, Depends(current_caller)]
