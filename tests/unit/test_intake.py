"""take_in with in-memory fakes of its ports: the rules of intake without any AWS."""

from dataclasses import dataclass, field

import pytest

from ecopulse.intake import UploadedObject, take_in
from ecopulse.submissions import Status
from ecopulse.uploads import UploadKey, UploadRejected

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
KEY = "uploads/lahore/alice/sub-00000001/before.jpg"


@dataclass
class FakePhotos:
    objects: dict[str, bytes]

    def read_head(self, bucket: str, key: str, length: int) -> bytes:
        return self.objects[key][:length]


@dataclass
class FakeSubmissions:
    items: dict[str, dict] = field(default_factory=dict)

    def create_received(self, key: UploadKey, photo_key, content_type, size, verdict) -> bool:
        return self._create(key, status=Status.RECEIVED, content_type=content_type, verdict=verdict)

    def create_refused(self, key: UploadKey, photo_key, size, reason) -> bool:
        return self._create(key, status=Status.REJECTED, reason=reason)

    def _create(self, key: UploadKey, **item) -> bool:
        if key.submission_id in self.items:
            return False
        self.items[key.submission_id] = item
        return True


@dataclass
class FakeWorkflow:
    started: dict[str, dict] = field(default_factory=dict)

    def start(self, execution_name: str, payload: dict) -> bool:
        if execution_name in self.started:
            return False
        self.started[execution_name] = payload
        return True


def run(body: bytes, key: str = KEY, max_bytes: int = 1024, submissions=None, workflow=None):
    submissions = submissions if submissions is not None else FakeSubmissions()
    workflow = workflow if workflow is not None else FakeWorkflow()
    result = take_in(
        UploadedObject("bucket", key, len(body)), FakePhotos({key: body}), submissions, workflow, max_bytes
    )
    return result, submissions, workflow


def test_a_photo_is_recorded_and_its_workflow_started_under_the_submission_id():
    result, submissions, workflow = run(JPEG)
    assert result.status is Status.RECEIVED and result.started
    assert submissions.items["sub-00000001"]["content_type"] == "image/jpeg"
    payload = workflow.started["sub-00000001"]
    assert payload["tenant"] == "lahore" and payload["user_id"] == "alice"
    assert payload["verdict"]["checks"] == {"content_type": "image/jpeg", "size_bytes": len(JPEG)}


def test_a_redelivered_upload_starts_nothing_twice():
    submissions, workflow = FakeSubmissions(), FakeWorkflow()
    run(JPEG, submissions=submissions, workflow=workflow)
    again, _, _ = run(JPEG, submissions=submissions, workflow=workflow)
    assert not again.started
    assert len(workflow.started) == 1 and len(submissions.items) == 1


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


def test_a_key_outside_the_layout_is_refused_before_anything_is_written():
    submissions, workflow = FakeSubmissions(), FakeWorkflow()
    with pytest.raises(UploadRejected):
        run(JPEG, key="uploads/lahore/photo.jpg", submissions=submissions, workflow=workflow)
    assert submissions.items == {} and workflow.started == {}
