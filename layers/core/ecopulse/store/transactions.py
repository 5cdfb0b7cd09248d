"""Transactions that retry when another transaction touched the same item (shared counters do)."""

import random
import time
from collections.abc import Callable

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ecopulse.store.models import _Item

MAX_ATTEMPTS = 6


def conflicted(error: TransactWriteError) -> bool:
    return any(reason and reason.code == "TransactionConflict" for reason in error.cancellation_reasons or [])


class ConcurrentChange(Exception):
    """Another request changed the same items between our read and our write."""


def failed_on_condition(error: TransactWriteError) -> bool:
    """Whether a write's condition failed (the reasons come in pynamodb's order, not the caller's, so the
    caller re-reads to tell which rule was broken)."""
    return any(reason and reason.code == "ConditionalCheckFailed" for reason in error.cancellation_reasons or [])


def transact(write: Callable[[TransactWrite], None]) -> None:
    """Runs ``write`` in a transaction, again after a conflict, with a short jittered back-off."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with TransactWrite(connection=_Item._get_connection().connection) as transaction:
                write(transaction)
            return
        except TransactWriteError as error:
            if not conflicted(error) or attempt == MAX_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, 0.02 * 2**attempt))  # nosec B311  # retry jitter, not a secret
