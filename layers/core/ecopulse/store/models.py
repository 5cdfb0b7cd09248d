"""pynamodb models on the single application table. Every partition key starts with the tenant."""

import os
from datetime import UTC, datetime

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


def utcnow() -> datetime:
    return datetime.now(UTC)


class _TableMeta:
    table_name = os.environ.get("TABLE_NAME", "ecopulse")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class ReviewQueueIndex(GlobalSecondaryIndex):
    """gsi1: a tenant's submissions waiting for a human, oldest first."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class SubmissionItem(Model):
    """A photo of cleanup work on its way through verification, review and reward."""

    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    tenant = UnicodeAttribute()
    submission_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    status = UnicodeAttribute()
    photo_key = UnicodeAttribute()
    content_type = UnicodeAttribute(null=True)
    size_bytes = NumberAttribute(null=True)
    verdict = MapAttribute(null=True)
    rejection_reason = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    task_token = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    review_queue = ReviewQueueIndex()

    @staticmethod
    def keys(tenant: str, submission_id: str) -> tuple[str, str]:
        return f"TENANT#{tenant}", f"SUBMISSION#{submission_id}"


class InboxItem(Model):
    """One message in a citizen's in-app inbox, newest first by sort key."""

    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenant = UnicodeAttribute()
    user_id = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    submission_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)

    @staticmethod
    def keys(tenant: str, user_id: str, message_id: str) -> tuple[str, str]:
        return f"TENANT#{tenant}#USER#{user_id}", f"INBOX#{message_id}"
