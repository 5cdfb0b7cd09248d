"""Reviewers' decisions kept as labels on the application table (docs/data-model.md, access patterns 25-27).

A label is ``pk=TENANT#<t>#LABEL#<submission>``, ``sk=LABEL``, listed oldest first through
``gsi1pk=TENANT#<t>#LABELS``, ``gsi1sk=<decided_at>#<submission>``. Its tenant's tally,
``pk=TENANT#<t>#LABELS``, ``sk=TALLY``, kept by the stream's aggregator (``ecopulse.aggregates``, not in the
decision's write: a burst of decisions shares no key), counts the decisions and names the tenant under
``gsi1pk=LABELLED_TENANTS``: with the sign-up directory, the only keys outside a tenant, holding only tenant names,
read by the scheduled trainer to know whom to train without scanning.

The first decision recorded for a submission is its label: a second one, the same or not, changes nothing.
"""

import json

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from ecopulse.store.models import Gsi1, _TableMeta, sort_stamp, tenant_key, utcnow
from ecopulse.verification.reviews import ReviewLabel

LABELLED_TENANTS = "LABELLED_TENANTS"


class ReviewLabelItem(Model):
    """One admin decision with the evidence it was made on."""

    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    tenant = UnicodeAttribute()
    submission_id = UnicodeAttribute()
    approved = BooleanAttribute()
    decided_at = UTCDateTimeAttribute()
    # JSON, not a DynamoDB map: DynamoDB numbers refuse magnitudes under 1e-130, floats do not.
    features = UnicodeAttribute()
    embedding = BinaryAttribute(legacy_encoding=False, null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)

    gsi1 = Gsi1()

    @staticmethod
    def keys(tenant: str, submission_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "LABEL", submission_id), "LABEL"

    @staticmethod
    def listing(tenant: str) -> str:
        return tenant_key(tenant, "LABELS")

    def label(self) -> ReviewLabel:
        return ReviewLabel(
            submission_id=self.submission_id,
            approved=self.approved,
            decided_at=self.decided_at,
            features=json.loads(self.features),
            embedding=self.embedding or b"",
        )


class LabelTallyItem(Model):
    """How many decisions a tenant has recorded; its gsi1 keys list the tenants that have any."""

    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    tenant = UnicodeAttribute(null=True)
    approved = NumberAttribute(default=0)
    rejected = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute(null=True)

    gsi1 = Gsi1()

    @staticmethod
    def keys(tenant: str) -> tuple[str, str]:
        return tenant_key(tenant, "LABELS"), "TALLY"


class ReviewLabelRepository:
    """``LabelSource`` on DynamoDB, and where the decision recorder writes."""

    def record(self, tenant: str, label: ReviewLabel) -> bool:
        """Stores the submission's label; False when the submission has a label already (the first decision wins,
        whatever this one says). The tally counts it a moment later, from the table's stream."""
        pk, sk = ReviewLabelItem.keys(tenant, label.submission_id)
        item = ReviewLabelItem(
            pk,
            sk,
            gsi1pk=ReviewLabelItem.listing(tenant),
            gsi1sk=sort_stamp(label.decided_at, label.submission_id),
            tenant=tenant,
            submission_id=label.submission_id,
            approved=label.approved,
            decided_at=label.decided_at,
            features=json.dumps(label.features, allow_nan=False),
            embedding=label.embedding or None,
        )
        try:
            item.save(condition=ReviewLabelItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def label(self, tenant: str, submission_id: str) -> ReviewLabel | None:
        try:
            return ReviewLabelItem.get(*ReviewLabelItem.keys(tenant, submission_id), consistent_read=True).label()
        except DoesNotExist:
            return None

    def labels(self, tenant: str) -> list[ReviewLabel]:
        """Every label of the tenant, oldest decision first: one Query, its pages followed here."""
        return [item.label() for item in ReviewLabelItem.gsi1.query(ReviewLabelItem.listing(tenant))]

    def tally(self, tenant: str) -> tuple[int, int]:
        """(approved, rejected) labels recorded for the tenant."""
        try:
            item = LabelTallyItem.get(*LabelTallyItem.keys(tenant))
        except DoesNotExist:
            return 0, 0
        return int(item.approved or 0), int(item.rejected or 0)

    def tenants(self) -> list[str]:
        """Tenants with at least one label, by name: a Query of their tallies, never a Scan."""
        return [item.gsi1sk for item in LabelTallyItem.gsi1.query(LABELLED_TENANTS)]
