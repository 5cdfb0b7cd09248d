"""The minter key's send lease: one mint invocation at a time sends and settles transactions from the key.

Two senders of one key read the same nonce and knock each other's transactions out (docs/chain.md). The mint
function's reserved concurrency of 1 keeps it to one sender; where the account cannot reserve concurrency, FIFO
message groups of many cities let Lambda run several invocations at once, and this lease keeps their sends apart.
It expires by itself when its holder's invocation ends, so a crashed holder holds nobody back for long.
"""

import time
from collections.abc import Callable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError

from ecopulse.store.models import _Item

NO_TENANT = "*"


class SendLeaseItem(_Item):
    owner = UnicodeAttribute()
    expires_at = NumberAttribute()
    """Seconds since the epoch."""

    @staticmethod
    def keys(address: str) -> tuple[str, str]:
        return f"MINTER#{address}", "SEND_LEASE"


class DynamoDBSendLease:
    def __init__(self, address: str, clock: Callable[[], float] = time.time) -> None:
        self._keys = SendLeaseItem.keys(address)
        self._clock = clock

    def acquire(self, owner: str, expires_at: float) -> bool:
        """Takes the lease until ``expires_at`` unless another owner holds it unexpired; the holder may renew it."""
        item = SendLeaseItem(*self._keys, tenant=NO_TENANT, owner=owner, expires_at=expires_at)
        free = SendLeaseItem.pk.does_not_exist() | (SendLeaseItem.expires_at < self._clock())
        try:
            item.save(condition=free | (SendLeaseItem.owner == owner))
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, owner: str) -> None:
        """Ends the lease now, if ``owner`` still holds it."""
        try:
            SendLeaseItem(*self._keys).update(
                actions=[SendLeaseItem.expires_at.set(0)], condition=SendLeaseItem.owner == owner
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
