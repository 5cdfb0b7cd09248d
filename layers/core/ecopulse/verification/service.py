"""Verify one uploaded photo: decode, classify, gather signals, combine, and remember its hash.

Pure except for its ports: the classifier (the ONNX model), the duplicate index (DynamoDB in AWS) and the
clock. A refusal of the file itself raises ``PhotoRejected`` with the reason for the submission. Whether a
before/after pair proves a cleanup is judged afterwards, on both photos' facts, by ``evidence.assess_cleanup``.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ecopulse.verification import signals
from ecopulse.verification.duplicates import DuplicateIndex, PhotoRecord, format_hash
from ecopulse.verification.facts import PhotoFacts
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.hashing import hash_variants
from ecopulse.verification.image import Photo, load_photo
from ecopulse.verification.scoring import Classification
from ecopulse.verification.verdict import PhotoKind, Verdict, combined_confidence, model_evidence

Clock = Callable[[], datetime]


class PhotoClassifier(Protocol):
    def classify(self, photo: Photo) -> Classification: ...


@dataclass(frozen=True)
class VerificationPolicy:
    """Limits and signal thresholds; the defaults are argued in docs/verification.md."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 50_000_000
    duplicate_distance: int = 8
    capture_max_age: timedelta = timedelta(hours=72)
    report_max_distance_m: float = 250.0
    min_jpeg_quality: int = 80
    min_sharpness: float = 20.0
    min_brightness: float = 35.0


DEFAULT_POLICY = VerificationPolicy()


@dataclass(frozen=True)
class PhotoContext:
    """Who sent the photo, for what, and where its report says the litter is."""

    tenant: str
    user_id: str
    submission_id: str
    photo_key: str
    submitted_at: datetime
    kind: PhotoKind = PhotoKind.REPORT
    report_location: GeoPoint | None = None


def verify_photo(
    data: bytes,
    context: PhotoContext,
    classifier: PhotoClassifier,
    duplicates: DuplicateIndex,
    clock: Clock,
    policy: VerificationPolicy = DEFAULT_POLICY,
) -> Verdict:
    """The photo's verdict, after remembering its hash for later lookups; ``PhotoRejected`` if the file is
    refused (nothing is remembered then)."""
    photo = load_photo(data, policy.max_bytes, policy.max_pixels)
    classification = classifier.classify(photo)
    variants = hash_variants(photo.view)
    # Photos of the same submission (its before/after pair, or this photo redelivered) are not duplicates.
    matches = [
        match
        for match in duplicates.find_near(context.tenant, variants[0], policy.duplicate_distance)
        if match.submission_id != context.submission_id
    ]
    found = (*photo_signals(photo, context, policy), signals.near_duplicate(matches, context.user_id))
    facts = photo_facts(data, photo, variants[0], classification, found)
    evidence = model_evidence(context.kind, classification.waste_probability)
    now = clock()
    duplicates.remember(
        PhotoRecord(
            tenant=context.tenant,
            photo_key=context.photo_key,
            submission_id=context.submission_id,
            user_id=context.user_id,
            phash=facts.phash,
            variants=variants,
            created_at=now,
        )
    )
    return Verdict(
        kind=context.kind,
        confidence=combined_confidence(evidence, found),
        evidence=evidence,
        classification=classification,
        signals=found,
        facts=facts,
        photo=photo_summary(photo, facts),
        verified_at=now,
    )


def photo_signals(photo: Photo, context: PhotoContext, policy: VerificationPolicy) -> tuple[signals.Signal, ...]:
    """The signals that need only the photo and its context."""
    exif = photo.exif
    return (
        signals.capture_time(exif, context.submitted_at, policy.capture_max_age),
        signals.gps_distance(exif.location, context.report_location, policy.report_max_distance_m),
        signals.missing_exif(exif),
        signals.editing_software(exif),
        signals.edited_after_capture(exif, photo.size),
        signals.recompression(photo.format, photo.quantization, policy.min_jpeg_quality),
        signals.blur(photo.view, policy.min_sharpness),
        signals.darkness(photo.view, policy.min_brightness),
    )


def photo_facts(
    data: bytes, photo: Photo, phash: int, classification: Classification, found: tuple[signals.Signal, ...]
) -> PhotoFacts:
    """What the pair checks need of this photo once its partner arrives."""
    captured_at, zone_known = photo.exif.captured_at()
    return PhotoFacts(
        phash=phash,
        location=photo.exif.location,
        embedding=classification.embedding,
        waste_probability=classification.waste_probability,
        sha256=hashlib.sha256(data).hexdigest(),
        captured_at=captured_at,
        capture_zone_known=zone_known,
        camera=photo.exif.camera,
        lens=photo.exif.lens,
        size=photo.upright_size,
        flags=tuple(signal.name for signal in found if signal.flagged),
    )


def photo_summary(photo: Photo, facts: PhotoFacts) -> dict[str, Any]:
    """The facts an admin sees next to the photo."""
    captured_at, zone_known = photo.exif.captured_at()
    width, height = photo.upright_size
    return {
        "content_type": photo.content_type,
        "format": photo.format,
        "width": width,
        "height": height,
        "bytes": photo.byte_size,
        "phash": format_hash(facts.phash),
        "captured_at": captured_at.isoformat() if captured_at else None,
        "capture_zone_known": zone_known,
        "location": photo.exif.location.to_dict() if photo.exif.location else None,
        "camera": photo.exif.camera,
        "lens": photo.exif.lens,
        "sha256": facts.sha256,
        "software": photo.exif.software,
    }
