"""User profiles: created from the token on first contact, changed with optimistic locking."""

from pynamodb.exceptions import DoesNotExist, PutError

from ecopulse.store.models import UserItem, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import Page, paged


class UserNotFound(LookupError):
    pass


class UserRepository:
    def ensure(self, tenant: str, user_id: str, username: str, email: str | None, groups: list[str]) -> UserItem:
        """The profile of a signed-in caller, created on first contact; a concurrent first contact is harmless."""
        pk, sk = UserItem.keys(tenant, user_id)
        try:
            return UserItem.get(pk, sk, consistent_read=True)
        except DoesNotExist:
            pass
        now = utcnow()
        item = UserItem(
            pk,
            sk,
            tenant=tenant,
            user_id=user_id,
            username=username,
            email=email,
            groups=sorted(groups),
            gsi1pk=tenant_key(tenant, "USERS"),
            gsi1sk=sort_stamp(now, user_id),
            gsi2pk=tenant_key(tenant, "ADMINS") if "admin" in groups else None,
            gsi2sk=user_id if "admin" in groups else None,
            created_at=now,
        )
        try:
            item.save(condition=UserItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return UserItem.get(pk, sk, consistent_read=True)
        return item

    def get(self, tenant: str, user_id: str) -> UserItem:
        try:
            return UserItem.get(*UserItem.keys(tenant, user_id), consistent_read=True)
        except DoesNotExist as error:
            raise UserNotFound(user_id) from error

    def set_wallet(self, user: UserItem, wallet_address: str) -> UserItem:
        user.update(actions=[UserItem.wallet_address.set(wallet_address)])
        return user

    def set_profile(self, user: UserItem, display_name: str | None) -> UserItem:
        name = UserItem.display_name
        user.update(actions=[name.remove() if display_name is None else name.set(display_name)])
        return user

    def set_active(self, user: UserItem, active: bool) -> UserItem:
        user.update(actions=[UserItem.active.set(active)])
        return user

    def admins(self, tenant: str) -> list[UserItem]:
        """The tenant's active admins, from their own index partition: no read of every user."""
        return [user for user in UserItem.gsi2.query(tenant_key(tenant, "ADMINS")) if user.active]

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[UserItem]:
        return paged(UserItem.gsi1.query, tenant, ("USERS",), limit, cursor)
