"""Intake of an uploaded photo: validate it, record the submission once, start its workflow once."""

from dataclasses import dataclass
from typing import Any, Protocol

from ecopulse.submissions import Status
from ecopulse.uploads import SNIFF_BYTES, UploadKey, UploadRejected, check_size, sniff_image_type


class PhotoStore(Protocol):
    def read_head(self, bucket: str, key: str, length: int) -> bytes: ...


class Submissions(Protocol):
    def create_received(
        self, key: UploadKey, photo_key: str, content_type: str, size: int, verdict: dict
    ) -> bool: ...

    def create_refused(self, key: UploadKey, photo_key: str, size: int, reason: str) -> bool: ...


class WorkflowStarter(Protocol):
    def start(self, execution_name: str, payload: dict[str, Any]) -> bool: ...


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    size: int


@dataclass(frozen=True)
class IntakeResult:
    submission_id: str
    status: Status
    reason: str | None = None
    started: bool = False


def take_in(
    upload: UploadedObject,
    photos: PhotoStore,
    submissions: Submissions,
    workflow: WorkflowStarter,
    max_bytes: int,
) -> IntakeResult:
    """Refuses a bad file with a reason on the submission; a good one is recorded and handed to the workflow.

    A redelivered event finds the submission recorded already and the execution name taken, so neither
    happens twice. A key outside the upload layout raises UploadRejected: there is no submission to tell.
    """
    key = UploadKey.parse(upload.key)
    try:
        check_size(upload.size, max_bytes)
        content_type = sniff_image_type(photos.read_head(upload.bucket, upload.key, SNIFF_BYTES))
    except UploadRejected as refusal:
        submissions.create_refused(key, upload.key, upload.size, str(refusal))
        return IntakeResult(key.submission_id, Status.REJECTED, reason=str(refusal))

    verdict = {"confidence": None, "checks": {"content_type": content_type, "size_bytes": upload.size}}
    submissions.create_received(key, upload.key, content_type, upload.size, verdict)
    started = workflow.start(
        key.submission_id,
        {
            "tenant": key.tenant,
            "user_id": key.user_id,
            "submission_id": key.submission_id,
            "verdict": verdict,
        },
    )
    return IntakeResult(key.submission_id, Status.RECEIVED, started=started)
