"""Cursor pagination: DynamoDB's LastEvaluatedKey handed to the client sealed (``ecopulse.paging``), for the one
listing it continues."""

from collections.abc import Callable
from typing import Any

from ecopulse.cursor_secret import cursor_sealer
from ecopulse.paging import InvalidCursor, Page
from ecopulse.store.models import tenant_key


def listing_scope(query: Callable[..., Any], partition: str) -> str:
    """What a cursor is bound to: the partition it pages (which names the tenant and the list) and the table or
    index queried."""
    index = getattr(getattr(query, "__self__", None), "Meta", None)
    return f"{getattr(index, 'index_name', 'table')}|{partition}"


def own_tenant(key: dict[str, Any], tenant: str) -> dict[str, Any]:
    """Besides its seal, the key must name an item of the caller's tenant: a cursor cannot lead anywhere else."""
    own = f"TENANT#{tenant}"
    tenant_values = [v.get("S", "") for v in key.values() if str(v.get("S", "")).startswith("TENANT#")]
    if not tenant_values or not all(v == own or v.startswith(own + "#") for v in tenant_values):
        raise InvalidCursor("the cursor is not for this city")
    return key


def paged[T](
    query: Callable[..., Any],
    tenant: str,
    parts: tuple[str, ...],
    limit: int,
    cursor: str | None,
    condition: Any = None,
    newest_first: bool = False,
    filter_condition: Any = None,
) -> Page[T]:
    """One page of a query on the tenant's partition named by ``parts``, resumed from the client's cursor; items
    the ``filter_condition`` leaves out do not count towards ``limit``."""
    partition = tenant_key(tenant, *parts)
    scope = listing_scope(query, partition)
    start = cursor_sealer().open(cursor, scope) if cursor else None
    filtered = {} if filter_condition is None else {"filter_condition": filter_condition}
    results = query(
        partition,
        condition,
        scan_index_forward=not newest_first,
        limit=limit,
        last_evaluated_key=None if start is None else own_tenant(start, tenant),
        **filtered,
    )
    items = []
    for item in results:
        items.append(item)
        if len(items) == limit:
            break
    last = results.last_evaluated_key if len(items) == limit else None
    return Page(items, cursor_sealer().seal(last, scope) if last else None)
