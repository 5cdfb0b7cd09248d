"""Intake of an uploaded photo: verify it, record the verdict on its submission once, start its workflow once."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ecopulse.submissions import Status
from ecopulse.tenants import TenantSettings
from ecopulse.uploads import AFTER_PHOTO, UploadKey, UploadRejected, check_size
from ecopulse.verification.facts import PhotoFacts
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.service import PhotoContext
from ecopulse.verification.verdict import PhotoKind, Verdict


class PhotoStore(Protocol):
    def read(self, bucket: str, key: str, max_bytes: int) -> bytes: ...


class Submissions(Protocol):
    def status_of(self, key: UploadKey) -> Status | None: ...

    def comparison_of(self, key: UploadKey) -> tuple[GeoPoint | None, PhotoFacts | None]:
        """The linked report's place and the verified "before" photo's facts, if any."""
        ...

    def record_photo(self, key: UploadKey, photo_key: str, verdict: dict, facts: dict) -> None: ...

    def mark_received(self, key: UploadKey, photo_key: str, verdict: dict, facts: dict) -> bool: ...

    def mark_refused(self, key: UploadKey, photo_key: str, reason: str) -> bool: ...


class WorkflowStarter(Protocol):
    def start(self, execution_name: str, payload: dict[str, Any]) -> bool: ...


Verify = Callable[[bytes, PhotoContext], Verdict]


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    size: int
    submitted_at: datetime


@dataclass(frozen=True)
class IntakeResult:
    submission_id: str
    status: Status | None
    reason: str | None = None
    confidence: float | None = None
    started: bool = False


def take_in(
    upload: UploadedObject,
    photos: PhotoStore,
    submissions: Submissions,
    workflow: WorkflowStarter,
    verify: Verify,
    settings: TenantSettings,
    max_bytes: int,
) -> IntakeResult:
    """Refuses a bad file with a reason on the submission; verifies a good one. A "before" photo is kept for
    the pair check; the "after" photo moves the submission on and starts its workflow with the verdict and
    the tenant's thresholds.

    Only a submission created through the API and owned by the uploader takes photos. A redelivered event
    finds the submission received already (the conditional write changes nothing) and the execution name
    taken, so nothing happens twice, while a delivery that failed half-way still gets its workflow started.
    A key outside the upload layout raises UploadRejected: there is no submission to tell.
    """
    key = UploadKey.parse(upload.key)
    status = None if key.is_report_photo else submissions.status_of(key)
    if status not in (Status.AWAITING_UPLOAD, Status.RECEIVED):
        return IntakeResult(key.submission_id, status, reason="no submission waits for this upload")
    report_location, before = submissions.comparison_of(key)
    context = PhotoContext(
        tenant=key.tenant,
        user_id=key.user_id,
        submission_id=key.submission_id,
        photo_key=upload.key,
        submitted_at=upload.submitted_at,
        kind=PhotoKind(key.photo),
        report_location=report_location,
        before=before if key.photo == AFTER_PHOTO else None,
    )
    try:
        check_size(upload.size, max_bytes)
        verdict = verify(photos.read(upload.bucket, upload.key, max_bytes), context)
    except UploadRejected as refusal:
        submissions.mark_refused(key, upload.key, str(refusal))
        return IntakeResult(key.submission_id, Status.REJECTED, reason=str(refusal))
    summary, facts = verdict.to_dict(), verdict.facts.to_dict()
    if key.photo != AFTER_PHOTO:
        submissions.record_photo(key, upload.key, summary, facts)
        return IntakeResult(key.submission_id, Status.AWAITING_UPLOAD, confidence=verdict.confidence)

    submissions.mark_received(key, upload.key, summary, facts)
    started = workflow.start(
        key.submission_id,
        {
            "tenant": key.tenant,
            "user_id": key.user_id,
            "submission_id": key.submission_id,
            "verdict": {"confidence": summary["confidence"], "flags": summary["flags"]},
            "thresholds": {
                "approve": settings.auto_approve_confidence,
                "reject": settings.auto_reject_confidence,
            },
        },
    )
    return IntakeResult(key.submission_id, Status.RECEIVED, confidence=verdict.confidence, started=started)
