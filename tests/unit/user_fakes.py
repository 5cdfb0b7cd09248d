"""In-memory stand-ins for the people ports: profiles (``Users``), the Cognito user pool (``UserPool``), the
directory of cities (``CityDirectory``) and invite codes (``InviteCodes``)."""

from collections.abc import Collection, Sequence
from dataclasses import replace

from ecopulse.accounts import City, InviteCode, PoolAccount
from ecopulse.paging import Page
from ecopulse.users import User, UserNotFound


class MemoryUsers:
    """The ``Users`` port in memory, per tenant."""

    def __init__(self) -> None:
        self.users: dict[tuple[str, str], User] = {}

    def ensure(self, tenant: str, user_id: str, username: str, email: str | None, groups: Sequence[str]) -> User:
        key = (tenant, user_id)
        if key not in self.users:
            self.users[key] = User(user_id, username, tenant, email, None, tuple(sorted(groups)), True, None, 0, 0, 0)
        return self.users[key]

    def get(self, tenant: str, user_id: str) -> User:
        try:
            return self.users[(tenant, user_id)]
        except KeyError as error:
            raise UserNotFound(user_id) from error

    def named(self, tenant: str, user_ids: Collection[str]) -> dict[str, User]:
        return {user_id: self.users[(tenant, user_id)] for user_id in user_ids if (tenant, user_id) in self.users}

    def admins(self, tenant: str) -> list[User]:
        return [user for user in self.list(tenant, 100, None).items if "admin" in user.groups and user.active]

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[User]:
        return Page([user for (owner, _), user in sorted(self.users.items()) if owner == tenant][:limit], None)

    def _change(self, tenant: str, user_id: str, **changes: object) -> User:
        changed = replace(self.get(tenant, user_id), **changes)
        self.users[(tenant, user_id)] = changed
        return changed

    def set_wallet(self, tenant: str, user_id: str, wallet_address: str) -> User:
        return self._change(tenant, user_id, wallet_address=wallet_address)

    def set_profile(self, tenant: str, user_id: str, display_name: str | None) -> User:
        return self._change(tenant, user_id, display_name=display_name)

    def set_active(self, tenant: str, user_id: str, active: bool) -> User:
        return self._change(tenant, user_id, active=active)

    def set_groups(self, tenant: str, user_id: str, groups: Sequence[str]) -> User:
        return self._change(tenant, user_id, groups=tuple(sorted(groups)))


class PoolDown(Exception):
    """The user pool failed a call."""


class MemoryUserPool:
    """Accounts by e-mail address: their city, groups, state and the invitations sent; ``failing`` names the
    operations that raise."""

    def __init__(self, failing: Sequence[str] = ()) -> None:
        self.accounts: dict[str, PoolAccount] = {}
        self.groups: dict[str, list[str]] = {}
        self.enabled: dict[str, bool] = {}
        self.signed_out: list[str] = []
        self.invitations: list[str] = []
        self.failing = set(failing)

    def _call(self, operation: str) -> None:
        if operation in self.failing:
            raise PoolDown(operation)

    def add(self, email: str, tenant: str | None, invitation_pending: bool = False) -> PoolAccount:
        account = PoolAccount(f"sub-{email}", email, tenant, invitation_pending)
        self.accounts[email] = account
        self.enabled[email] = True
        return account

    def invite(self, tenant: str, email: str) -> PoolAccount:
        self._call("invite")
        if email in self.accounts:
            return self.accounts[email]
        self.invitations.append(email)
        return self.add(email, tenant, invitation_pending=True)

    def resend_invitation(self, email: str) -> None:
        self._call("resend_invitation")
        self.invitations.append(email)

    def set_groups(self, username: str, groups: Sequence[str]) -> None:
        self._call("set_groups")
        self.groups[username] = sorted(groups)

    def disable(self, username: str) -> None:
        self._call("disable")
        self.enabled[username] = False
        self.signed_out.append(username)

    def enable(self, username: str) -> None:
        self._call("enable")
        self.enabled[username] = True


class MemoryCities:
    """The ``CityDirectory``: cities by tenant."""

    def __init__(self, *cities: City) -> None:
        self.cities = {city.tenant: city for city in cities}

    def city(self, tenant: str) -> City | None:
        return self.cities.get(tenant)

    def open_cities(self) -> list[City]:
        return sorted((city for city in self.cities.values() if city.signups != "closed"), key=lambda c: c.name)


class MemoryInviteCodes:
    """``InviteCodes`` by (tenant, hash); spending is first come, first served."""

    def __init__(self) -> None:
        self.codes: dict[tuple[str, str], InviteCode] = {}
        self.created_by: dict[tuple[str, str], str] = {}

    def add(self, code: InviteCode, created_by: str) -> None:
        self.codes[(code.tenant, code.code_hash)] = code
        self.created_by[(code.tenant, code.code_hash)] = created_by

    def find(self, tenant: str, code_hash: str) -> InviteCode | None:
        return self.codes.get((tenant, code_hash))

    def spend(self, tenant: str, code_hash: str, username: str) -> bool:
        code = self.codes.get((tenant, code_hash))
        if code is None or code.used_by not in (None, username):
            return False
        self.codes[(tenant, code_hash)] = replace(code, used_by=username)
        return True
