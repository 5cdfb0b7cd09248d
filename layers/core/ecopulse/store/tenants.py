"""Tenant settings, with defaults for a tenant that has not saved any yet, and their versioned history; and the
directory of the cities that take sign-ups, kept on their settings items (``ecopulse.accounts.CityDirectory``)."""

import json

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ecopulse.accounts import City
from ecopulse.paging import Page
from ecopulse.settings_history import SettingChange, SettingsChanged, SettingsVersion
from ecopulse.store.models import SETTINGS_VERSION_PREFIX, SIGNUP_DIRECTORY, SettingsVersionItem, TenantItem
from ecopulse.store.pages import paged
from ecopulse.store.transactions import failed_on_condition, transact
from ecopulse.tenants import TenantSettings


def settings_version_of(item: SettingsVersionItem) -> SettingsVersion:
    changes = tuple(SettingChange(**change) for change in json.loads(item.changes))
    return SettingsVersion(int(item.version), item.changed_by, item.created_at, changes)


def city_of(item: TenantItem) -> City:
    return City(item.tenant, item.name, TenantSettings.model_validate(item.settings.as_dict()).signups)


def _list_in_directory(item: TenantItem, tenant: str, settings: TenantSettings) -> None:
    """A city that takes sign-ups is listed in the directory's index partition; a closed one leaves it."""
    listed = settings.signups != "closed"
    item.gsi1pk = SIGNUP_DIRECTORY if listed else None
    item.gsi1sk = tenant if listed else None


class TenantRepository:
    """The ``Tenants`` and ``VersionedSettings`` ports on DynamoDB."""

    def settings(self, tenant: str) -> TenantSettings:
        return self._read(tenant, consistent=False)[0]

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings:
        pk, sk = TenantItem.keys(tenant)
        try:
            item = TenantItem.get(pk, sk)
        except DoesNotExist:
            item = TenantItem(pk, sk, tenant=tenant, name=settings.display_name or tenant)
        item.settings = settings.model_dump(mode="json")
        item.name = settings.display_name or tenant
        _list_in_directory(item, tenant, settings)
        item.save()
        return settings

    def current(self, tenant: str) -> tuple[TenantSettings, int]:
        return self._read(tenant, consistent=True)

    @staticmethod
    def _read(tenant: str, consistent: bool) -> tuple[TenantSettings, int]:
        try:
            item = TenantItem.get(*TenantItem.keys(tenant), consistent_read=consistent)
        except DoesNotExist:
            return TenantSettings(display_name=tenant), 0
        return TenantSettings.model_validate(item.settings.as_dict()), int(item.version or 0)

    def commit(self, tenant: str, settings: TenantSettings, change: SettingsVersion) -> None:
        """The settings item carries the version: saving it at ``change.version - 1`` (or as a new item) is
        pynamodb's version condition, and the history entry goes in the same transaction."""
        pk, sk = TenantItem.keys(tenant)
        item = TenantItem(pk, sk, tenant=tenant, name=settings.display_name or tenant)
        item.settings = settings.model_dump(mode="json")
        _list_in_directory(item, tenant, settings)
        if change.version > 1:
            item.version = change.version - 1
        entry = SettingsVersionItem(
            *SettingsVersionItem.keys(tenant, change.version),
            tenant=tenant,
            version=change.version,
            changed_by=change.changed_by,
            changes=json.dumps([vars(setting) for setting in change.changes]),
            created_at=change.changed_at,
        )

        def write(transaction: TransactWrite) -> None:
            transaction.save(item)
            transaction.save(entry, condition=SettingsVersionItem.sk.does_not_exist())

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            raise SettingsChanged(self.current(tenant)[1]) from error

    def history(self, tenant: str, limit: int, cursor: str | None) -> Page[SettingsVersion]:
        page: Page[SettingsVersionItem] = paged(
            SettingsVersionItem.query,
            tenant,
            (),
            limit,
            cursor,
            condition=SettingsVersionItem.sk.startswith(SETTINGS_VERSION_PREFIX),
            newest_first=True,
        )
        return Page([settings_version_of(item) for item in page.items], page.cursor)

    def city(self, tenant: str) -> City | None:
        """A tenant exists once its settings have been saved."""
        try:
            return city_of(TenantItem.get(*TenantItem.keys(tenant)))
        except DoesNotExist:
            return None

    def open_cities(self) -> list[City]:
        """One query of the directory's partition: closed cities are not in it."""
        return sorted((city_of(item) for item in TenantItem.gsi1.query(SIGNUP_DIRECTORY)), key=lambda c: c.name)
