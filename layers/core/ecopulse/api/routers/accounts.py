"""Joining a city: the cities a newcomer may sign up into (public), staff invited by the city's admins, their
roles, and disabled accounts. Citizens sign themselves up through the user pool, whose triggers call
``ecopulse.accounts``; these routes call the same module."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from ecopulse.accounts import Role, change_role, invite_staff, new_invite_code, set_account_active
from ecopulse.api.auth import ACTIVE, AdminDep
from ecopulse.api.dependencies import CityDirectoryDep, InviteCodesDep, UserPoolDep, UsersDep
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.routers.me import Profile

router = APIRouter(tags=["accounts"], responses=ERROR_RESPONSES)
UserId = Annotated[str, Field(max_length=64)]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class CityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tenant: str
    name: str
    signups: Literal["open", "invite"] = Field(description="`invite`: a sign-up needs one of the city's invite codes")


class StaffInvitation(BaseModel):
    email: Email
    role: Literal[Role.DRIVER, Role.ADMIN, Role.SPONSOR]


class RoleIn(BaseModel):
    role: Role


class AccountStatusIn(BaseModel):
    active: bool


class InviteCodeIn(BaseModel):
    valid_days: int = Field(default=14, ge=1, le=90, strict=True)


class InviteCodeOut(BaseModel):
    code: str = Field(description="Shown once: only its hash is kept")
    expires_at: datetime


@router.get("/tenants", response_model=list[CityOut])
def cities(directory: CityDirectoryDep) -> list[CityOut]:
    """Public, no token: the cities that take sign-ups, for the app's picker. The chosen one goes into the
    sign-up as the `custom:tenant` attribute, an invite code as the `invite_code` validation data."""
    return [CityOut.model_validate(city) for city in directory.open_cities()]


@router.post("/admin/staff", status_code=status.HTTP_201_CREATED, response_model=Profile, dependencies=[ACTIVE])
def invite(body: StaffInvitation, caller: AdminDep, users: UsersDep, pool: UserPoolDep) -> Profile:
    """Creates a driver's, admin's or sponsor's account in the city; the user pool e-mails the invitation with a
    temporary password. The same address again while the invitation is pending sends it again."""
    return Profile.model_validate(invite_staff(users, pool, caller.tenant, body.email, body.role))


@router.put("/admin/users/{user_id}/role", response_model=Profile, dependencies=[ACTIVE])
def put_role(user_id: UserId, body: RoleIn, caller: AdminDep, users: UsersDep, pool: UserPoolDep) -> Profile:
    """The account's one role; tokens issued before the change are refused on write routes (`role_changed`)."""
    return Profile.model_validate(change_role(users, pool, caller.tenant, caller.user_id, user_id, body.role))


@router.patch("/admin/users/{user_id}", response_model=Profile, dependencies=[ACTIVE])
def set_status(user_id: UserId, body: AccountStatusIn, caller: AdminDep, users: UsersDep, pool: UserPoolDep) -> Profile:
    """A disabled account is refused on every write route at once, cannot sign in, and is signed out everywhere."""
    changed = set_account_active(users, pool, caller.tenant, caller.user_id, user_id, body.active)
    return Profile.model_validate(changed)


@router.post(
    "/admin/invite-codes", status_code=status.HTTP_201_CREATED, response_model=InviteCodeOut, dependencies=[ACTIVE]
)
def create_invite_code(body: InviteCodeIn, caller: AdminDep, codes: InviteCodesDep) -> InviteCodeOut:
    """A single-use code for one citizen, in a city whose `signups` setting is `invite`."""
    code, invite_code = new_invite_code(codes, caller.tenant, caller.user_id, body.valid_days, datetime.now(UTC))
    return InviteCodeOut(code=code, expires_at=invite_code.expires_at)
