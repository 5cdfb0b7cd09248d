"""S3 adapter for uploaded photos."""

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from ecopulse.uploads import StoredObject, UploadRejected

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef


class S3PhotoStore:
    def __init__(self, client: Any | None = None) -> None:
        # Signature Version 4 for every presigned form and link: S3 refuses SigV2 for buckets made since 2020.
        self._s3 = client or boto3.client("s3", config=Config(signature_version="s3v4"))

    def read(self, bucket: str, key: str, max_bytes: int, version_id: str | None = None) -> bytes:
        """The object (this version of it, when given), but never more than ``max_bytes``: a larger one is
        refused without reading it all."""
        version: dict[str, Any] = {"VersionId": version_id} if version_id else {}
        response = self._s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{max_bytes}", **version)
        data = response["Body"].read(max_bytes + 1)
        if len(data) > max_bytes:
            raise UploadRejected(f"the upload is more than the {max_bytes} bytes allowed")
        return data

    def latest(self, bucket: str, prefix: str) -> StoredObject | None:
        """The newest object under ``prefix`` with its current version (a slot holds one key per file type)."""
        listed = self._s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=10).get("Contents", [])
        if not listed:
            return None
        newest = max(listed, key=lambda entry: entry["LastModified"])
        head = self._s3.head_object(Bucket=bucket, Key=newest["Key"])
        return StoredObject(newest["Key"], head.get("VersionId") or "", int(head["ContentLength"]))

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        """Stores a copy the service made (never a citizen's upload, which arrives through a presigned form)."""
        self._s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)

    def presigned_post(
        self, bucket: str, key: str, content_type: str, max_bytes: int, expires_seconds: int
    ) -> dict[str, Any]:
        """A browser/app form that can upload exactly one object: this key, this type, at most this size."""
        return self._s3.generate_presigned_post(
            Bucket=bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes], {"key": key}],
            ExpiresIn=expires_seconds,
        )

    def presigned_get(self, bucket: str, key: str, expires_seconds: int, version_id: str | None = None) -> str:
        """A short-lived link to one private photo (the version that was verified, when given), for an admin's
        browser."""
        version: dict[str, Any] = {"VersionId": version_id} if version_id else {}
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key, **version}, ExpiresIn=expires_seconds
        )

    def erase_all_versions(self, bucket: str, prefix: str) -> int:
        """Every version and delete marker under ``prefix``: in a versioned bucket a plain delete only hides an
        object behind a marker, and its bytes stay until the noncurrent versions expire."""
        erased = 0
        for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
            versions: list[ObjectIdentifierTypeDef] = [
                {"Key": entry["Key"], "VersionId": entry["VersionId"]}
                for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if versions:
                self._s3.delete_objects(Bucket=bucket, Delete={"Objects": versions, "Quiet": True})
                erased += len(versions)
        return erased
