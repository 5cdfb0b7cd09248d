"""Promoted verifier heads in the models bucket, one tenant's under ``verifier-heads/<tenant>/``:

- ``<version>.json``: each promoted head, as ``VerifierHead.to_bytes`` wrote it (never overwritten);
- ``history.json``: every promotion, newest first, with its evaluation and what it replaced;
- ``current.json``: the promotion in force, with the SHA-256 of its head's bytes. It is written last, so it
  never names a head that is not there, and a head whose bytes do not match it is refused.

Reading the records needs no numpy (the admin API shows them); loading a head does, and is cached per
container for a few minutes because the verification function asks for it on every upload.
"""

import hashlib
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ecopulse.observability import logger
from ecopulse.store.models import utcnow
from ecopulse.verification.reviews import PromotedHead

if TYPE_CHECKING:
    from ecopulse.verification.learning import TrainingOutcome, VerifierHead

PREFIX = "verifier-heads"
CACHE_SECONDS = 300.0
MAX_RECORD_BYTES = 4 * 1024 * 1024


class VerifierHeadStore:
    """``HeadStore`` on S3."""

    def __init__(
        self,
        bucket: str,
        client: Any | None = None,
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.bucket = bucket
        self._s3 = client or boto3.client("s3")
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._now = now
        self._cache: dict[str, tuple[float, VerifierHead | None]] = {}

    @staticmethod
    def key(tenant: str, name: str) -> str:
        return f"{PREFIX}/{tenant}/{name}"

    def current(self, tenant: str) -> "VerifierHead | None":
        """The head in force, None when the tenant has none (the rules decide alone). Raises InvalidHead when
        the stored head is damaged or does not match current.json."""
        cached = self._cache.get(tenant)
        if cached and self._monotonic() < cached[0]:
            return cached[1]
        head = self._load(tenant)
        self._cache[tenant] = (self._monotonic() + self._cache_seconds, head)
        return head

    def _load(self, tenant: str) -> "VerifierHead | None":
        # Imported here: it needs numpy, which the API functions that read the records do not carry.
        from ecopulse.verification.learning import MAX_HEAD_BYTES, InvalidHead, VerifierHead

        record = self.current_record(tenant)
        if record is None:
            return None
        blob = self._read(self.key(tenant, f"{record.version}.json"), MAX_HEAD_BYTES)
        if blob is None:
            raise InvalidHead(f"current.json names head {record.version}, which is not in the bucket")
        if hashlib.sha256(blob).hexdigest() != record.sha256:
            raise InvalidHead(f"head {record.version} does not match the digest current.json holds for it")
        return VerifierHead.from_bytes(blob)

    def in_force(self, tenant: str) -> "VerifierHead | None":
        """The head that may decide a cleanup now: None when there is none, or when it cannot be read (damaged,
        or S3 failing) — the conservative rules then decide alone, and the failure is logged, not raised, so
        that an upload is never lost to the learned part. A failure is remembered as long as a head would be."""
        from ecopulse.verification.learning import InvalidHead

        try:
            return self.current(tenant)
        except (InvalidHead, ClientError, BotoCoreError) as error:
            logger.warning("verifier head unusable, the rules decide", extra={"tenant": tenant, "error": str(error)})
            self._cache[tenant] = (self._monotonic() + self._cache_seconds, None)
            return None

    def current_record(self, tenant: str) -> PromotedHead | None:
        document = self._read_json(self.key(tenant, "current.json"))
        return PromotedHead.from_dict(document) if document else None

    def history(self, tenant: str) -> list[PromotedHead]:
        """Every promotion of the tenant, newest first."""
        return [PromotedHead.from_dict(entry) for entry in self._read_json(self.key(tenant, "history.json")) or []]

    def promote(self, tenant: str, head: "VerifierHead", outcome: "TrainingOutcome") -> None:
        blob = head.to_bytes()
        record = PromotedHead(
            version=head.version,
            trained_at=head.trained_at,
            promoted_at=self._now(),
            threshold=head.threshold,
            label_count=outcome.label_count,
            reason=outcome.reason,
            evaluation=head.evaluation,
            replaced_version=outcome.current_version,
            replaced_evaluation=outcome.current_evaluation,
            sha256=hashlib.sha256(blob).hexdigest(),
        )
        self._put(self.key(tenant, f"{head.version}.json"), blob)
        history = [record.to_dict(), *(entry.to_dict() for entry in self.history(tenant))]
        self._put(self.key(tenant, "history.json"), json.dumps(history).encode())
        self._put(self.key(tenant, "current.json"), json.dumps(record.to_dict()).encode())
        self._cache.pop(tenant, None)

    def _put(self, key: str, body: bytes) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def _read(self, key: str, max_bytes: int) -> bytes | None:
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise
        return response["Body"].read(max_bytes + 1)

    def _read_json(self, key: str) -> Any:
        data = self._read(key, MAX_RECORD_BYTES)
        return json.loads(data) if data else None
