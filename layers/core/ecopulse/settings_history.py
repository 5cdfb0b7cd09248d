"""Every change to a city's settings, kept: who changed which setting, from what to what, and when. Versions are
numbered and each is written only over the one it was made from, so two admins saving at once cannot both build on
the same version: one is saved, the other is told to read the settings again. ``ecopulse.store.tenants`` is the
DynamoDB adapter."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ecopulse.paging import Page
from ecopulse.tenants import TenantSettings, check_policy
from ecopulse.users import User, Users


@dataclass(frozen=True)
class SettingChange:
    setting: str
    before: Any
    after: Any


@dataclass(frozen=True)
class SettingsVersion:
    version: int
    changed_by: str
    changed_at: datetime
    changes: tuple[SettingChange, ...]


class SettingsChanged(Exception):
    """The settings are no longer at the version the caller read (another admin saved meanwhile)."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"the settings are at version {current_version}")
        self.details = [{"version": current_version}]


class VersionedSettings(Protocol):
    def current(self, tenant: str) -> tuple[TenantSettings, int]:
        """The city's settings and their version: 0 for a city that never saved any (it has the defaults)."""
        ...

    def commit(self, tenant: str, settings: TenantSettings, change: SettingsVersion) -> None:
        """Saves ``settings`` as ``change.version`` with ``change`` in the history, in one write that holds only
        while the stored version is still the one before; otherwise ``SettingsChanged``."""
        ...

    def history(self, tenant: str, limit: int, cursor: str | None) -> Page[SettingsVersion]:
        """The city's changes, newest first."""
        ...


def differences(before: TenantSettings, after: TenantSettings) -> tuple[SettingChange, ...]:
    """The settings whose values differ, each with its value before and after, as the API shows them."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return tuple(SettingChange(name, old.get(name), value) for name, value in new.items() if old.get(name) != value)


def change_settings(
    store: VersionedSettings,
    tenant: str,
    settings: TenantSettings,
    actor: str,
    now: datetime,
    expected_version: int | None = None,
) -> tuple[TenantSettings, int]:
    """Saves the city's new settings as a new version with what changed; saving the settings as they are changes
    nothing and adds no version, except the first save, which creates the city (the sign-up directory knows a city
    once it has saved settings). ``expected_version`` (the version the admin read) refuses to save over a change
    made since; without it, the write still refuses to interleave with another one."""
    check_policy(settings)
    current, version = store.current(tenant)
    if expected_version is not None and expected_version != version:
        raise SettingsChanged(version)
    changes = differences(current, settings)
    if not changes and version > 0:
        return current, version
    store.commit(tenant, settings, SettingsVersion(version + 1, actor, now, changes))
    return settings, version + 1


def history_with_authors(
    store: VersionedSettings, users: Users, tenant: str, limit: int, cursor: str | None
) -> tuple[Page[SettingsVersion], dict[str, User]]:
    """A page of the city's changes and the profiles of the admins who made them, read together in one batch (the
    history keeps only ids, and an admin's name or e-mail may change); an erased admin has no profile."""
    page = store.history(tenant, limit, cursor)
    return page, users.named(tenant, {version.changed_by for version in page.items})
