"""The copies of a report photo that people are shown: resized, turned upright, and with no metadata at all.

An original keeps its EXIF (GPS, camera, times) for the verifier and the city's reviewers; nobody else gets it.
The copies are new JPEGs made from the decoded pixels, so nothing of the original's EXIF, XMP, ICC profile or
comments reaches them, and a viewer that ignores EXIF orientation still shows them the right way up.
"""

import io
from dataclasses import dataclass

from PIL import Image

from ecopulse.verification.image import load_photo

JPEG_QUALITY = 82


@dataclass(frozen=True)
class PhotoCopy:
    size: str
    data: bytes
    width: int
    height: int


def make_copies(data: bytes, sides: dict[str, int], max_bytes: int, max_pixels: int) -> tuple[PhotoCopy, ...]:
    """One JPEG per entry of ``sides`` (name: longest side in pixels), never larger than the photo itself;
    ``PhotoRejected`` for a file the verifier refuses too. A JPEG is decoded only as large as the largest copy
    needs (DCT scaling), and each smaller copy is resized from the larger one."""
    largest = max(sides.values())
    resized = load_photo(data, max_bytes, max_pixels, reduce_to=largest).image
    made = {}
    for name, side in sorted(sides.items(), key=lambda entry: -entry[1]):
        resized = resized.copy()
        resized.thumbnail((side, side), Image.Resampling.LANCZOS)
        made[name] = _jpeg(name, resized)
    return tuple(made[name] for name in sides)


def _jpeg(name: str, image: Image.Image) -> PhotoCopy:
    """Only the pixels are saved: a new image, with nothing of the original's info (EXIF, XMP, ICC, comments)."""
    clean = Image.frombytes("RGB", image.size, image.tobytes())
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return PhotoCopy(name, out.getvalue(), *clean.size)
