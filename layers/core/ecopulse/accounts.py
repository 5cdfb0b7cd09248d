"""Who may join a city and in which role: citizens sign themselves up into a city that accepts them, staff are
invited by the city's admins, and the ID token carries the tenant and the role the profile records.

The Cognito user pool's triggers (``functions/user_pool``) and the accounts routes call these functions; the pool
is reached through the ``UserPool`` port (``ecopulse.user_pool.CognitoUserPool`` in AWS).

The profile is the record of a role and of an account's state; the pool follows it. A change writes the profile
at the point that leaves the account on the safe side if a later call fails: a role or an enabled account is
recorded in the profile last, a disabled account first. Every step is idempotent, so the admin repeats the same
request after a failure, and the token trigger reads the profile, so no token carries a role or an account the
profile does not.
"""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ecopulse.tenants import SignupMode
from ecopulse.users import AccountDisabled, User, UserNotFound, Users, check_status_change

INVITE_CODE_BYTES = 8


class Role(StrEnum):
    """One role per account; it is the account's only group in the pool and in the token."""

    CITIZEN = "citizen"
    DRIVER = "driver"
    ADMIN = "admin"
    SPONSOR = "sponsor"
    """An organisation that buys the city's impact credits; invited by an admin, it sees only its own requests."""


STAFF_ROLES = (Role.DRIVER, Role.ADMIN)


class SignUpRefused(Exception):
    """A self sign-up the city does not take; the message is what the app shows."""


class UnknownCity(SignUpRefused):
    pass


class ClosedToSignups(SignUpRefused):
    pass


class InvalidInviteCode(SignUpRefused):
    pass


class NoCity(Exception):
    """An account made without a city: it could sign in and do nothing."""


class SelfRoleChange(Exception):
    """An admin changing their own role: the last admin would lock the city out of its administration."""


class InvalidAddress(ValueError):
    """The user pool does not take the address as an e-mail address."""


class AlreadyMember(Exception):
    """The address has an account already: in another city, or in this one (whose role an admin changes instead)."""


@dataclass(frozen=True)
class City:
    tenant: str
    name: str
    signups: SignupMode


@dataclass(frozen=True)
class InviteCode:
    tenant: str
    code_hash: str
    expires_at: datetime
    used_by: str | None


@dataclass(frozen=True)
class PoolAccount:
    """An account of the user pool: ``user_id`` is its ``sub``, ``username`` what the pool calls it."""

    user_id: str
    username: str
    tenant: str | None
    invitation_pending: bool


class CityDirectory(Protocol):
    def city(self, tenant: str) -> City | None:
        """The city, or None when no tenant of that name was ever set up."""
        ...

    def open_cities(self) -> list[City]:
        """The cities that take sign-ups (open or by invitation), by name, read without a scan."""
        ...


class InviteCodes(Protocol):
    def add(self, code: InviteCode, created_by: str) -> None: ...

    def find(self, tenant: str, code_hash: str) -> InviteCode | None: ...

    def spend(self, tenant: str, code_hash: str, username: str) -> bool:
        """Marks the code used by ``username`` unless someone else used it first; False when they had."""
        ...


class UserPool(Protocol):
    def invite(self, tenant: str, email: str) -> PoolAccount:
        """Creates the account and has the pool e-mail its invitation; an existing account is returned as it is."""
        ...

    def resend_invitation(self, email: str) -> None: ...

    def set_groups(self, username: str, groups: Sequence[str]) -> None:
        """Makes ``groups`` the account's groups, adding and removing only what differs."""
        ...

    def disable(self, username: str) -> None:
        """No more sign-in, and every refresh token revoked (a global sign-out)."""
        ...

    def enable(self, username: str) -> None: ...


