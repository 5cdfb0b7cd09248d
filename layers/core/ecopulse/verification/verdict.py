"""One confidence per photo from the model's evidence and the signals, with every signal kept for admins.

    confidence = evidence x product over flagged signals of (1 - penalty[signal])

``evidence`` is the model's waste probability for a report or "before" photo (it should show litter) and one
minus it for an "after" photo (it should show a cleaned place). Unflagged signals leave the confidence alone.
The penalties are set by how strongly each signal indicates fraud or an unusable photo; docs/verification.md
explains each. Thresholds belong to the tenant and are applied by the workflow; ``decision_hint`` only tells
the UI what they would decide.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ecopulse.verification.facts import PhotoFacts
from ecopulse.verification.scoring import Classification
from ecopulse.verification.signals import Signal

PENALTIES = {
    "near_duplicate": 0.9,
    "gps_distance": 0.6,
    "capture_time": 0.5,
    "editing_software": 0.3,
    "edited_after_capture": 0.3,
    "blur": 0.3,
    "darkness": 0.3,
    "recompression": 0.2,
    "missing_exif": 0.2,
}


class PhotoKind(StrEnum):
    REPORT = "report"
    BEFORE = "before"
    AFTER = "after"


class Hint(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    REJECT = "reject"


@dataclass(frozen=True)
class Thresholds:
    """A tenant's: approve automatically at ``high`` or above, reject below ``low``, else a human reviews."""

    high: float
    low: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.low <= self.high <= 1.0:
            raise ValueError(f"thresholds need 0 <= low <= high <= 1, got low={self.low}, high={self.high}")


@dataclass(frozen=True)
class Verdict:
    kind: PhotoKind
    confidence: float
    evidence: float
    classification: Classification
    signals: tuple[Signal, ...]
    facts: PhotoFacts
    photo: dict[str, Any]
    verified_at: datetime

    @property
    def flagged(self) -> tuple[Signal, ...]:
        return tuple(signal for signal in self.signals if signal.flagged)

    def to_dict(self) -> dict[str, Any]:
        """What the submission stores and the workflow receives; the embedding stays in ``facts``."""
        return {
            "kind": self.kind.value,
            "confidence": round(self.confidence, 4),
            "evidence": round(self.evidence, 4),
            "model": self.classification.to_dict(),
            "flags": [signal.name for signal in self.flagged],
            "signals": [signal.to_dict() for signal in self.signals],
            "photo": self.photo,
            "verified_at": self.verified_at.isoformat(),
        }


def model_evidence(kind: PhotoKind, waste_probability: float) -> float:
    """How far the model supports the claim: litter in a report or "before" photo, none in an "after" one."""
    return 1.0 - waste_probability if kind is PhotoKind.AFTER else waste_probability


def combined_confidence(evidence: float, signals: tuple[Signal, ...]) -> float:
    """evidence x product of (1 - penalty) over the flagged signals, clamped to [0, 1]."""
    confidence = min(1.0, max(0.0, evidence))
    for signal in signals:
        if signal.flagged:
            confidence *= 1.0 - PENALTIES[signal.name]
    return confidence


def decision_hint(confidence: float, thresholds: Thresholds) -> Hint:
    if confidence >= thresholds.high:
        return Hint.APPROVE
    if confidence < thresholds.low:
        return Hint.REJECT
    return Hint.REVIEW
