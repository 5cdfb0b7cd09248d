"""Tenant settings, with defaults for a tenant that has not saved any yet; and the directory of the cities that
take sign-ups, kept on their settings items (``ecopulse.accounts.CityDirectory``)."""

from pynamodb.exceptions import DoesNotExist

from ecopulse.accounts import City
from ecopulse.store.models import SIGNUP_DIRECTORY, TenantItem
from ecopulse.tenants import TenantSettings


def city_of(item: TenantItem) -> City:
    return City(item.tenant, item.name, TenantSettings.model_validate(item.settings.as_dict()).signups)


class TenantRepository:
    """The ``Tenants`` port on DynamoDB."""

    def settings(self, tenant: str) -> TenantSettings:
        try:
            item = TenantItem.get(*TenantItem.keys(tenant))
        except DoesNotExist:
            return TenantSettings(display_name=tenant)
        return TenantSettings.model_validate(item.settings.as_dict())

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings:
        pk, sk = TenantItem.keys(tenant)
        try:
            item = TenantItem.get(pk, sk)
        except DoesNotExist:
            item = TenantItem(pk, sk, tenant=tenant, name=settings.display_name or tenant)
        item.settings = settings.model_dump(mode="json")
        item.name = settings.display_name or tenant
        listed = settings.signups != "closed"
        item.gsi1pk = SIGNUP_DIRECTORY if listed else None
        item.gsi1sk = tenant if listed else None
        item.save()
        return settings

    def city(self, tenant: str) -> City | None:
        """A tenant exists once its settings have been saved."""
        try:
            return city_of(TenantItem.get(*TenantItem.keys(tenant)))
        except DoesNotExist:
            return None

    def open_cities(self) -> list[City]:
        """One query of the directory's partition: closed cities are not in it."""
        return sorted((city_of(item) for item in TenantItem.gsi1.query(SIGNUP_DIRECTORY)), key=lambda c: c.name)
