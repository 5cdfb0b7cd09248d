"""Intake of an uploaded photo: validate it, record it on its submission once, start its workflow once."""

from dataclasses import dataclass
from typing import Any, Protocol

from ecopulse.submissions import Status
from ecopulse.uploads import AFTER_PHOTO, SNIFF_BYTES, UploadKey, UploadRejected, check_size, sniff_image_type


class PhotoStore(Protocol):
    def read_head(self, bucket: str, key: str, length: int) -> bytes: ...


class Submissions(Protocol):
    def status_of(self, key: UploadKey) -> Status | None: ...

    def record_photo(self, key: UploadKey, photo_key: str) -> None: ...

    def mark_received(self, key: UploadKey, photo_key: str, content_type: str, size: int, verdict: dict) -> bool: ...

    def mark_refused(self, key: UploadKey, photo_key: str, reason: str) -> bool: ...


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
    status: Status | None
    reason: str | None = None
    started: bool = False


def take_in(
    upload: UploadedObject,
    photos: PhotoStore,
    submissions: Submissions,
    workflow: WorkflowStarter,
    max_bytes: int,
) -> IntakeResult:
    """Refuses a bad file with a reason on the submission; a good "after" photo moves the submission on and
    starts its workflow; a "before" photo is kept for the pair check.

    Only a submission created through the API and owned by the uploader takes photos. A redelivered event
    finds the submission received already (the conditional write changes nothing) and the execution name
    taken, so nothing happens twice, while a delivery that failed half-way still gets its workflow started.
    A key outside the upload layout raises UploadRejected: there is no submission to tell.
    """
    key = UploadKey.parse(upload.key)
    status = None if key.is_report_photo else submissions.status_of(key)
    if status not in (Status.AWAITING_UPLOAD, Status.RECEIVED):
        return IntakeResult(key.submission_id, status, reason="no submission waits for this upload")
    try:
        check_size(upload.size, max_bytes)
        content_type = sniff_image_type(photos.read_head(upload.bucket, upload.key, SNIFF_BYTES))
    except UploadRejected as refusal:
        submissions.mark_refused(key, upload.key, str(refusal))
        return IntakeResult(key.submission_id, Status.REJECTED, reason=str(refusal))
    if key.photo != AFTER_PHOTO:
        submissions.record_photo(key, upload.key)
        return IntakeResult(key.submission_id, Status.AWAITING_UPLOAD)

    verdict = {"confidence": None, "checks": {"content_type": content_type, "size_bytes": upload.size}}
    submissions.mark_received(key, upload.key, content_type, upload.size, verdict)
    started = workflow.start(
        key.submission_id,
        {"tenant": key.tenant, "user_id": key.user_id, "submission_id": key.submission_id, "verdict": verdict},
    )
    return IntakeResult(key.submission_id, Status.RECEIVED, started=started)
