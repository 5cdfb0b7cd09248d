"""What a JPEG's quantization tables say about how it was last saved.

Encoders built on libjpeg (Pillow, GIMP, ImageMagick, most web and messenger pipelines, many phones) scale the
example tables of the JPEG standard (ITU-T T.81 Annex K) by a quality setting; inverting that scaling
estimates the quality of the last save. Camera apps save at 85-100. A photo at a much lower quality has
been recompressed: downloaded from a social network, sent through a messenger, or exported for the web.
"""

from dataclasses import dataclass

import numpy as np

_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
_CHROMINANCE = (
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    *([99] * 32),
)  # fmt: skip


@dataclass(frozen=True)
class JpegQuality:
    """``quality`` 1-100 on libjpeg's scale; ``standard`` when the tables are exactly libjpeg's at it."""

    quality: int
    standard: bool


def scaled_table(base: tuple[int, ...], quality: int) -> tuple[int, ...]:
    """libjpeg's jpeg_quality_scaling and jpeg_add_quant_table, with baseline clamping to 1..255."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(min(255, max(1, (value * scale + 50) // 100)) for value in base)


def estimate_quality(tables: tuple[tuple[int, ...], ...]) -> JpegQuality | None:
    """The libjpeg quality whose luminance table is closest to the file's (tables in natural order); of equally
    close ones, the highest."""
    if not tables or len(tables[0]) != 64:
        return None
    luminance = tables[0]
    distances = np.abs(_LUMINANCE_BY_QUALITY - np.asarray(luminance)).sum(axis=1)
    quality = int(np.flatnonzero(distances == distances.min())[-1]) + 1
    standard = scaled_table(_LUMINANCE, quality) == luminance and all(
        table == scaled_table(_CHROMINANCE, quality) for table in tables[1:]
    )
    return JpegQuality(quality, standard)


# Every quality's luminance table, made once: comparing a file's table with all of them is then one numpy step
# instead of 6,400 Python subtractions per photo.
_LUMINANCE_BY_QUALITY = np.array([scaled_table(_LUMINANCE, quality) for quality in range(1, 101)])
