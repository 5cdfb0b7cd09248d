"""Tenant settings, with defaults for a tenant that has not saved any yet."""

from pynamodb.exceptions import DoesNotExist

from ecopulse.store.models import TenantItem
from ecopulse.tenants import TenantSettings


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
        item.save()
        return settings
