"""The people of a city: their profile, the ``Users`` port that stores it, and the rules that hold whatever
stores them. ``ecopulse.store.users.UserRepository`` is the DynamoDB adapter."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from ecopulse.community import LedgerEntry
from ecopulse.paging import Page


class UserNotFound(LookupError):
    pass


class AccountDisabled(Exception):
    """The city has disabled the account: its token is still valid, but it may do nothing with it."""


class StaleRole(Exception):
    """The token names a role the profile no longer has: an admin changed it since the token was issued."""


class SelfDisable(Exception):
    """An admin disabling their own account would lock the city out of its own administration."""


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    tenant: str
    email: str | None
    display_name: str | None
    groups: tuple[str, ...]
    active: bool
    wallet_address: str | None
    points: int
    balance_pending: float
    balance_minted: float


class Users(Protocol):
    def ensure(self, tenant: str, user_id: str, username: str, email: str | None, groups: Sequence[str]) -> User:
        """The profile of a signed-in caller, created from the token's claims on first contact."""
        ...

    def get(self, tenant: str, user_id: str) -> User: ...

    def named(self, tenant: str, user_ids: Collection[str]) -> dict[str, User]:
        """The profiles of these users the city has, by id, in batched reads (not one read each); an id it does not
        have (an erased account) is left out."""
        ...

    def admins(self, tenant: str) -> list[User]:
        """The tenant's active admins."""
        ...

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[User]: ...

    def set_wallet(self, tenant: str, user_id: str, wallet_address: str) -> User: ...

    def set_profile(self, tenant: str, user_id: str, display_name: str | None) -> User: ...

    def set_active(self, tenant: str, user_id: str, active: bool) -> User: ...

    def set_groups(self, tenant: str, user_id: str, groups: Sequence[str]) -> User:
        """The account's role, as its groups; an admin is listed among the tenant's admins."""
        ...


def check_status_change(admin_id: str, user_id: str, active: bool) -> None:
    """An admin may disable anyone but themselves."""
    if user_id == admin_id and not active:
        raise SelfDisable(f"{admin_id} cannot disable their own account")


class UnpaidRewards(Protocol):
    def unpaid(self, tenant: str, user_id: str) -> list[LedgerEntry]:
        """Rewards granted but not paid yet: waiting for a wallet, or for a failed mint to be retried."""
        ...


class RewardQueue(Protocol):
    def enqueue(self, tenant: str, user_id: str, submission_id: str, wallet: str, amount: int) -> None:
        """Asks the minter to pay one reward to ``wallet``; a reward is paid once however often it is asked."""
        ...


def signed_in(users: Users, tenant: str, user_id: str, username: str, email: str | None, groups: Sequence[str]) -> User:
    """The caller's profile, created from the token's claims on first contact. A disabled account is refused
    everything, although its token stays valid until it expires; so is a token naming a role the profile no longer
    has (an admin demoted since it was issued), until its holder signs in again."""
    profile = users.ensure(tenant, user_id, username, email, groups)
    if not profile.active:
        raise AccountDisabled(user_id)
    if not set(groups) <= set(profile.groups):
        raise StaleRole(user_id)
    return profile


def change_wallet(users: Users, rewards: UnpaidRewards, queue: RewardQueue, profile: User, address: str) -> User:
    """Rewards earned while there was no wallet (or whose mint failed) are paid to the new one."""
    changed = users.set_wallet(profile.tenant, profile.user_id, address)
    for reward in rewards.unpaid(profile.tenant, profile.user_id):
        queue.enqueue(profile.tenant, profile.user_id, reward.submission_id, address, reward.amount)
    return changed
