"""What is kept about a verified photo so that a later photo can be compared with it."""

import base64
from dataclasses import dataclass

import numpy as np

from ecopulse.verification.duplicates import format_hash, parse_hash
from ecopulse.verification.geo import GeoPoint


@dataclass(frozen=True)
class PhotoFacts:
    """A photo's perceptual hash, GPS position, model embedding (float16 bytes) and waste probability.

    An "after" photo is checked against its "before" photo's facts, which the handler stores with the
    before photo's verdict (``to_dict``) and passes back in (``from_dict``).
    """

    phash: int
    location: GeoPoint | None
    embedding: bytes
    waste_probability: float

    def to_dict(self) -> dict:
        return {
            "phash": format_hash(self.phash),
            "location": self.location.to_dict() if self.location else None,
            "embedding_f16": base64.b64encode(self.embedding).decode("ascii"),
            "waste_probability": round(self.waste_probability, 4),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "PhotoFacts":
        return cls(
            phash=parse_hash(data["phash"]),
            location=GeoPoint.from_dict(data.get("location")),
            embedding=base64.b64decode(data["embedding_f16"]),
            waste_probability=float(data["waste_probability"]),
        )


def embedding_vector(embedding: bytes) -> np.ndarray:
    """The float32 vector from the little-endian float16 bytes the classifier keeps."""
    return np.frombuffer(embedding, dtype="<f2").astype(np.float32)


def cosine_similarity(a: bytes, b: bytes) -> float:
    """Cosine of two embeddings; 0 when either is all zeros."""
    u, v = embedding_vector(a), embedding_vector(b)
    norms = float(np.linalg.norm(u) * np.linalg.norm(v))
    return float(u @ v) / norms if norms else 0.0
