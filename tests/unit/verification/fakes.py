"""In-memory stand-ins for the learning ports, and reviewed cleanups made up for them.

MemoryHeads keeps each promoted head as bytes and loads it back, as the S3 store does, so a test that reads
the current head also exercises the format. ``reviewed`` makes labels whose approval depends on one named
feature and on one direction of the embedding, as a tenant's real decisions might.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from ecopulse.verification.learning import TrainingOutcome, VerifierHead
from ecopulse.verification.reviews import PromotedHead, ReviewLabel

EMBEDDING_SIZE = 1280
START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@dataclass
class MemoryLabels:
    by_tenant: dict[str, list[ReviewLabel]] = field(default_factory=dict)

    def labels(self, tenant: str) -> list[ReviewLabel]:
        return sorted(self.by_tenant.get(tenant, []), key=lambda label: label.decided_at)


@dataclass
class MemoryHeads:
    blobs: dict[str, bytes] = field(default_factory=dict)
    promotions: dict[str, list[PromotedHead]] = field(default_factory=dict)

    def current(self, tenant: str) -> VerifierHead | None:
        blob = self.blobs.get(tenant)
        return VerifierHead.from_bytes(blob) if blob else None

    def promote(self, tenant: str, head: VerifierHead, outcome: TrainingOutcome) -> None:
        self.blobs[tenant] = head.to_bytes()
        record = PromotedHead(
            version=head.version,
            trained_at=head.trained_at,
            promoted_at=head.trained_at,
            threshold=head.threshold,
            label_count=outcome.label_count,
            reason=outcome.reason,
            evaluation=head.evaluation,
            replaced_version=outcome.current_version,
            replaced_evaluation=outcome.current_evaluation,
        )
        self.promotions.setdefault(tenant, []).insert(0, record)

    def history(self, tenant: str) -> list[PromotedHead]:
        return list(self.promotions.get(tenant, []))


@dataclass
class FakeClock:
    now: datetime = START + timedelta(days=400)

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Scenes:
    """Photos' embeddings as a few dominant directions plus noise; ``clean`` is the one that matters."""

    base: np.ndarray
    directions: np.ndarray
    spreads: np.ndarray
    clean: np.ndarray

    @classmethod
    def make(cls, seed: int = 7, latent: int = 16) -> "Scenes":
        rng = np.random.default_rng(seed)
        directions = np.linalg.qr(rng.normal(size=(EMBEDDING_SIZE, latent)))[0].T
        return cls(
            np.abs(rng.normal(size=EMBEDDING_SIZE)), directions, 2.0 / (1 + np.arange(latent)) ** 0.5, directions[3]
        )

    def embeddings(self, clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        latent = rng.normal(size=(len(clean), len(self.spreads))) * self.spreads
        latent[:, 3] = clean * self.spreads[3]
        noise = rng.normal(size=(len(clean), EMBEDDING_SIZE)) * 0.1
        return self.base + latent @ self.directions + noise


def reviewed(count: int, seed: int, scenes: Scenes, signal: float = 1.0, start: datetime = START) -> list[ReviewLabel]:
    """``count`` decided cleanups an hour apart. With ``signal`` 1 an admin approves when the litter dropped and
    the scene looks clean (mostly; people disagree at the margin); with 0 decisions are coin flips."""
    rng = np.random.default_rng(seed)
    drop, clean = rng.normal(0.3, 0.2, count), rng.normal(size=count)
    distance = rng.exponential(80, count)
    logit = 1.5 + signal * (6 * (drop - 0.3) / 0.2 + 5 * clean - 3 * (distance > 250))
    approved = rng.random(count) < 1 / (1 + np.exp(-logit)) if signal else rng.random(count) < 0.7
    vectors = scenes.embeddings(clean, rng)
    return [
        ReviewLabel(
            submission_id=f"sub-{seed}-{index:05d}",
            approved=bool(approved[index]),
            decided_at=start + timedelta(hours=index),
            features={"waste_drop": float(drop[index]), "gps_distance_m": float(distance[index]), "check_exif": 1.0},
            embedding=vectors[index].astype("<f2").tobytes(),
        )
        for index in range(count)
    ]
