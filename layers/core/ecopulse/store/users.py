"""User profiles: created from the token on first contact, changed with optimistic locking."""

from collections.abc import Collection, Sequence

from pynamodb.exceptions import DoesNotExist, PutError

from ecopulse.leaving import AccountDeleted
from ecopulse.paging import Page
from ecopulse.store.leaving import is_deleted
from ecopulse.store.models import UserItem, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.users import User, UserNotFound


def user_of(item: UserItem) -> User:
    return User(
        user_id=item.user_id,
        username=item.username,
        tenant=item.tenant,
        email=item.email,
        display_name=item.display_name,
        groups=tuple(str(group) for group in item.groups),
        active=bool(item.active),
        wallet_address=item.wallet_address,
        points=int(item.points or 0),
        balance_pending=float(item.balance_pending or 0),
        balance_minted=float(item.balance_minted or 0),
    )


class UserRepository:
    """The ``Users`` port on DynamoDB."""

    def ensure(self, tenant: str, user_id: str, username: str, email: str | None, groups: Sequence[str]) -> User:
        """A concurrent first contact is harmless: the one that loses reads what the other wrote. An erased
        account's token is refused rather than given a new profile (the record of the erasure is written before
        the profile is deleted)."""
        pk, sk = UserItem.keys(tenant, user_id)
        try:
            return user_of(UserItem.get(pk, sk, consistent_read=True))
        except DoesNotExist:
            pass
        if is_deleted(tenant, user_id):
            raise AccountDeleted(user_id)
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
            return user_of(UserItem.get(pk, sk, consistent_read=True))
        return user_of(item)

    def get(self, tenant: str, user_id: str) -> User:
        return user_of(self._item(tenant, user_id))

    def named(self, tenant: str, user_ids: Collection[str]) -> dict[str, User]:
        """One BatchGetItem per hundred ids (pynamodb splits the keys and asks again for any left unprocessed)."""
        keys = [UserItem.keys(tenant, user_id) for user_id in sorted(set(user_ids))]
        return {item.user_id: user_of(item) for item in UserItem.batch_get(keys)} if keys else {}

    def set_wallet(self, tenant: str, user_id: str, wallet_address: str) -> User:
        item = self._item(tenant, user_id)
        item.update(actions=[UserItem.wallet_address.set(wallet_address)])
        return user_of(item)

    def set_profile(self, tenant: str, user_id: str, display_name: str | None) -> User:
        item, name = self._item(tenant, user_id), UserItem.display_name
        item.update(actions=[name.remove() if display_name is None else name.set(display_name)])
        return user_of(item)

    def set_active(self, tenant: str, user_id: str, active: bool) -> User:
        item = self._item(tenant, user_id)
        item.update(actions=[UserItem.active.set(active)])
        return user_of(item)

    def set_groups(self, tenant: str, user_id: str, groups: Sequence[str]) -> User:
        item, admin = self._item(tenant, user_id), "admin" in groups
        item.update(
            actions=[
                UserItem.groups.set(sorted(groups)),
                UserItem.gsi2pk.set(tenant_key(tenant, "ADMINS")) if admin else UserItem.gsi2pk.remove(),
                UserItem.gsi2sk.set(user_id) if admin else UserItem.gsi2sk.remove(),
            ]
        )
        return user_of(item)

    def admins(self, tenant: str) -> list[User]:
        """The tenant's active admins, from their own index partition: no read of every user."""
        return [user_of(item) for item in UserItem.gsi2.query(tenant_key(tenant, "ADMINS")) if item.active]

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[User]:
        page: Page[UserItem] = paged(UserItem.gsi1.query, tenant, ("USERS",), limit, cursor)
        return Page([user_of(item) for item in page.items], page.cursor)

    @staticmethod
    def _item(tenant: str, user_id: str) -> UserItem:
        try:
            return UserItem.get(*UserItem.keys(tenant, user_id), consistent_read=True)
        except DoesNotExist as error:
            raise UserNotFound(user_id) from error
