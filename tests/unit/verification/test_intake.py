"""take_in with in-memory fakes of its ports and the real model: the rules of intake without any AWS."""

import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from ecopulse.intake import REPLACED, ReportPhoto, StoredEvidence, UploadedObject, take_in
from ecopulse.submissions import Status
from ecopulse.tenants import TenantSettings
from ecopulse.uploads import StoredObject, UploadKey, UploadRejected
from ecopulse.verification.facts import PhotoFacts
from ecopulse.verification.service import PhotoContext, verify_photo
from tests.unit.verification.pictures import encode, opencv_photo, skimage_photo
from tests.unit.verification.test_service import MemoryDuplicateIndex

AFTER = "uploads/lahore/alice/sub-00000001/after.jpg"
BEFORE = "uploads/lahore/alice/sub-00000001/before.jpg"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OPENED = NOW - timedelta(minutes=20)
SETTINGS = TenantSettings(auto_approve_confidence=0.85, auto_reject_confidence=0.25)


@pytest.fixture(scope="module")
def photo() -> bytes:
    return encode(Image.open(io.BytesIO(opencv_photo("fruits.jpg"))).convert("RGB"))


@dataclass
class FakePhotos:
    """Versioned objects: key -> [bytes of each version, oldest first]; version ids are "v1", "v2"..."""

    objects: dict[str, list[bytes]]

    def read(self, bucket: str, key: str, max_bytes: int, version_id: str | None = None) -> bytes:
        versions = self.objects[key]
        data = versions[int(version_id[1:]) - 1] if version_id else versions[-1]
        if len(data) > max_bytes:
            raise UploadRejected("too big")
        return data

    def latest(self, bucket: str, prefix: str) -> StoredObject | None:
        key = next((key for key in self.objects if key.startswith(prefix)), None)
        return StoredObject(key, f"v{len(self.objects[key])}", len(self.objects[key][-1])) if key else None


@dataclass
class FakeSubmissions:
    """Submissions opened through the API: id -> owner, status, photo verdicts, facts, versions, reason."""

    items: dict[str, dict] = field(default_factory=dict)

    def open(
        self, submission_id: str, owner: str = "alice", report_photo: ReportPhoto | None = None
    ) -> "FakeSubmissions":
        self.items[submission_id] = {
            "owner": owner, "status": Status.AWAITING_UPLOAD, "verdicts": {}, "facts": {}, "versions": {},
            "replaced": [], "report_photo": report_photo, "keys": {},
        }  # fmt: skip
        return self

    def status_of(self, key: UploadKey) -> Status | None:
        item = self.items.get(key.submission_id)
        return item["status"] if item and item["owner"] == key.user_id else None

    def evidence_of(self, key: UploadKey) -> StoredEvidence:
        item = self.items[key.submission_id]
        before = item["facts"].get("before")
        return StoredEvidence(
            OPENED, before=PhotoFacts.from_dict(before) if before else None, versions=dict(item["versions"]),
            report_photo=item["report_photo"],
        )  # fmt: skip

    def record_photo(self, key: UploadKey, photo_key: str, version_id: str, verdict: dict, facts: dict) -> None:
        item = self.items[key.submission_id]
        item["verdicts"][key.photo], item["facts"][key.photo] = verdict, facts
        item["versions"][key.photo], item["keys"][key.photo] = version_id, photo_key

    def mark_received(self, key: UploadKey, photo_key: str, version_id: str, verdict: dict, facts: dict) -> bool:
        self.record_photo(key, photo_key, version_id, verdict, facts)
        return self._move(key, Status.RECEIVED)

    def mark_refused(self, key: UploadKey, photo_key: str, reason: str) -> bool:
        return self._move(key, Status.REJECTED, reason=reason)

    def flag_replaced(self, key: UploadKey, version_id: str) -> None:
        self.items[key.submission_id]["replaced"].append((key.photo, version_id))

    def _move(self, key: UploadKey, status: Status, **changes) -> bool:
        item = self.items[key.submission_id]
        if item["status"] is not Status.AWAITING_UPLOAD:
            return False
        item.update(status=status, **changes)
        return True


@dataclass
class FakeHeads:
    head: object = None

    def in_force(self, tenant: str):
        return self.head


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

    def run(body: bytes, key: str = AFTER, submissions=None, workflow=None, max_bytes: int = 10_000_000, photos=None):
        submissions = submissions if submissions is not None else FakeSubmissions().open("sub-00000001")
        workflow = workflow if workflow is not None else FakeWorkflow()
        photos = photos if photos is not None else FakePhotos({})
        photos.objects.setdefault(key, []).append(body)
        upload = UploadedObject("bucket", key, len(body), NOW, f"v{len(photos.objects[key])}")
        result = take_in(upload, photos, submissions, workflow, verify, FakeHeads(), SETTINGS, max_bytes)
        return result, submissions, workflow

    return run


@pytest.fixture(scope="module")
def clean_street() -> bytes:
    return encode(skimage_photo("rocket"))


def test_an_after_photo_alone_is_verified_and_sent_to_a_human_with_the_reason(intake, clean_street):
    result, submissions, workflow = intake(clean_street)
    assert result.status is Status.RECEIVED and result.started and result.decision == "review"
    stored = submissions.items["sub-00000001"]["verdicts"]["after"]
    assert stored["model"]["waste_type"] == "not_waste" and stored["photo"]["content_type"] == "image/jpeg"
    assert stored["decision"] == "review" and "before_photo" in {check["name"] for check in stored["checks"]}
    payload = workflow.started["sub-00000001"]
    assert payload["verdict"] == {
        "decision": "review",
        "confidence": stored["confidence"],
        "reasons": stored["reasons"],
    }
    assert "a cleanup needs a before photo as well as an after photo" in payload["verdict"]["reasons"]
    assert submissions.items["sub-00000001"]["versions"] == {"after": "v1"}


