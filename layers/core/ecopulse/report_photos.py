"""Report photos: what verification concluded about each photo a report names, where its resized copies live, and
how a report and its photos' verdicts meet whichever comes first.

The app uploads a photo before it files the report that names it, and the photo is verified asynchronously, so
either may come first. Each photo's result is kept on its own record (the upload's), and both sides write to that
one record atomically: verification records the result and learns which reports name the photo; filing a report
names it there and learns the result recorded so far. One of the two writes comes second and sees the other, so
the result reaches the report in either order (``PhotoBoard``).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from ecopulse.uploads import UploadKey

COPIES_PREFIX = "copies/"
THUMBNAIL = "thumbnail"
DISPLAY = "display"
COPY_SIDES = {THUMBNAIL: 320, DISPLAY: 1280}
COPY_CONTENT_TYPE = "image/jpeg"
# How long a link to a copy lives: long enough to load a page and look at it, short enough not to be shared on.
LINK_SECONDS = 15 * 60
PHOTO_REPLACED = "the photo was uploaded over with another file after it was verified"


class PhotoStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REFUSED = "refused"


@dataclass(frozen=True)
class PhotoResult:
    """What verification concluded about one report photo (at ``version_id``). ``revision`` orders the results of
    one photo: a report keeps the newest it was told, whatever order the news arrives in."""

    status: PhotoStatus
    version_id: str = ""
    etag: str = ""
    ai_type: str | None = None
    ai_confidence: float | None = None
    reasons: tuple[str, ...] = ()
    revision: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "version_id": self.version_id,
            "etag": self.etag,
            "ai_type": self.ai_type,
            "ai_confidence": self.ai_confidence,
            "reasons": list(self.reasons),
            "revision": self.revision,
        }

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> "PhotoResult":
        confidence = stored.get("ai_confidence")
        return cls(
            status=PhotoStatus(stored["status"]),
            version_id=str(stored.get("version_id") or ""),
            etag=str(stored.get("etag") or ""),
            ai_type=stored.get("ai_type"),
            ai_confidence=None if confidence is None else float(confidence),
            reasons=tuple(stored.get("reasons") or ()),
            revision=int(stored.get("revision") or 0),
        )


PENDING = PhotoResult(PhotoStatus.PENDING)


def copy_key(photo_key: str, size: str) -> str:
    """Where a photo's resized copy lives: under the upload's random id, never its uploader's, because links to the
    copies go to people who may not learn who filed a report."""
    upload = UploadKey.parse(photo_key)
    return f"{COPIES_PREFIX}{upload.tenant}/{upload.submission_id}/{size}.jpg"


def copies_prefix(photo_key: str) -> str:
    """Every copy of one photo (for erasing them)."""
    return copy_key(photo_key, "").removesuffix(".jpg")


def report_assessment(results: Iterable[PhotoResult]) -> tuple[str | None, float | None]:
    """A report's ``ai_type`` and ``ai_confidence``: those of its most confidently verified photo, none before one
    is verified."""
    verified = [
        result for result in results if result.status is PhotoStatus.VERIFIED and result.ai_confidence is not None
    ]
    if not verified:
        return None, None
    best = max(verified, key=lambda result: result.ai_confidence or 0.0)
    return best.ai_type, best.ai_confidence


class PhotoBoard(Protocol):
    """Where a report photo's result meets the reports that name it (see the module's docstring)."""

    def result_of(self, photo_key: str) -> PhotoResult | None:
        """The result recorded for the photo, None before its upload was taken in."""
        ...

    def record(self, photo_key: str, result: PhotoResult, detail: Mapping[str, Any] | None) -> tuple[str, ...]:
        """Keeps the result (and the verdict's detail for admins, unless None: then the detail kept stays) on the
        photo's record; returns the reports that named the photo so far, in the same write."""
        ...

    def name_in_report(self, photo_key: str, report_id: str) -> PhotoResult | None:
        """Notes on the photo's record that the report names it; returns the result recorded so far, in the same
        write."""
        ...

    def show(self, tenant: str, report_id: str, photo_key: str, result: PhotoResult) -> None:
        """The report's copy of the photo's result, unless it holds a newer revision already."""
        ...


def attach_photos(board: PhotoBoard, tenant: str, report_id: str, photo_keys: Iterable[str]) -> dict[str, PhotoResult]:
    """Right after filing: names the report on each of its photos' records and shows the results verified so far
    on the report; the photos verified later are shown by their intake. Returns each photo's result."""
    results = {}
    for photo_key in photo_keys:
        result = board.name_in_report(photo_key, report_id)
        if result is not None:
            board.show(tenant, report_id, photo_key, result)
        results[photo_key] = result or PENDING
    return results


def publish(
    board: PhotoBoard, photo_key: str, result: PhotoResult, detail: Mapping[str, Any] | None
) -> tuple[str, ...]:
    """Records a photo's result (with the verdict's ``detail``, or keeping the one recorded when None) and shows it
    on every report that names the photo already; the reports filed later pick it up as they are filed
    (``attach_photos``)."""
    upload = UploadKey.parse(photo_key)
    report_ids = board.record(photo_key, result, detail)
    for report_id in report_ids:
        board.show(upload.tenant, report_id, photo_key, result)
    return report_ids


class PhotoLinks(Protocol):
    def presigned_get(self, bucket: str, key: str, expires_seconds: int, version_id: str | None = None) -> str:
        """A short-lived link to one private object, at this version when given."""
        ...


@dataclass(frozen=True)
class PhotoLinkSet:
    """Short-lived links to one photo's copies (none until it is verified) and, for staff, to its original."""

    thumbnail_url: str | None
    display_url: str | None
    original_url: str | None


def photo_links(
    links: PhotoLinks, bucket: str, photo_key: str, result: PhotoResult, with_original: bool
) -> PhotoLinkSet:
    """Copies of a verified photo only; the original (with its EXIF) only to staff, at the version verified."""
    original = (
        links.presigned_get(bucket, photo_key, LINK_SECONDS, result.version_id or None)
        if with_original and result.status is not PhotoStatus.PENDING
        else None
    )
    if result.status is not PhotoStatus.VERIFIED:
        return PhotoLinkSet(None, None, original)
    return PhotoLinkSet(
        links.presigned_get(bucket, copy_key(photo_key, THUMBNAIL), LINK_SECONDS),
        links.presigned_get(bucket, copy_key(photo_key, DISPLAY), LINK_SECONDS),
        original,
    )
