"""Independent reads sent together, so that a handler waits for one answer instead of one after another: the
nearby search's cells, the photo index's bands, the Open311 list's statuses. DynamoDB bills each call the same
either way; only the wait shrinks."""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from pynamodb.models import Model

# pynamodb keeps 10 connections (its max_pool_connections setting): more threads would open connections only to
# throw them away.
MOST_AT_ONCE = 10


def read_at_once[T](model: type[Model], reads: Sequence[Callable[[], T]]) -> list[T]:
    """The result of each read, in the order given. Each read must finish its work (a query read to its end), as
    it runs in a thread of its own. The model's client is made here first: pynamodb makes it on first use, and
    threads racing for it would each make one."""
    if len(reads) <= 1:
        return [read() for read in reads]
    _ = model._get_connection().connection.client
    with ThreadPoolExecutor(min(len(reads), MOST_AT_ONCE), thread_name_prefix="dynamodb-read") as pool:
        return list(pool.map(lambda read: read(), reads))
