"""What reviewers' decisions leave behind for learning: the labels, and the record of each promoted head.

Plain data with no numpy, so the adapters that store them and the API functions that show them (which do
not carry the inference layer) can import them; ``learning`` does the numerical work.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class ReviewLabel:
    """An admin's decision on a cleanup, with the evidence the verifier had when it was made.

    ``features`` are named numbers (a name missing from a label reads as 0); ``embedding`` is the "after"
    photo's little-endian float16 embedding as the classifier keeps it.
    """

    submission_id: str
    approved: bool
    decided_at: datetime
    features: dict[str, float] = field(default_factory=dict)
    embedding: bytes = b""

    def __post_init__(self) -> None:
        if not self.submission_id:
            raise ValueError("a label needs its submission id")
        if self.decided_at.tzinfo is None:
            raise ValueError("decided_at must carry its time zone")
        object.__setattr__(self, "decided_at", self.decided_at.astimezone(UTC))
        object.__setattr__(self, "approved", bool(self.approved))
        features = {}
        for name, value in self.features.items():
            if not isinstance(name, str) or not name:
                raise ValueError("feature names must be non-empty strings")
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(f"feature {name} is {number}; only finite numbers can be learned from")
            features[name] = number
        object.__setattr__(self, "features", features)
        if len(self.embedding) % 2:
            raise ValueError("an embedding is float16 values, two bytes each")


class LabelSource(Protocol):
    def labels(self, tenant: str) -> list[ReviewLabel]:
        """Every label of the tenant, oldest first."""
        ...


@dataclass(frozen=True)
class PromotedHead:
    """One promotion as the head store keeps it: which head, how it did, what it replaced and why."""

    version: str
    trained_at: datetime
    promoted_at: datetime
    threshold: float
    label_count: int
    reason: str
    evaluation: dict[str, Any]
    replaced_version: str | None = None
    replaced_evaluation: dict[str, Any] | None = None
    sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "trained_at": self.trained_at.isoformat(),
            "promoted_at": self.promoted_at.isoformat(),
            "threshold": self.threshold,
            "label_count": self.label_count,
            "reason": self.reason,
            "evaluation": self.evaluation,
            "replaced_version": self.replaced_version,
            "replaced_evaluation": self.replaced_evaluation,
            "sha256": self.sha256,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PromotedHead":
        return cls(
            version=str(data["version"]),
            trained_at=datetime.fromisoformat(data["trained_at"]),
            promoted_at=datetime.fromisoformat(data["promoted_at"]),
            threshold=float(data["threshold"]),
            label_count=int(data["label_count"]),
            reason=str(data["reason"]),
            evaluation=dict(data["evaluation"]),
            replaced_version=data.get("replaced_version"),
            replaced_evaluation=data.get("replaced_evaluation"),
            sha256=str(data.get("sha256", "")),
        )


class LabelTally(Protocol):
    def tally(self, tenant: str) -> tuple[int, int]:
        """How many of the tenant's labels approve, and how many reject."""
        ...


class PromotionRecord(Protocol):
    def current_record(self, tenant: str) -> PromotedHead | None: ...

    def history(self, tenant: str) -> list[PromotedHead]:
        """Every promotion of the tenant, newest first."""
        ...


@dataclass(frozen=True)
class VerifierStanding:
    """What a city's verifier has learned: the head in force (none: the rules decide alone), every promotion,
    the labels so far and the false-approval rate it is held to."""

    current: PromotedHead | None
    history: list[PromotedHead]
    approved_labels: int
    rejected_labels: int
    target_false_approval: float


def verifier_standing(
    labels: LabelTally, promotions: PromotionRecord, target_false_approval: float, tenant: str
) -> VerifierStanding:
    approved, rejected = labels.tally(tenant)
    return VerifierStanding(
        current=promotions.current_record(tenant),
        history=promotions.history(tenant),
        approved_labels=approved,
        rejected_labels=rejected,
        target_false_approval=target_false_approval,
    )
