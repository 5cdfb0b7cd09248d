"""Intake of an uploaded photo: verify it, record the verdict on its submission once, start its workflow once; or,
for a report's photo, verify it, make its copies and show the verdict on the reports that name it."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from shapely.geometry import Point

from ecopulse.report_photos import (
    COPY_CONTENT_TYPE,
    PHOTO_REPLACED,
    PhotoBoard,
    PhotoResult,
    PhotoStatus,
    copy_key,
    publish,
)
from ecopulse.submissions import Status
from ecopulse.tenants import TenantSettings
from ecopulse.uploads import AFTER_PHOTO, BEFORE_PHOTO, StoredObject, UploadKey, UploadRejected, check_size
from ecopulse.verification.copies import PhotoCopy
from ecopulse.verification.evidence import Decision, EvidenceRules, Scorer, assess_cleanup
from ecopulse.verification.facts import PhotoFacts
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.service import PhotoContext
from ecopulse.verification.verdict import PENALTIES, PhotoKind, Verdict


class PhotoStore(Protocol):
    def read(self, bucket: str, key: str, max_bytes: int, version_id: str | None = None) -> bytes: ...

    def latest(self, bucket: str, prefix: str) -> StoredObject | None:
        """The newest object whose key starts with ``prefix``, if any."""
        ...


@dataclass(frozen=True)
class ReportPhoto:
    """A report's photo, the "before" of a driver's close-out of the report (``ecopulse.jobs``)."""

    key: str
    filed_at: datetime


@dataclass(frozen=True)
class StoredEvidence:
    """What the submission already holds when a photo arrives: when it was opened, its report's place, its
    verified "before" photo, the object version verified for each photo slot, and for a close-out of a report
    with a photo, that photo."""

    opened_at: datetime
    report_location: GeoPoint | None = None
    before: PhotoFacts | None = None
    versions: dict[str, str] = field(default_factory=dict)
    report_photo: ReportPhoto | None = None


class Submissions(Protocol):
    def status_of(self, key: UploadKey) -> Status | None: ...

    def evidence_of(self, key: UploadKey) -> StoredEvidence: ...

    def record_photo(
        self, key: UploadKey, photo_key: str, version_id: str, verdict: dict[str, Any], facts: dict[str, Any]
    ) -> None: ...

    def mark_received(
        self, key: UploadKey, photo_key: str, version_id: str, verdict: dict[str, Any], facts: dict[str, Any]
    ) -> bool: ...

    def mark_refused(self, key: UploadKey, photo_key: str, reason: str) -> bool: ...

    def flag_replaced(self, key: UploadKey, version_id: str) -> None:
        """Note on the submission, and in its audit, that its verified photo was uploaded over."""
        ...


class WorkflowStarter(Protocol):
    def start(self, execution_name: str, payload: dict[str, Any]) -> bool: ...


class Heads(Protocol):
    def in_force(self, tenant: str) -> Scorer | None:
        """The tenant's reviewer-trained head, None when the rules decide alone."""
        ...


Verify = Callable[[bytes, PhotoContext], Verdict]
REPLACED = "this photo was verified already: a new upload to its slot is ignored"


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    size: int
    submitted_at: datetime
    version_id: str = ""
    etag: str = ""


@dataclass(frozen=True)
class VerifiedPhoto:
    facts: PhotoFacts
    version_id: str


@dataclass(frozen=True)
class IntakeResult:
    submission_id: str
    status: Status | None
    reason: str | None = None
    decision: Decision | None = None
    confidence: float | None = None
    started: bool = False


