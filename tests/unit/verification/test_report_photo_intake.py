"""Report photos taken in with in-memory fakes and the real model: verified, copied, refused, and shown on their
report whether the photo or the report comes first."""

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from PIL import Image

from ecopulse.intake import OUTSIDE_SERVICE_AREA, UploadedObject, take_in_report_photo
from ecopulse.report_photos import (
    COPY_SIDES,
    PENDING,
    PHOTO_REPLACED,
    PhotoResult,
    PhotoStatus,
    attach_photos,
    copy_key,
)
from ecopulse.tenants import TenantSettings
from ecopulse.uploads import UploadKey, UploadRejected
from ecopulse.verification.copies import make_copies
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.service import PhotoContext, verify_photo
from tests.unit.report_photo_fakes import MemoryBoard
from tests.unit.verification.pictures import camera_exif, encode, opencv_photo
from tests.unit.verification.test_intake import FakePhotos
from tests.unit.verification.test_service import MemoryDuplicateIndex

PHOTO = "uploads/lahore/alice/0b5e3c2a-0000-4000-8000-000000000001/report.jpg"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CANAL = GeoPoint(31.52, 74.36)
LAHORE_AREA = {
    "type": "Polygon",
    "coordinates": [[[74.2, 31.4], [74.5, 31.4], [74.5, 31.7], [74.2, 31.7], [74.2, 31.4]]],
}


@dataclass
class MemoryCopies:
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)


@pytest.fixture(scope="module")
def litter() -> bytes:
    """Fruit scattered on a surface, as a phone saves it, with its GPS by the canal."""
    image = Image.open(io.BytesIO(opencv_photo("fruits.jpg"))).convert("RGB")
    return encode(image, exif=camera_exif(NOW, CANAL, pixel_size=image.size))


@dataclass
class Intake:
    verify: object
    photos: FakePhotos = field(default_factory=lambda: FakePhotos({}))
    board: MemoryBoard = field(default_factory=MemoryBoard)
    copies: MemoryCopies = field(default_factory=MemoryCopies)

    def upload(self, body: bytes, key: str = PHOTO) -> UploadedObject:
        self.photos.objects.setdefault(key, []).append(body)
        version = len(self.photos.objects[key])
        return UploadedObject("bucket", key, len(body), NOW, f"v{version}", etag=f"etag-{hash(body)}")

    def take_in(self, upload: UploadedObject, settings: TenantSettings | None = None) -> PhotoResult:
        return take_in_report_photo(
            upload,
            self.photos,
            self.board,
            self.copies,
            self.verify,
            lambda data: make_copies(data, COPY_SIDES, 10_000_000, 50_000_000),
            settings or TenantSettings(),
            10_000_000,
        )


@pytest.fixture
def intake(classifier) -> Intake:
    index = MemoryDuplicateIndex()

    def verify(data: bytes, context: PhotoContext):
        return verify_photo(data, context, classifier, index, lambda: NOW)

    return Intake(verify)


def test_a_report_photo_is_verified_copied_and_its_verdict_kept(intake, litter):
    result = intake.take_in(intake.upload(litter))
    assert (result.status, result.version_id, result.ai_type) == (PhotoStatus.VERIFIED, "v1", "organic")
    assert 0.5 < result.ai_confidence <= 1
    record = intake.board.records[PHOTO]
    assert record["result"] == result and record["detail"]["model"]["waste_type"] == "organic"
    assert record["detail"]["kind"] == "report"
    assert set(intake.copies.objects) == {
        "copies/lahore/0b5e3c2a-0000-4000-8000-000000000001/thumbnail.jpg",
        "copies/lahore/0b5e3c2a-0000-4000-8000-000000000001/display.jpg",
    }
    thumbnail = Image.open(io.BytesIO(intake.copies.objects[copy_key(PHOTO, "thumbnail")][0]))
    assert max(thumbnail.size) == 320 and not thumbnail.getexif()


def test_a_photo_verified_before_its_report_is_filed_shows_on_the_report(intake, litter):
    result = intake.take_in(intake.upload(litter))
    assert attach_photos(intake.board, "lahore", "report-1", [PHOTO]) == {PHOTO: result}
    assert intake.board.reports["report-1"] == {PHOTO: result}


def test_a_photo_verified_after_its_report_is_filed_shows_on_the_report(intake, litter):
    assert attach_photos(intake.board, "lahore", "report-1", [PHOTO]) == {PHOTO: PENDING}
    assert "report-1" not in intake.board.reports
    result = intake.take_in(intake.upload(litter))
    assert intake.board.reports["report-1"] == {PHOTO: result}


