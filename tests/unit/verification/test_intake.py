"""take_in with in-memory fakes of its ports and the real model: the rules of intake without any AWS."""

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from PIL import Image

from ecopulse.intake import UploadedObject, take_in
from ecopulse.submissions import Status
from ecopulse.tenants import TenantSettings
from ecopulse.uploads import UploadKey, UploadRejected
from ecopulse.verification.facts import PhotoFacts
from ecopulse.verification.service import PhotoContext, verify_photo
from tests.unit.verification.pictures import encode, opencv_photo
from tests.unit.verification.test_service import MemoryDuplicateIndex

AFTER = "uploads/lahore/alice/sub-00000001/after.jpg"
BEFORE = "uploads/lahore/alice/sub-00000001/before.jpg"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SETTINGS = TenantSettings(auto_approve_confidence=0.85, auto_reject_confidence=0.25)


@pytest.fixture(scope="module")
def photo() -> bytes:
    return encode(Image.open(io.BytesIO(opencv_photo("fruits.jpg"))).convert("RGB"))


@dataclass
class FakePhotos:
    objects: dict[str, bytes]

    def read(self, bucket: str, key: str, max_bytes: int) -> bytes:
        data = self.objects[key]
        if len(data) > max_bytes:
            raise UploadRejected("too big")
        return data


@dataclass
class FakeSubmissions:
    """Submissions opened through the API: id -> owner, status, photo verdicts and facts, reason."""

    items: dict[str, dict] = field(default_factory=dict)

    def open(self, submission_id: str, owner: str = "alice") -> "FakeSubmissions":
        self.items[submission_id] = {"owner": owner, "status": Status.AWAITING_UPLOAD, "verdicts": {}, "facts": {}}
        return self

    def status_of(self, key: UploadKey) -> Status | None:
        item = self.items.get(key.submission_id)
        return item["status"] if item and item["owner"] == key.user_id else None

    def comparison_of(self, key: UploadKey):
        before = self.items[key.submission_id]["facts"].get("before")
        return None, PhotoFacts.from_dict(before) if before else None

    def record_photo(self, key: UploadKey, photo_key: str, verdict: dict, facts: dict) -> None:
        self.items[key.submission_id]["verdicts"][key.photo] = verdict
        self.items[key.submission_id]["facts"][key.photo] = facts

    def mark_received(self, key: UploadKey, photo_key: str, verdict: dict, facts: dict) -> bool:
        self.record_photo(key, photo_key, verdict, facts)
        return self._move(key, Status.RECEIVED)

    def mark_refused(self, key: UploadKey, photo_key: str, reason: str) -> bool:
        return self._move(key, Status.REJECTED, reason=reason)

    def _move(self, key: UploadKey, status: Status, **changes) -> bool:
        item = self.items[key.submission_id]
        if item["status"] is not Status.AWAITING_UPLOAD:
            return False
        item.update(status=status, **changes)
        return True


@dataclass
class FakeWorkflow:
    started: dict[str, dict] = field(default_factory=dict)

    def start(self, execution_name: str, payload: dict) -> bool:
        if execution_name in self.started:
            return False
        self.started[execution_name] = payload
        return True


@pytest.fixture
def intake(classifier):
    index = MemoryDuplicateIndex()

    def verify(data: bytes, context: PhotoContext):
        return verify_photo(data, context, classifier, index, lambda: NOW)

    def run(body: bytes, key: str = AFTER, submissions=None, workflow=None, max_bytes: int = 10_000_000):
        submissions = submissions if submissions is not None else FakeSubmissions().open("sub-00000001")
        workflow = workflow if workflow is not None else FakeWorkflow()
        upload = UploadedObject("bucket", key, len(body), NOW)
        result = take_in(upload, FakePhotos({key: body}), submissions, workflow, verify, SETTINGS, max_bytes)
        return result, submissions, workflow

    return run


def test_an_after_photo_is_verified_and_starts_its_workflow_with_the_tenants_thresholds(intake, photo):
    result, submissions, workflow = intake(photo)
    assert result.status is Status.RECEIVED and result.started
    stored = submissions.items["sub-00000001"]["verdicts"]["after"]
    assert stored["model"]["waste_type"] == "organic" and stored["photo"]["content_type"] == "image/jpeg"
    payload = workflow.started["sub-00000001"]
    assert payload["verdict"]["confidence"] == stored["confidence"] == pytest.approx(result.confidence, abs=1e-4)
    assert payload["thresholds"] == {"approve": 0.85, "reject": 0.25}


def test_a_before_photo_is_kept_for_the_pair_check_without_starting_anything(intake, photo):
    submissions = FakeSubmissions().open("sub-00000001")
    result, _, workflow = intake(photo, key=BEFORE, submissions=submissions)
    assert result.status is Status.AWAITING_UPLOAD and workflow.started == {}
    assert "phash" in submissions.items["sub-00000001"]["facts"]["before"]
    intake(photo, submissions=submissions)
    flags = submissions.items["sub-00000001"]["verdicts"]["after"]["flags"]
    assert "pair_reused_photo" in flags, "the same photo sent as before and after is caught"


def test_a_redelivered_upload_starts_nothing_twice(intake, photo):
    submissions, workflow = FakeSubmissions().open("sub-00000001"), FakeWorkflow()
    intake(photo, submissions=submissions, workflow=workflow)
    again, _, _ = intake(photo, submissions=submissions, workflow=workflow)
    assert not again.started and len(workflow.started) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"GIF89a" + b"\x00" * 40, "not a JPEG, PNG, WebP or HEIC"), (b"\xff\xd8\xff" + b"\x00" * 64, "")],
    ids=["not an image", "truncated JPEG"],
)
def test_a_bad_file_is_refused_with_its_reason_and_no_workflow(intake, body, reason):
    result, submissions, workflow = intake(body)
    assert result.status is Status.REJECTED and reason in result.reason
    assert submissions.items["sub-00000001"]["reason"] == result.reason
    assert workflow.started == {}


def test_an_oversized_upload_is_refused_before_it_is_read(intake, photo):
    result, _, _ = intake(photo, max_bytes=len(photo) - 1)
    assert result.status is Status.REJECTED and "allowed" in result.reason


@pytest.mark.parametrize(
    "submissions",
    [FakeSubmissions(), FakeSubmissions().open("sub-00000001", owner="mallory")],
    ids=["never opened", "someone else's"],
)
def test_an_upload_no_submission_of_the_uploader_waits_for_is_ignored(intake, photo, submissions):
    result, _, workflow = intake(photo, submissions=submissions)
    assert result.status is None and workflow.started == {}


def test_a_key_outside_the_layout_is_refused_before_anything_is_written(intake, photo):
    submissions, workflow = FakeSubmissions(), FakeWorkflow()
    with pytest.raises(UploadRejected):
        intake(photo, key="uploads/lahore/alice/sub-00000001/selfie.jpg", submissions=submissions, workflow=workflow)
    assert submissions.items == {} and workflow.started == {}
