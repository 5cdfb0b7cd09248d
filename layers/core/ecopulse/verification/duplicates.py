"""Near-duplicate lookup of perceptual hashes within a tenant, through a small port.

The index is banded so that a lookup reads a handful of partitions and never the tenant: the 64-bit hash is
split into four 16-bit bands, and a photo is stored once under each band value of each of its hash variants.
By the pigeonhole principle two hashes within Hamming distance 3 share at least one band exactly, so every
such match is found. Matches at distance 4 to the threshold are found when they share a band too, which the
measurements in docs/verification.md show is most of the time for real copies.

No numpy here: the DynamoDB adapter imports this module from the core layer.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

BANDS = 4
BAND_BITS = 16
_BAND_MASK = (1 << BAND_BITS) - 1


@dataclass(frozen=True)
class PhotoRecord:
    """One photo as the index remembers it: its own hash and the variants it is findable under."""

    tenant: str
    photo_key: str
    submission_id: str
    user_id: str
    phash: int
    variants: tuple[int, ...]
    created_at: datetime


@dataclass(frozen=True)
class PhotoMatch:
    photo_key: str
    submission_id: str
    user_id: str
    phash: int
    distance: int
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "photo_key": self.photo_key,
            "submission_id": self.submission_id,
            "user_id": self.user_id,
            "phash": format_hash(self.phash),
            "distance": self.distance,
            "created_at": self.created_at.isoformat(),
        }


class DuplicateIndex(Protocol):
    def find_near(self, tenant: str, phash: int, max_distance: int) -> list[PhotoMatch]:
        """Photos of the tenant within ``max_distance`` bits of ``phash``, nearest first."""
        ...

    def remember(self, record: PhotoRecord) -> None:
        """Store a photo; storing the same photo key again replaces it."""
        ...


def hash_bands(phash: int) -> list[tuple[int, int]]:
    """[(band index, 16-bit value)], band 0 holding the highest bits."""
    return [(band, (phash >> (BAND_BITS * (BANDS - 1 - band))) & _BAND_MASK) for band in range(BANDS)]


def band_entries(variants: Iterable[int]) -> dict[tuple[int, int], tuple[int, ...]]:
    """{(band, value): the variants having that value in that band}: one index entry per key, however many
    variants share it."""
    entries: dict[tuple[int, int], list[int]] = defaultdict(list)
    for variant in variants:
        for band in hash_bands(variant):
            if variant not in entries[band]:
                entries[band].append(variant)
    return {band: tuple(hashes) for band, hashes in entries.items()}


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ."""
    return (a ^ b).bit_count()


def distance_to(phash: int, variants: Iterable[int]) -> int:
    """Hamming distance from ``phash`` to the nearest of a stored photo's variants."""
    return min(hamming(phash, variant) for variant in variants)


def format_hash(phash: int) -> str:
    return f"{phash:016x}"


def parse_hash(text: str) -> int:
    return int(text, 16)
