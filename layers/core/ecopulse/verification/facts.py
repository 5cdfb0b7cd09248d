"""What is kept about a verified photo so that the cleanup's evidence can be judged when its pair is complete."""

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from ecopulse.verification.duplicates import format_hash, parse_hash
from ecopulse.verification.geo import GeoPoint


@dataclass(frozen=True)
class PhotoFacts:
    """A photo's identity (SHA-256 of its bytes, perceptual hash), place, capture time, camera, geometry, model
    embedding (float16 bytes) and waste probability, and the names of its flagged per-photo signals.

    The "before" photo's facts are stored with its verdict (``to_dict``) and read back (``from_dict``) when the
    "after" photo arrives, so that the pair is judged as a whole. ``captured_at`` is UTC; ``capture_zone_known``
    is False when the camera wrote no offset and the time is its wall clock read as UTC.
    """

    phash: int
    location: GeoPoint | None
    embedding: bytes
    waste_probability: float
    sha256: str = ""
    captured_at: datetime | None = None
    capture_zone_known: bool = False
    camera: str | None = None
    lens: str | None = None
    size: tuple[int, int] | None = None
    flags: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "phash": format_hash(self.phash),
            "location": self.location.to_dict() if self.location else None,
            "embedding_f16": base64.b64encode(self.embedding).decode("ascii"),
            "waste_probability": round(self.waste_probability, 4),
            "sha256": self.sha256,
            "captured_at": self.captured_at.isoformat() if self.captured_at else None,
            "capture_zone_known": self.capture_zone_known,
            "camera": self.camera,
            "lens": self.lens,
            "size": list(self.size) if self.size else None,
            "flags": list(self.flags),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PhotoFacts":
        """Facts stored before the pair checks existed lack the newer fields: they read as unknown."""
        captured_at = data.get("captured_at")
        size = data.get("size")
        return cls(
            phash=parse_hash(data["phash"]),
            location=GeoPoint.from_dict(data.get("location")),
            embedding=base64.b64decode(data["embedding_f16"]),
            waste_probability=float(data["waste_probability"]),
            sha256=data.get("sha256") or "",
            captured_at=datetime.fromisoformat(captured_at) if captured_at else None,
            capture_zone_known=bool(data.get("capture_zone_known", False)),
            camera=data.get("camera"),
            lens=data.get("lens"),
            size=(int(size[0]), int(size[1])) if size else None,
            flags=tuple(data.get("flags") or ()),
        )


def embedding_vector(embedding: bytes) -> np.ndarray:
    """The float32 vector from the little-endian float16 bytes the classifier keeps."""
    return np.frombuffer(embedding, dtype="<f2").astype(np.float32)


def cosine_similarity(a: bytes, b: bytes) -> float:
    """Cosine of two embeddings; 0 when either is all zeros."""
    u, v = embedding_vector(a), embedding_vector(b)
    norms = float(np.linalg.norm(u) * np.linalg.norm(v))
    return float(u @ v) / norms if norms else 0.0
