"""Invite codes on DynamoDB (``ecopulse.accounts.InviteCodes``): one item per code, by its hash; spent by a
conditional update, so of two sign-ups racing with one code exactly one gets it. Expired codes are removed by the
table's TTL."""

from pynamodb.exceptions import DoesNotExist, UpdateError

from ecopulse.accounts import InviteCode
from ecopulse.store.models import InviteCodeItem, utcnow


class InviteCodeRepository:
    def add(self, code: InviteCode, created_by: str) -> None:
        pk, sk = InviteCodeItem.keys(code.tenant, code.code_hash)
        item = InviteCodeItem(pk, sk, tenant=code.tenant, created_by=created_by, expires_at=code.expires_at)
        item.save(condition=InviteCodeItem.pk.does_not_exist())

    def find(self, tenant: str, code_hash: str) -> InviteCode | None:
        try:
            item = InviteCodeItem.get(*InviteCodeItem.keys(tenant, code_hash), consistent_read=True)
        except DoesNotExist:
            return None
        return InviteCode(tenant, code_hash, item.expires_at, item.used_by)

    def spend(self, tenant: str, code_hash: str, username: str) -> bool:
        item = InviteCodeItem(*InviteCodeItem.keys(tenant, code_hash))
        unused_or_ours = InviteCodeItem.used_by.does_not_exist() | (InviteCodeItem.used_by == username)
        try:
            item.update(
                actions=[InviteCodeItem.used_by.set(username), InviteCodeItem.used_at.set(utcnow())],
                condition=InviteCodeItem.pk.exists() & unused_or_ours,
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
