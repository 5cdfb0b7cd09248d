"""verify_photo end to end with the real model and an in-memory duplicate index."""

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image, ImageOps

from ecopulse.verification.classifier import WasteClassifier
from ecopulse.verification.duplicates import PhotoMatch, PhotoRecord, distance_to
from ecopulse.verification.facts import PhotoFacts
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.image import PhotoRejected
from ecopulse.verification.service import PhotoContext, verify_photo
from ecopulse.verification.verdict import PENALTIES, PhotoKind
from tests.unit.verification.pictures import (
    LAHORE,
    camera_exif,
    crop_resize_recompress,
    encode,
    opencv_photo,
)

SUBMITTED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PKT = timezone(timedelta(hours=5))
TAKEN = datetime(2024, 5, 1, 16, 10, tzinfo=PKT)
VERIFIED = datetime(2024, 5, 1, 12, 0, 5, tzinfo=UTC)


@dataclass
class MemoryDuplicateIndex:
    records: dict[str, PhotoRecord] = field(default_factory=dict)

    def find_near(self, tenant: str, phash: int, max_distance: int) -> list[PhotoMatch]:
        matches = [
            PhotoMatch(r.photo_key, r.submission_id, r.user_id, r.phash, distance_to(phash, r.variants), r.created_at)
            for r in self.records.values()
            if r.tenant == tenant
        ]
        return sorted((m for m in matches if m.distance <= max_distance), key=lambda m: m.distance)

    def remember(self, record: PhotoRecord) -> None:
        self.records[record.photo_key] = record


def fruit() -> Image.Image:
    return Image.open(io.BytesIO(opencv_photo("fruits.jpg"))).convert("RGB")


def camera_jpeg(image: Image.Image, location: GeoPoint = LAHORE) -> bytes:
    return encode(image, exif=camera_exif(TAKEN, location, pixel_size=image.size))


def context(n: int, user: str, kind: PhotoKind = PhotoKind.REPORT, **extra) -> PhotoContext:
    submission = f"sub-{n:08d}"
    key = f"uploads/lahore/{user}/{submission}/{kind.value}.jpg"
    return PhotoContext("lahore", user, submission, key, SUBMITTED, kind, report_location=LAHORE, **extra)


@dataclass
class Verifier:
    classifier: WasteClassifier
    index: MemoryDuplicateIndex = field(default_factory=MemoryDuplicateIndex)

    def __call__(self, data: bytes, photo_context: PhotoContext):
        return verify_photo(data, photo_context, self.classifier, self.index, lambda: VERIFIED)


@pytest.fixture
def verify(classifier) -> Verifier:
    return Verifier(classifier)


def test_a_fresh_camera_photo_taken_at_the_reported_place_is_scored_by_the_model_alone(verify):
    verdict = verify(camera_jpeg(fruit()), context(1, "alice"))
    assert verdict.flagged == ()
    assert verdict.classification.waste_type == "organic"
    assert verdict.confidence == verdict.evidence == pytest.approx(verdict.classification.waste_probability)
    assert verdict.confidence > 0.9


def test_the_same_photo_from_another_account_is_flagged_with_the_original_submission_and_user(verify):
    data = camera_jpeg(fruit())
    verify(data, context(1, "alice"))
    verdict = verify(data, context(2, "bob"))
    assert [signal.name for signal in verdict.flagged] == ["near_duplicate"]
    duplicate = verdict.flagged[0]
    assert duplicate.reason == "the same picture as submission sub-00000001 by another user (alice), 0 bits apart"
    assert verdict.confidence == pytest.approx(verdict.evidence * (1 - PENALTIES["near_duplicate"]))


def test_a_cropped_resized_recompressed_copy_of_a_real_photo_is_found(verify):
    verify(camera_jpeg(fruit()), context(1, "alice"))
    verdict = verify(crop_resize_recompress(fruit()), context(2, "bob"))
    duplicate = next(signal for signal in verdict.signals if signal.name == "near_duplicate")
    assert duplicate.flagged and duplicate.value["matches"][0]["submission_id"] == "sub-00000001"


