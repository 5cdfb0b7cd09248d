"""Audit entries: written in the same transaction as the change they describe."""

import uuid

from ecopulse.reports import HistoryEntry
from ecopulse.store.models import AuditItem, sort_stamp, tenant_key, utcnow
from ecopulse.timeline import COMMENTED

AUDIT_PREFIX = "AUDIT#"


def audit_entry(
    tenant: str,
    entity: str,
    entity_id: str,
    actor: str,
    action: str,
    old: str | None = None,
    new: str | None = None,
    reason: str | None = None,
) -> AuditItem:
    now = utcnow()
    return AuditItem(
        tenant_key(tenant, entity.upper(), entity_id),
        f"{AUDIT_PREFIX}{sort_stamp(now, uuid.uuid4().hex[:8])}",
        tenant=tenant,
        entity=entity,
        entity_id=entity_id,
        actor=actor,
        action=action,
        old=old,
        new=new,
        reason=reason,
        created_at=now,
    )


def history(tenant: str, entity: str, entity_id: str, limit: int = 100) -> list[HistoryEntry]:
    """The entity's trail of changes, oldest first (comments are in a report's timeline, ``ecopulse.timeline``)."""
    items = AuditItem.query(
        tenant_key(tenant, entity.upper(), entity_id),
        AuditItem.sk.startswith(AUDIT_PREFIX),
        AuditItem.action != COMMENTED,
        limit=limit,
    )
    return [HistoryEntry(item.created_at, item.actor, item.action, item.old, item.new, item.reason) for item in items]
