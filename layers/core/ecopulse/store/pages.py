"""Cursor pagination: DynamoDB's LastEvaluatedKey handed to the client as an opaque string."""

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from ecopulse.paging import InvalidCursor, Page
from ecopulse.store.models import tenant_key


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_evaluated_key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str | None, tenant: str) -> dict[str, Any] | None:
    """The key must name an item of the caller's tenant: a cursor cannot lead anywhere else."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor("cursor is not valid") from error
    if not isinstance(key, dict) or not all(isinstance(value, dict) for value in key.values()):
        raise InvalidCursor("cursor is not valid")
    own, any_tenant = f"TENANT#{tenant}", "TENANT#"
    tenant_values = [v.get("S", "") for v in key.values() if str(v.get("S", "")).startswith(any_tenant)]
    if not tenant_values or not all(v == own or v.startswith(own + "#") for v in tenant_values):
        raise InvalidCursor("cursor is not valid")
    return key


def paged[T](
    query: Callable[..., Any],
    tenant: str,
    parts: tuple[str, ...],
    limit: int,
    cursor: str | None,
    condition: Any = None,
    newest_first: bool = False,
) -> Page[T]:
    """One page of a query on the tenant's partition named by ``parts``, resumed from the client's cursor."""
    results = query(
        tenant_key(tenant, *parts),
        condition,
        scan_index_forward=not newest_first,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, tenant),
    )
    return page_of(results, limit)


def page_of[T](results: Any, limit: int) -> Page[T]:
    """Reads at most ``limit`` items of a pynamodb result iterator and the key to continue from."""
    items = []
    for item in results:
        items.append(item)
        if len(items) == limit:
            break
    return Page(items, encode_cursor(results.last_evaluated_key if len(items) == limit else None))