def test_both_orders_end_with_the_same_report(classifier, litter):
    def report_after(photo_first: bool) -> dict:
        index = MemoryDuplicateIndex()
        run = Intake(lambda data, context: verify_photo(data, context, classifier, index, lambda: NOW))
        upload = run.upload(litter)
        if photo_first:
            run.take_in(upload)
        attach_photos(run.board, "lahore", "report-1", [PHOTO])
        if not photo_first:
            run.take_in(upload)
        return run.board.reports["report-1"]

    assert report_after(photo_first=True) == report_after(photo_first=False)


def test_a_file_that_is_not_an_image_shows_as_refused_with_the_reason(intake):
    intake.board.name_in_report(PHOTO, "report-1")
    result = intake.take_in(intake.upload(b"%PDF-1.7 not a photo at all" * 10))
    assert (result.status, result.ai_type, result.ai_confidence) == (PhotoStatus.REFUSED, None, None)
    assert result.reasons == ("content is not a JPEG, PNG, WebP or HEIC image",)
    assert intake.board.reports["report-1"] == {PHOTO: result} and intake.copies.objects == {}


def test_a_file_larger_than_allowed_is_refused_unread(intake, litter):
    upload = intake.upload(litter)
    too_big = UploadedObject(upload.bucket, upload.key, 20_000_000, NOW, upload.version_id, upload.etag)
    intake.photos.read = lambda *args, **kwargs: pytest.fail("a file too large is not read")
    result = intake.take_in(too_big)
    assert result.status is PhotoStatus.REFUSED and "20000000 bytes" in result.reasons[0]


def test_another_file_posted_over_a_verified_photo_refuses_it_unread(intake, litter):
    intake.board.name_in_report(PHOTO, "report-1")
    first = intake.take_in(intake.upload(litter))
    intake.photos.read = lambda *args, **kwargs: pytest.fail("a replacement is never read")
    replaced = intake.take_in(intake.upload(b"another picture"))
    assert (replaced.status, replaced.reasons, replaced.version_id) == (PhotoStatus.REFUSED, (PHOTO_REPLACED,), "v1")
    assert replaced.revision == first.revision + 1
    assert intake.board.reports["report-1"][PHOTO] == replaced
    assert intake.board.records[PHOTO]["detail"]["confidence"] == first.ai_confidence, "what was verified stays"


def test_the_same_file_posted_again_or_its_event_redelivered_changes_nothing(intake, litter):
    upload = intake.upload(litter)
    first = intake.take_in(upload)
    copies = dict(intake.copies.objects)
    intake.photos.read = lambda *args, **kwargs: pytest.fail("a photo taken in is not read again")
    assert intake.take_in(upload) == first
    again = intake.upload(litter)
    assert again.version_id == "v2" and intake.take_in(again) == first
    assert intake.copies.objects == copies
    assert intake.board.records[PHOTO]["detail"]["model"]["waste_type"] == "organic", "the verdict's detail stays"


def test_a_photo_taken_outside_the_service_area_says_so_and_counts_for_less(intake, classifier, litter):
    inside = intake.take_in(intake.upload(litter), TenantSettings(service_area=LAHORE_AREA))
    elsewhere = "uploads/karachi/alice/0b5e3c2a-0000-4000-8000-000000000002/report.jpg"
    karachi_area = {"type": "Polygon", "coordinates": [[[66.9, 24.8], [67.2, 24.8], [67.2, 25.0], [66.9, 24.8]]]}
    index = MemoryDuplicateIndex()
    other = Intake(lambda data, context: verify_photo(data, context, classifier, index, lambda: NOW))
    outside = other.take_in(other.upload(litter, elsewhere), TenantSettings(service_area=karachi_area))
    assert OUTSIDE_SERVICE_AREA not in inside.reasons and OUTSIDE_SERVICE_AREA in outside.reasons
    assert outside.ai_confidence == pytest.approx(inside.ai_confidence * 0.4, abs=1e-3)


def test_a_key_outside_the_upload_layout_is_refused_before_anything_is_read(intake):
    with pytest.raises(UploadRejected):
        intake.take_in(UploadedObject("bucket", "uploads/elsewhere.jpg", 10, NOW, "v1"))
    assert UploadKey.parse(PHOTO).is_report_photo
