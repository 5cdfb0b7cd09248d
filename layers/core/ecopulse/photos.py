"""S3 adapter for uploaded photos."""

from typing import Any

import boto3


class S3PhotoStore:
    def __init__(self, client: Any | None = None) -> None:
        self._s3 = client or boto3.client("s3")

    def read_head(self, bucket: str, key: str, length: int) -> bytes:
        """Reads only the first bytes: enough to sniff the type without pulling a large object."""
        response = self._s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{length - 1}")
        return response["Body"].read(length)

    def presigned_post(self, bucket: str, key: str, content_type: str, max_bytes: int, expires_seconds: int) -> dict:
        """A browser/app form that can upload exactly one object: this key, this type, at most this size."""
        return self._s3.generate_presigned_post(
            Bucket=bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes], {"key": key}],
            ExpiresIn=expires_seconds,
        )
