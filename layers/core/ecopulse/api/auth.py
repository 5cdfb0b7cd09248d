"""The caller as the HTTP API's JWT authorizer saw them: identity, groups and tenant from the claims.

Groups decide what a caller may do; the tenant claim decides where. Nothing else in a request can name a
tenant.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from pydantic import BaseModel

from ecopulse.api.dependencies import UsersDep
from ecopulse.users import User, signed_in


class Group(StrEnum):
    CITIZEN = "citizen"
    DRIVER = "driver"
    ADMIN = "admin"
    SPONSOR = "sponsor"


class Caller(BaseModel):
    user_id: str
    username: str
    tenant: str
    email: str | None = None
    groups: frozenset[Group]

    def is_in(self, *groups: Group) -> bool:
        return bool(self.groups & set(groups))


def _parse_groups(raw: str | list[str] | None) -> frozenset[Group]:
    """API Gateway flattens array claims into one string, "[admin citizen]"; accept that and real arrays."""
    if raw is None:
        return frozenset()
    names = raw if isinstance(raw, list) else raw.strip("[]").replace(",", " ").split()
    return frozenset(Group(name) for name in names if name in Group.__members__.values())


def current_caller(request: Request) -> Caller:
    event = request.scope.get("aws.event") or {}
    claims = event.get("requestContext", {}).get("authorizer", {}).get("jwt", {}).get("claims")
    if not claims or not claims.get("custom:tenant") or not claims.get("sub"):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a signed-in caller with a tenant is required")
    return Caller(
        user_id=claims["sub"],
        username=claims.get("cognito:username", claims["sub"]),
        tenant=claims["custom:tenant"],
        email=claims.get("email"),
        groups=_parse_groups(claims.get("cognito:groups")),
    )


CallerDep = Annotated[Caller, Depends(current_caller)]


def require(*groups: Group) -> Callable[[Caller], Caller]:
    """A dependency that lets only callers in one of ``groups`` through."""

    def check(caller: CallerDep) -> Caller:
        if not caller.is_in(*groups):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {' or '.join(groups)} role")
        return caller

    return check


AdminDep = Annotated[Caller, Depends(require(Group.ADMIN))]
CitizenOrAdminDep = Annotated[Caller, Depends(require(Group.CITIZEN, Group.ADMIN))]
FleetDep = Annotated[Caller, Depends(require(Group.DRIVER, Group.ADMIN))]
# Whoever photographs cleanups: citizens and admins their cleanups, drivers the close-outs of their jobs.
CleanerDep = Annotated[Caller, Depends(require(Group.CITIZEN, Group.DRIVER, Group.ADMIN))]
SponsorDep = Annotated[Caller, Depends(require(Group.SPONSOR))]
SponsorOrAdminDep = Annotated[Caller, Depends(require(Group.SPONSOR, Group.ADMIN))]


def active_profile(caller: CallerDep, users: UsersDep) -> User:
    """The caller's profile, created from the token's claims on first contact. A disabled account, or a token
    naming a role the account no longer has, gets no further: every write route depends on this, so the city's
    switch is checked in this one place."""
    return signed_in(users, caller.tenant, caller.user_id, caller.username, caller.email, list(caller.groups))


ActiveProfile = Annotated[User, Depends(active_profile)]
# For a write route whose handler needs the caller's claims only: ``@router.post(..., dependencies=[ACTIVE])``.
ACTIVE = Depends(active_profile)