def test_an_after_photo_that_still_shows_litter_is_rejected_without_a_human(intake, photo):
    result, _, workflow = intake(photo)
    assert result.decision == "reject"
    reasons = workflow.started["sub-00000001"]["verdict"]["reasons"]
    assert "the after photo still shows litter, or is not a photo that can show a cleanup" in reasons


def test_a_before_photo_is_kept_for_the_pair_and_the_same_photo_as_after_is_rejected(intake, photo):
    submissions = FakeSubmissions().open("sub-00000001")
    result, _, workflow = intake(photo, key=BEFORE, submissions=submissions)
    assert result.status is Status.AWAITING_UPLOAD and workflow.started == {}
    before = submissions.items["sub-00000001"]["facts"]["before"]
    assert before["sha256"] and before["phash"] and before["size"]
    result, _, workflow = intake(photo, submissions=submissions)
    assert result.decision == "reject"
    assert "the after photo is the before photo again" in workflow.started["sub-00000001"]["verdict"]["reasons"]


def test_an_after_photo_delivered_first_has_the_before_photo_in_the_bucket_verified_with_it(intake, photo):
    submissions, photos = FakeSubmissions().open("sub-00000001"), FakePhotos({BEFORE: [photo]})
    result, _, workflow = intake(photo, submissions=submissions, photos=photos)
    assert submissions.items["sub-00000001"]["versions"] == {"before": "v1", "after": "v1"}
    sha256 = hashlib.sha256(photo).hexdigest()
    assert workflow.started["sub-00000001"]["evidence"] == {
        "before": {"version_id": "v1", "sha256": sha256},
        "after": {"version_id": "v1", "sha256": sha256},
    }
    assert result.decision == "reject"
    assert "the after photo is the before photo again" in workflow.started["sub-00000001"]["verdict"]["reasons"]


def test_a_damaged_before_photo_found_with_the_after_refuses_the_submission(intake, clean_street):
    submissions = FakeSubmissions().open("sub-00000001")
    photos = FakePhotos({BEFORE: [b"\xff\xd8\xff" + b"\x00" * 64]})
    result, _, workflow = intake(clean_street, submissions=submissions, photos=photos)
    assert result.status is Status.REJECTED and workflow.started == {}
    assert submissions.items["sub-00000001"]["reason"] == result.reason


def test_a_second_upload_to_a_verified_slot_is_never_read_only_flagged(intake, photo):
    submissions, photos = FakeSubmissions().open("sub-00000001"), FakePhotos({})
    intake(photo, key=BEFORE, submissions=submissions, photos=photos)
    verified = dict(submissions.items["sub-00000001"]["facts"]["before"])
    swapped = encode(Image.new("RGB", (640, 480), (40, 120, 40)))
    result, _, workflow = intake(swapped, key=BEFORE, submissions=submissions, photos=photos)
    assert result.reason == REPLACED and workflow.started == {}
    assert submissions.items["sub-00000001"]["facts"]["before"] == verified
    assert submissions.items["sub-00000001"]["replaced"] == [("before", "v2")]


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


REPORT_PHOTO = "uploads/lahore/rashid/0123abcd-0000/report.jpg"
CLOSEOUT_AFTER = "uploads/lahore/dina/sub-00000002/after.jpg"


def a_closeout(report_photo: str = REPORT_PHOTO) -> FakeSubmissions:
    """Dina's close-out of a report rashid filed with a photo three days before."""
    return FakeSubmissions().open("sub-00000002", "dina", ReportPhoto(report_photo, OPENED - timedelta(days=3)))


def failed_checks(submissions: FakeSubmissions) -> set[str]:
    verdict = submissions.items["sub-00000002"]["verdicts"]["after"]
    return {check["name"] for check in verdict["checks"] if not check["passed"]}


def test_a_close_outs_after_photo_is_judged_against_the_reports_photo_as_its_before(intake, photo, clean_street):
    submissions, photos = a_closeout(), FakePhotos({REPORT_PHOTO: [photo]})
    result, _, workflow = intake(clean_street, key=CLOSEOUT_AFTER, submissions=submissions, photos=photos)
    assert result.status is Status.RECEIVED
    item = submissions.items["sub-00000002"]
    assert item["keys"] == {"before": REPORT_PHOTO, "after": CLOSEOUT_AFTER}
    assert item["versions"] == {"before": "v1", "after": "v1"}
    assert workflow.started["sub-00000002"]["evidence"]["before"]["sha256"] == hashlib.sha256(photo).hexdigest()
    checks = {check["name"] for check in item["verdicts"]["after"]["checks"]}
    assert "same_device" not in checks and "before_photo" not in checks
    assert "before_shows_litter" not in failed_checks(submissions)


@pytest.mark.parametrize(
    "report_photo",
    [None, b"\xff\xd8\xff" + b"\x00" * 64],
    ids=["erased with its reporter", "a damaged file"],
)
def test_a_close_out_whose_report_photo_cannot_be_read_is_judged_alone(intake, clean_street, report_photo):
    submissions = a_closeout()
    photos = FakePhotos({REPORT_PHOTO: [report_photo]} if report_photo else {})
    result, _, workflow = intake(clean_street, key=CLOSEOUT_AFTER, submissions=submissions, photos=photos)
    assert result.status is Status.RECEIVED and result.decision == "review" and "sub-00000002" in workflow.started
    assert "before_photo" in failed_checks(submissions)
    assert submissions.items["sub-00000002"]["versions"] == {"after": "v1"}