def test_a_redelivered_upload_is_not_its_own_duplicate_and_is_remembered_once(verify):
    data = camera_jpeg(fruit())
    verify(data, context(1, "alice"))
    verdict = verify(data, context(1, "alice"))
    assert verdict.flagged == ()
    assert list(verify.index.records) == ["uploads/lahore/alice/sub-00000001/report.jpg"]
    record = verify.index.records["uploads/lahore/alice/sub-00000001/report.jpg"]
    assert (record.phash, record.created_at) == (verdict.facts.phash, VERIFIED)


def test_an_edited_and_resaved_photo_is_flagged_for_each_trace(verify):
    original = fruit()
    edited = original.crop((40, 30, original.width - 40, original.height - 30))
    exif = camera_exif(TAKEN, LAHORE, software="Adobe Photoshop 25.0", pixel_size=original.size)
    exif[0x0132] = (TAKEN + timedelta(days=2)).strftime("%Y:%m:%d %H:%M:%S")
    verdict = verify(encode(edited, quality=65, exif=exif), context(1, "alice"))
    assert {signal.name for signal in verdict.flagged} == {"editing_software", "edited_after_capture", "recompression"}
    assert verdict.confidence == pytest.approx(verdict.evidence * 0.7 * 0.7 * 0.8)


def test_a_png_without_exif_like_a_screenshot_is_marked_down(verify):
    verdict = verify(encode(fruit(), "PNG"), context(1, "alice"))
    assert {signal.name for signal in verdict.flagged} == {"missing_exif", "recompression"}


def test_the_facts_kept_for_the_pair_name_the_file_the_camera_the_time_and_the_flags(verify):
    data = camera_jpeg(fruit())
    verdict = verify(data, context(1, "alice", PhotoKind.BEFORE))
    facts = verdict.facts
    assert facts.sha256 == hashlib.sha256(data).hexdigest() == verdict.photo["sha256"]
    assert facts.captured_at is not None and facts.capture_zone_known and facts.location is not None
    assert facts.camera and facts.size == (verdict.photo["width"], verdict.photo["height"])
    assert facts.flags == tuple(signal.name for signal in verdict.flagged)
    assert PhotoFacts.from_dict(facts.to_dict()).to_dict() == facts.to_dict()


def test_a_mirrored_copy_of_an_earlier_photo_is_a_near_duplicate(verify):
    original = fruit()
    verify(camera_jpeg(original), context(1, "alice"))
    mirrored = verify(camera_jpeg(ImageOps.mirror(original)), context(2, "bob"))
    assert "near_duplicate" in {signal.name for signal in mirrored.flagged}


def test_a_refused_file_raises_with_its_reason_and_is_not_remembered(verify):
    data = camera_jpeg(fruit())
    with pytest.raises(PhotoRejected, match="damaged or incomplete"):
        verify(data[: len(data) // 2], context(1, "alice"))
    assert verify.index.records == {}


def test_the_stored_verdict_is_plain_json_and_the_facts_come_back_for_the_pair_check(verify):
    verdict = verify(camera_jpeg(fruit()), context(1, "alice", PhotoKind.BEFORE))
    stored = json.loads(json.dumps(verdict.to_dict()))
    assert stored["kind"] == "before" and stored["model"]["waste_type"] == "organic"
    assert [signal["name"] for signal in stored["signals"]][:3] == ["capture_time", "gps_distance", "missing_exif"]
    assert stored["photo"]["captured_at"] == "2024-05-01T11:10:00+00:00"
    assert stored["photo"]["location"] == {"lat": pytest.approx(LAHORE.lat), "lng": pytest.approx(LAHORE.lng)}
    facts = json.loads(json.dumps(verdict.facts.to_dict()))
    assert PhotoFacts.from_dict(facts).embedding == verdict.facts.embedding
    assert PhotoFacts.from_dict(facts).phash == verdict.facts.phash