def hash_invite_code(code: str) -> str:
    """Codes are kept hashed: a leaked item does not leak a code someone could still use."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def check_sign_up(
    directory: CityDirectory,
    codes: InviteCodes,
    tenant: str | None,
    username: str,
    invite_code: str | None,
    now: datetime,
) -> City:
    """A citizen signing up into ``tenant``: the city exists and is open, or takes invitations and ``invite_code``
    is one of its codes, unexpired and unused (or used by this same sign-up, retried). The code is spent here."""
    if not tenant:
        raise UnknownCity("choose the city you are joining")
    city = directory.city(tenant)
    if city is None:
        raise UnknownCity(f"there is no city {tenant!r} on EcoPulse")
    if city.signups == "open":
        return city
    if city.signups == "closed":
        raise ClosedToSignups(f"{city.name} does not take sign-ups yet")
    if not invite_code:
        raise InvalidInviteCode(f"{city.name} takes sign-ups by invitation: enter your invite code")
    code_hash = hash_invite_code(invite_code)
    code = codes.find(tenant, code_hash)
    if code is None or code.expires_at <= now:
        raise InvalidInviteCode("this invite code is not valid")
    if code.used_by not in (None, username) or not codes.spend(tenant, code_hash, username):
        raise InvalidInviteCode("this invite code has been used")
    return city


def check_staff_account(tenant: str | None) -> str:
    """An account an admin or operator creates must name its city."""
    if not tenant:
        raise NoCity("an account needs the custom:tenant attribute")
    return tenant


def admit_citizen(users: Users, pool: UserPool, tenant: str, user_id: str, username: str, email: str | None) -> User:
    """A confirmed self sign-up becomes a citizen: in the pool's group, and with a profile from now on."""
    pool.set_groups(username, [Role.CITIZEN])
    return users.ensure(tenant, user_id, username, email, [Role.CITIZEN])


@dataclass(frozen=True)
class TokenClaims:
    tenant: str
    groups: tuple[str, ...]


def token_claims(
    users: Users, tenant: str | None, user_id: str, username: str, email: str | None, pool_groups: Sequence[str]
) -> TokenClaims:
    """What the ID token says: the tenant, and the profile's groups. A profile missing (a confirmation whose
    trigger failed, an account an operator made) is created from the pool's groups, as on any first contact; a
    disabled account gets no token at all."""
    city = check_staff_account(tenant)
    profile = users.ensure(city, user_id, username, email, list(pool_groups))
    if not profile.active:
        raise AccountDisabled(user_id)
    return TokenClaims(city, profile.groups)


def invite_staff(users: Users, pool: UserPool, tenant: str, email: str, role: Role) -> User:
    """Creates a driver's, admin's or sponsor's account in the admin's city; the pool e-mails the invitation.

    Inviting the same address again while the invitation is pending sends it again and completes whatever a
    failure left undone; an address with an account of its own, or in another city, is refused.
    """
    account = pool.invite(tenant, email)
    if account.tenant != tenant:
        raise AlreadyMember(email)
    existing = _profile(users, tenant, account.user_id)
    if existing is not None and not account.invitation_pending:
        raise AlreadyMember(email)
    if existing is not None:
        pool.resend_invitation(email)
    profile = users.ensure(tenant, account.user_id, account.username, email, [role])
    if profile.groups != (role,):
        profile = users.set_groups(tenant, account.user_id, [role])
    pool.set_groups(account.username, [role])
    return profile


def change_role(users: Users, pool: UserPool, tenant: str, admin_id: str, user_id: str, role: Role) -> User:
    """The pool's group changes first, then the profile, which the token trigger reads: a failure in between
    leaves the old role in every new token until the admin repeats the change."""
    if user_id == admin_id:
        raise SelfRoleChange(f"{admin_id} cannot change their own role")
    profile = users.get(tenant, user_id)
    pool.set_groups(profile.username, [role])
    return users.set_groups(tenant, user_id, [role])


def set_account_active(users: Users, pool: UserPool, tenant: str, admin_id: str, user_id: str, active: bool) -> User:
    """Disabling writes the profile first, which every write route checks, then disables the account in the pool
    and signs it out everywhere; enabling goes the other way. A failure in between leaves the account disabled."""
    check_status_change(admin_id, user_id, active)
    profile = users.get(tenant, user_id)
    if active:
        pool.enable(profile.username)
        return users.set_active(tenant, user_id, True)
    disabled = users.set_active(tenant, user_id, False)
    pool.disable(profile.username)
    return disabled


def new_invite_code(codes: InviteCodes, tenant: str, admin_id: str, days: int, now: datetime) -> tuple[str, InviteCode]:
    """A single-use code for one citizen of a city that takes sign-ups by invitation; only its hash is kept."""
    code = secrets.token_hex(INVITE_CODE_BYTES).upper()
    invite = InviteCode(tenant, hash_invite_code(code), now + timedelta(days=days), None)
    codes.add(invite, admin_id)
    return code, invite


def _profile(users: Users, tenant: str, user_id: str) -> User | None:
    try:
        return users.get(tenant, user_id)
    except UserNotFound:
        return None
