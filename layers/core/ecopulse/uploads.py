"""What an upload is allowed to be: where it lives in the bucket and what its bytes say it is."""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

UPLOAD_PREFIX = "uploads/"
REPORT_PHOTO = "report"
BEFORE_PHOTO = "before"
AFTER_PHOTO = "after"
SNIFF_BYTES = 64
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic", "image/heif": "heif"}
# HEIF brands (ISO/IEC 23008-12 Annex B) of HEVC-coded pictures, the one HEIF codec the verifier decodes; "mif1"
# and "msf1" name the container alone, so the compatible brands must then name HEVC. AVIF (AV1) is not accepted.
HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_SUBMISSION_PREFIX = (
    r"^uploads/(?P<tenant>[a-z0-9-]{2,32})/(?P<user_id>[A-Za-z0-9_-]{1,64})/(?P<submission_id>[A-Za-z0-9-]{8,64})/"
)
_KEY_PATTERN = re.compile(_SUBMISSION_PREFIX + r"(?P<photo>report|before|after)(?:\.[A-Za-z0-9]{1,5})?$")
# The key of a report photo as ``UploadKey.object_key`` makes it, for a report to name among its photos.
REPORT_PHOTO_KEY_PATTERN = _SUBMISSION_PREFIX + rf"report\.({'|'.join(sorted(set(EXTENSIONS.values())))})$"


class ImageType(StrEnum):
    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"
    HEIC = "image/heic"
    HEIF = "image/heif"


class UploadForms(Protocol):
    def presigned_post(
        self, bucket: str, key: str, content_type: str, max_bytes: int, expires_seconds: int
    ) -> dict[str, Any]:
        """A form that uploads exactly one object: this key, this type, at most this size, for a short while."""
        ...


class UploadRejected(ValueError):
    """An upload that can never become valid: retrying it would not help."""


@dataclass(frozen=True)
class StoredObject:
    """One version of an object in the uploads bucket."""

    key: str
    version_id: str
    size: int


@dataclass(frozen=True)
class UploadKey:
    tenant: str
    user_id: str
    submission_id: str
    photo: str

    @property
    def is_report_photo(self) -> bool:
        return self.photo == REPORT_PHOTO

    def slot_prefix(self, photo: str) -> str:
        """The start of the key of any file this submission's ``photo`` slot may hold, whatever its type."""
        return f"uploads/{self.tenant}/{self.user_id}/{self.submission_id}/{photo}."

    def object_key(self, content_type: str) -> str:
        return f"uploads/{self.tenant}/{self.user_id}/{self.submission_id}/{self.photo}.{EXTENSIONS[content_type]}"

    @classmethod
    def parse(cls, key: str) -> "UploadKey":
        match = _KEY_PATTERN.match(key)
        if not match:
            raise UploadRejected(f"object key {key!r} is not uploads/<tenant>/<user>/<submission>/<photo>")
        return cls(**match.groupdict())


class ForeignPhoto(ValueError):
    """A report naming a photo that is not one of its reporter's own report uploads."""


def check_report_photos(tenant: str, reporter_id: str, photo_keys: list[str]) -> None:
    """A report shows only photos its reporter uploaded for reports in this city: never another citizen's, and
    never a cleanup's before or after photo."""
    for key in photo_keys:
        parsed = UploadKey.parse(key)
        if (parsed.tenant, parsed.user_id, parsed.photo) != (tenant, reporter_id, REPORT_PHOTO):
            raise ForeignPhoto(f"{key} is not a report photo of {reporter_id} in {tenant}")


def sniff_image_type(head: bytes) -> str:
    """Names the image type from its magic bytes; the client's file name and content type are not trusted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        major, compatible = _brands(head)
        if major in HEVC_BRANDS:
            return "image/heic"
        if major in HEIF_BRANDS and compatible & HEVC_BRANDS:
            return "image/heif"
    raise UploadRejected("content is not a JPEG, PNG, WebP or HEIC image")


def _brands(head: bytes) -> tuple[bytes, set[bytes]]:
    """The major brand of an ISO base media file and the compatible brands its ``ftyp`` box lists in ``head``."""
    end = min(int.from_bytes(head[:4], "big"), len(head))
    return head[8:12], {head[offset : offset + 4] for offset in range(16, end - 3, 4)}


def check_size(size: int, max_bytes: int) -> None:
    if size <= 0:
        raise UploadRejected("the upload is empty")
    if size > max_bytes:
        raise UploadRejected(f"the upload is {size} bytes, more than the {max_bytes} allowed")
