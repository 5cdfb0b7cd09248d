"""The ``Aggregates`` port on DynamoDB, written by the stream's aggregator only: each change adds to its day's, its
zone's and the all-time counters, its heat cell, the tenant lists and the tenant's tally of review labels, in one
transaction with a marker of the stream record, so a record delivered again adds nothing. Requests never write
these items (``ecopulse.aggregates``).
"""

from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.attributes import TTLAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ecopulse.aggregates import Change, Counted, Kind, Listing, moment_of
from ecopulse.store.models import HeatCellItem, StatsItem, _Item, tenant_key, utcnow
from ecopulse.store.review_labels import LABELLED_TENANTS, LabelTallyItem
from ecopulse.store.transactions import failed_on_condition, transact

TOTAL = "TOTAL"
REPORTED_TENANTS = "REPORTED_TENANTS"
REWARDED_TENANTS = "REWARDED_TENANTS"
# A stream keeps its records 24 hours: a marker outlives any redelivery of its record, then DynamoDB's TTL drops it.
MARKER_KEPT = timedelta(days=2)


def day_of(moment: datetime | date) -> str:
    return moment.strftime("%Y-%m-%d")


class ListedTenantItem(_Item):
    """A tenant's entry in a list of tenants (its gsi1 keys), found by Query: the forecasts' tenants with reports
    (``sk=REPORTED``), the reconcile's tenants with a ledger (``sk=REWARDED``)."""

    @staticmethod
    def keys(tenant: str, listing: Listing) -> tuple[str, str]:
        return tenant_key(tenant), listing.value.upper()


LISTS = {Listing.REPORTED: REPORTED_TENANTS, Listing.REWARDED: REWARDED_TENANTS}


class AggregatedItem(_Item):
    """The marker of a stream record whose change was added, kept until the stream cannot deliver it again."""

    expires_at = TTLAttribute()

    @staticmethod
    def keys(tenant: str, change_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "AGGREGATED", change_id), "AGGREGATED"


def listed_tenants(listing: Listing) -> list[str]:
    return [item.gsi1sk for item in ListedTenantItem.gsi1.query(LISTS[listing])]


class AggregateRepository:
    def add(self, change_id: str, counted: Counted) -> bool:
        tenant = counted.tenant
        now = utcnow()
        marker = AggregatedItem(*AggregatedItem.keys(tenant, change_id), tenant=tenant, expires_at=now + MARKER_KEPT)
        day = day_of(counted.day)
        targets = [(day, None), (TOTAL, None)] + ([(day, counted.zone), (TOTAL, counted.zone)] if counted.zone else [])

        def write(transaction: TransactWrite) -> None:
            transaction.save(marker, condition=AggregatedItem.pk.does_not_exist())
            if counted.counters:
                for period, zone in targets:
                    actions = [getattr(StatsItem, name).add(value) for name, value in counted.counters.items()]
                    transaction.update(StatsItem(*StatsItem.keys(tenant, period, zone)), [*actions, _tenant(tenant)])
            if counted.heat_cell:
                cell = HeatCellItem(*HeatCellItem.keys(tenant, counted.heat_cell))
                transaction.update(cell, actions=[HeatCellItem.reports.add(1), _tenant(tenant)])
            for listing in sorted(counted.listings):
                entry = ListedTenantItem(*ListedTenantItem.keys(tenant, listing))
                transaction.update(
                    entry,
                    actions=[
                        _tenant(tenant),
                        ListedTenantItem.gsi1pk.set(LISTS[listing]),
                        ListedTenantItem.gsi1sk.set(tenant),
                    ],
                )

            if counted.labels:
                transaction.update(
                    LabelTallyItem(*LabelTallyItem.keys(tenant)),
                    actions=[
                        *(getattr(LabelTallyItem, name).add(value) for name, value in counted.labels.items()),
                        LabelTallyItem.tenant.set(tenant),
                        LabelTallyItem.gsi1pk.set(LABELLED_TENANTS),
                        LabelTallyItem.gsi1sk.set(tenant),
                        LabelTallyItem.updated_at.set(now),
                    ],
                )

        try:
            transact(write)
        except TransactWriteError as error:
            if failed_on_condition(error):
                return False  # the marker exists: this record was added before
            raise
        return True


def _tenant(tenant: str) -> Action:
    return _Item.tenant.set(tenant)


def kind_of(keys: dict[str, Any]) -> Kind | None:
    """Which counted item a stream record's keys name, if any (the keys of ``models``)."""
    sort_key = str(keys.get("sk", ""))
    if sort_key == "REPORT":
        return Kind.REPORT
    if sort_key == "SUBMISSION":
        return Kind.SUBMISSION
    if sort_key.startswith("LEDGER#"):
        return Kind.LEDGER
    if sort_key.startswith("ATTENDEE#"):
        return Kind.ATTENDANCE
    if sort_key == "LABEL":
        return Kind.LABEL
    return None


def change_of(
    keys: dict[str, Any], old: dict[str, Any] | None, new: dict[str, Any] | None, at: int | None
) -> Change | None:
    """A stream record's change of a counted item, None for any other item."""
    kind = kind_of(keys)
    return None if kind is None else Change(kind, old or None, new or None, moment_of(at))
