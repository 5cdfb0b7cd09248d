"""take_in with in-memory fakes of its ports: the rules of intake without any AWS."""

from dataclasses import dataclass, field

import pytest

from ecopulse.intake import UploadedObject, take_in
from ecopulse.submissions import Status
from ecopulse.uploads import UploadKey, UploadRejected

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
AFTER = "uploads/lahore/alice/sub-00000001/after.jpg"
BEFORE = "uploads/lahore/alice/sub-00000001/before.jpg"


@dataclass
class FakePhotos:
    objects: dict[str, bytes]

    def read_head(self, bucket: str, key: str, length: int) -> bytes:
        return self.objects[key][:length]


@dataclass
class FakeSubmissions:
    """Submissions opened through the API: id -> (owner, status, photos, reason)."""

    items: dict[str, dict] = field(default_factory=dict)

    def open(self, submission_id: str, owner: str = "alice") -> "FakeSubmissions":
        self.items[submission_id] = {"owner": owner, "status": Status.AWAITING_UPLOAD, "photos": {}}
        return self

    def status_of(self, key: UploadKey) -> Status | None:
        item = self.items.get(key.submission_id)
        return item["status"] if item and item["owner"] == key.user_id else None

    def record_photo(self, key: UploadKey, photo_key: str) -> None:
        self.items[key.submission_id]["photos"][key.photo] = photo_key

    def mark_received(self, key: UploadKey, photo_key, content_type, size, verdict) -> bool:
        return self._move(key, Status.RECEIVED, content_type=content_type, verdict=verdict)

    def mark_refused(self, key: UploadKey, photo_key, reason) -> bool:
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


def run(body: bytes, key: str = AFTER, submissions=None, workflow=None, max_bytes: int = 1024):
    submissions = submissions if submissions is not None else FakeSubmissions().open("sub-00000001")
    workflow = workflow if workflow is not None else FakeWorkflow()
    result = take_in(
        UploadedObject("bucket", key, len(body)), FakePhotos({key: body}), submissions, workflow, max_bytes
    )
    return result, submissions, workflow


def test_an_after_photo_moves_the_submission_on_and_starts_its_workflow_under_its_id():
    result, submissions, workflow = run(JPEG)
    assert result.status is Status.RECEIVED and result.started
    assert submissions.items["sub-00000001"]["content_type"] == "image/jpeg"
    payload = workflow.started["sub-00000001"]
    assert payload["tenant"] == "lahore" and payload["user_id"] == "alice"
    assert payload["verdict"]["checks"] == {"content_type": "image/jpeg", "size_bytes": len(JPEG)}


def test_a_before_photo_is_kept_without_starting_anything():
    result, submissions, workflow = run(JPEG, key=BEFORE)
    assert result.status is Status.AWAITING_UPLOAD
    assert submissions.items["sub-00000001"]["photos"] == {"before": BEFORE}
    assert workflow.started == {}


def test_a_redelivered_upload_starts_nothing_twice():
    submissions, workflow = FakeSubmissions().open("sub-00000001"), FakeWorkflow()
    run(JPEG, submissions=submissions, workflow=workflow)
    again, _, _ = run(JPEG, submissions=submissions, workflow=workflow)
    assert not again.started
    assert len(workflow.started) == 1


def test_a_delivery_that_failed_after_recording_still_starts_the_workflow_when_redelivered():
    submissions = FakeSubmissions().open("sub-00000001")
    submissions.items["sub-00000001"]["status"] = Status.RECEIVED
    result, _, workflow = run(JPEG, submissions=submissions)
    assert result.started and "sub-00000001" in workflow.started


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"GIF89a" + b"\x00" * 40, "not a JPEG, PNG or WebP"),
        (JPEG * 100, "more than the 1024 allowed"),
    ],
)
def test_a_bad_file_is_refused_with_its_reason_and_no_workflow(body, reason):
    result, submissions, workflow = run(body)
    assert result.status is Status.REJECTED and reason in result.reason
    assert reason in submissions.items["sub-00000001"]["reason"]
    assert workflow.started == {}


@pytest.mark.parametrize(
    "submissions",
    [FakeSubmissions(), FakeSubmissions().open("sub-00000001", owner="mallory")],
    ids=["never opened", "someone else's"],
)
def test_an_upload_no_submission_of_the_uploader_waits_for_is_ignored(submissions):
    result, _, workflow = run(JPEG, submissions=submissions)
    assert result.status is None and workflow.started == {}


def test_a_key_outside_the_layout_is_refused_before_anything_is_written():
    submissions, workflow = FakeSubmissions(), FakeWorkflow()
    with pytest.raises(UploadRejected):
        run(JPEG, key="uploads/lahore/photo.jpg", submissions=submissions, workflow=workflow)
    assert submissions.items == {} and workflow.started == {}