def take_in(
    upload: UploadedObject,
    photos: PhotoStore,
    submissions: Submissions,
    workflow: WorkflowStarter,
    verify: Verify,
    heads: Heads,
    settings: TenantSettings,
    max_bytes: int,
) -> IntakeResult:
    """Refuses a bad file with a reason on the submission; verifies a good one. A "before" photo is kept for
    the pair; the "after" photo has the whole cleanup assessed (``evidence.assess_cleanup``), moves the
    submission on and starts its workflow with the decision.

    Only a submission created through the API and owned by the uploader takes photos, and each photo slot
    takes one object version: a later upload to a slot already verified (a form posted again) is never read,
    only flagged, so the evidence an admin sees is the evidence that was verified. A redelivered event finds
    the same version, the submission received already (the conditional write changes nothing) and the
    execution name taken, so nothing happens twice, while a delivery that failed half-way still gets its
    workflow started. A key outside the upload layout raises UploadRejected: there is no submission to tell.
    """
    key = UploadKey.parse(upload.key)
    status = None if key.is_report_photo else submissions.status_of(key)
    if status is None:
        return IntakeResult(key.submission_id, status, reason="no submission waits for this upload")
    stored = submissions.evidence_of(key)
    verified_version = stored.versions.get(key.photo)
    if verified_version is not None and verified_version != upload.version_id:
        submissions.flag_replaced(key, upload.version_id)
        return IntakeResult(key.submission_id, status, reason=REPLACED)
    if status not in (Status.AWAITING_UPLOAD, Status.RECEIVED):
        return IntakeResult(key.submission_id, status, reason="no submission waits for this upload")
    this = StoredObject(upload.key, upload.version_id, upload.size)
    try:
        verdict = _verified(this, upload, stored, photos, verify, max_bytes)
        if key.photo != AFTER_PHOTO:
            submissions.record_photo(key, upload.key, upload.version_id, verdict.to_dict(), verdict.facts.to_dict())
            return IntakeResult(key.submission_id, Status.AWAITING_UPLOAD, confidence=verdict.confidence)
        before = _before_photo(key, upload, stored, photos, submissions, verify, max_bytes)
    except UploadRejected as refusal:
        submissions.mark_refused(key, upload.key, str(refusal))
        return IntakeResult(key.submission_id, Status.REJECTED, reason=str(refusal))

    rules = EvidenceRules.from_settings(settings)
    head = heads.in_force(key.tenant)
    report_before = before is not None and stored.report_photo is not None
    assessment = assess_cleanup(
        before.facts if before else None, verdict.facts, stored.opened_at, rules, head, report_before
    )
    summary = {**verdict.to_dict(), **assessment.to_dict()}
    submissions.mark_received(key, upload.key, upload.version_id, summary, verdict.facts.to_dict())
    started = workflow.start(
        key.submission_id,
        {
            "tenant": key.tenant,
            "user_id": key.user_id,
            "submission_id": key.submission_id,
            "verdict": {
                "decision": assessment.decision.value,
                "confidence": round(assessment.confidence, 4),
                "reasons": list(assessment.reasons),
            },
            "evidence": {
                AFTER_PHOTO: {"version_id": upload.version_id, "sha256": verdict.facts.sha256},
                **({BEFORE_PHOTO: {"version_id": before.version_id, "sha256": before.facts.sha256}} if before else {}),
            },
        },
    )
    return IntakeResult(
        key.submission_id,
        Status.RECEIVED,
        decision=assessment.decision,
        confidence=assessment.confidence,
        started=started,
    )


def _verified(
    photo: StoredObject,
    upload: UploadedObject,
    stored: StoredEvidence,
    photos: PhotoStore,
    verify: Verify,
    max_bytes: int,
) -> Verdict:
    """One photo of the submission, read at its version and verified; UploadRejected if the file is refused."""
    key = UploadKey.parse(photo.key)
    context = PhotoContext(
        tenant=key.tenant,
        user_id=key.user_id,
        submission_id=key.submission_id,
        photo_key=photo.key,
        submitted_at=upload.submitted_at,
        kind=PhotoKind(key.photo),
        report_location=stored.report_location,
    )
    check_size(photo.size, max_bytes)
    return verify(photos.read(upload.bucket, photo.key, max_bytes, photo.version_id or None), context)


def _before_photo(
    key: UploadKey,
    upload: UploadedObject,
    stored: StoredEvidence,
    photos: PhotoStore,
    submissions: Submissions,
    verify: Verify,
    max_bytes: int,
) -> VerifiedPhoto | None:
    """The verified "before" photo, if there is one.

    An app uploads both photos at once, so the "after" photo may be taken in before the "before" photo's own
    event: the "before" photo in the bucket is then verified and recorded now (its own event later finds the
    same version recorded), so that the pair is judged as a whole whatever the order of delivery."""
    if stored.before is not None:
        return VerifiedPhoto(stored.before, stored.versions.get(BEFORE_PHOTO, ""))
    if stored.report_photo is not None:
        return _report_photo(key, upload, stored, stored.report_photo, photos, submissions, verify, max_bytes)
    found = photos.latest(upload.bucket, key.slot_prefix(BEFORE_PHOTO))
    if found is None:
        return None
    verdict = _verified(found, upload, stored, photos, verify, max_bytes)
    before_key = UploadKey.parse(found.key)
    submissions.record_photo(before_key, found.key, found.version_id, verdict.to_dict(), verdict.facts.to_dict())
    return VerifiedPhoto(verdict.facts, found.version_id)


def _report_photo(
    key: UploadKey,
    upload: UploadedObject,
    stored: StoredEvidence,
    report_photo: ReportPhoto,
    photos: PhotoStore,
    submissions: Submissions,
    verify: Verify,
    max_bytes: int,
) -> VerifiedPhoto | None:
    """A close-out's "before": the report's photo, verified as its reporter sent it (their photo, sent when the
    report was filed, so that its own signals read as they did then and it is no duplicate of itself) and recorded
    in the close-out's "before" slot. None when it is gone (erased with its reporter's account) or its file is
    refused: the "after" photo is then judged alone."""
    found = photos.latest(upload.bucket, report_photo.key)
    if found is None or found.key != report_photo.key:
        return None
    source = UploadKey.parse(found.key)
    context = PhotoContext(
        tenant=key.tenant,
        user_id=source.user_id,
        submission_id=source.submission_id,
        photo_key=found.key,
        submitted_at=report_photo.filed_at,
        kind=PhotoKind.BEFORE,
        report_location=stored.report_location,
    )
    try:
        check_size(found.size, max_bytes)
        verdict = verify(photos.read(upload.bucket, found.key, max_bytes, found.version_id or None), context)
    except UploadRejected:
        return None
    slot = UploadKey(key.tenant, key.user_id, key.submission_id, BEFORE_PHOTO)
    submissions.record_photo(slot, found.key, found.version_id, verdict.to_dict(), verdict.facts.to_dict())
    return VerifiedPhoto(verdict.facts, found.version_id)


class CopyStore(Protocol):
    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> None: ...


MakeCopies = Callable[[bytes], Sequence[PhotoCopy]]
OUTSIDE_SERVICE_AREA = "outside_service_area"


def take_in_report_photo(
    upload: UploadedObject,
    photos: PhotoStore,
    board: PhotoBoard,
    copies: CopyStore,
    verify: Verify,
    make_copies: MakeCopies,
    settings: TenantSettings,
    max_bytes: int,
) -> PhotoResult:
    """Verifies a report photo, stores its resized copies next to the uploads and shows the result on the reports
    that name it (those filed later pick it up as they are filed: ``ecopulse.report_photos``).

    The first version of a photo taken in is the photo. A redelivered event shows the result recorded again (a
    delivery that failed half-way is finished); the same file posted again (its ETag) changes nothing; another
    file posted over a photo taken in refuses the photo, without reading the new file: what the reports show was
    verified. A file the verifier refuses shows as refused, with the verifier's reason.
    """
    known = board.result_of(upload.key)
    if known is not None and known.status is not PhotoStatus.PENDING:
        if known.version_id == upload.version_id or (upload.etag and upload.etag == known.etag):
            publish(board, upload.key, known, None)
            return known
        replaced = replace(known, status=PhotoStatus.REFUSED, reasons=(PHOTO_REPLACED,), revision=known.revision + 1)
        publish(board, upload.key, replaced, None)
        return replaced
    key = UploadKey.parse(upload.key)
    context = PhotoContext(
        tenant=key.tenant,
        user_id=key.user_id,
        submission_id=key.submission_id,
        photo_key=upload.key,
        submitted_at=upload.submitted_at,
        kind=PhotoKind.REPORT,
    )
    try:
        check_size(upload.size, max_bytes)
        data = photos.read(upload.bucket, upload.key, max_bytes, upload.version_id or None)
        verdict = verify(data, context)
        made = make_copies(data)
    except UploadRejected as refusal:
        refused = PhotoResult(PhotoStatus.REFUSED, upload.version_id, upload.etag, reasons=(str(refusal),), revision=1)
        publish(board, upload.key, refused, {"refused": str(refusal)})
        return refused
    for made_copy in made:
        copies.put(upload.bucket, copy_key(upload.key, made_copy.size), made_copy.data, COPY_CONTENT_TYPE)
    result = report_photo_result(verdict, upload, EvidenceRules.from_settings(settings))
    publish(board, upload.key, result, verdict.to_dict())
    return result


def report_photo_result(verdict: Verdict, upload: UploadedObject, rules: EvidenceRules) -> PhotoResult:
    """The verdict as a report shows it: the model's waste type, the photo's confidence (lowered as for a photo
    far from its report when its GPS lies outside the city's service area) and the names of what was flagged."""
    flags = [signal.name for signal in verdict.flagged]
    confidence = verdict.confidence
    location = verdict.facts.location
    area = rules.service_area
    if area is not None and location is not None and not area.covers(Point(location.lng, location.lat)):
        flags.append(OUTSIDE_SERVICE_AREA)
        confidence *= 1.0 - PENALTIES["gps_distance"]
    return PhotoResult(
        PhotoStatus.VERIFIED,
        upload.version_id,
        upload.etag,
        ai_type=verdict.classification.waste_type,
        ai_confidence=round(confidence, 4),
        reasons=tuple(flags),
        revision=1,
    )
