"""Photos for the verification tests: real photographs shipped with scikit-image and Debian's opencv-doc, and
images made here with Pillow, encoded and tagged the way phones, editors and messengers leave them."""

import io
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skimage_data

from ecopulse.verification.geo import GeoPoint

OPENCV_DOC = Path("/usr/share/doc/opencv-doc/examples/data")
LAHORE = GeoPoint(31.5204, 74.3587)


def skimage_photo(name: str) -> Image.Image:
    """A scikit-image sample photograph, e.g. "coffee", "chelsea", "astronaut"."""
    return Image.fromarray(getattr(skimage_data, name)()).convert("RGB")


def opencv_photo(name: str) -> bytes:
    """The file's bytes as shipped: real JPEGs, some with their camera's EXIF."""
    return (OPENCV_DOC / name).read_bytes()


def encode(image: Image.Image, image_format: str = "JPEG", exif: Image.Exif | None = None, **options) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        options.setdefault("quality", 92)
    if exif is not None:
        options["exif"] = exif
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round((value - degrees - minutes / 60) * 3600 * 10000), 10000)
    return Fraction(degrees), Fraction(minutes), seconds


def camera_exif(
    taken: datetime | None = None,
    location: GeoPoint | None = None,
    software: str | None = None,
    camera: tuple[str, str] | None = ("Google", "Pixel 8"),
    pixel_size: tuple[int, int] | None = None,
    orientation: int | None = None,
) -> Image.Exif:
    """EXIF as a phone writes it: DateTimeOriginal with its UTC offset, the GPS IFD, Make/Model, Software."""
    exif = Image.Exif()
    if camera is not None:
        exif[0x010F], exif[0x0110] = camera
    if software is not None:
        exif[0x0131] = software
    if orientation is not None:
        exif[0x0112] = orientation
    exif_ifd = exif.get_ifd(0x8769)
    if taken is not None:
        exif[0x0132] = exif_ifd[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        offset = taken.utcoffset()
        if offset is not None:
            minutes = int(offset.total_seconds() // 60)
            sign = "-" if minutes < 0 else "+"
            exif_ifd[0x9011] = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if pixel_size is not None:
        exif_ifd[0xA002], exif_ifd[0xA003] = pixel_size
    if location is not None:
        gps = exif.get_ifd(0x8825)
        gps[1] = "N" if location.lat >= 0 else "S"
        gps[2] = _dms(location.lat)
        gps[3] = "E" if location.lng >= 0 else "W"
        gps[4] = _dms(location.lng)
    return exif


def crop_resize_recompress(image: Image.Image, crop: float = 0.06, scale: float = 0.6, quality: int = 70) -> bytes:
    """What a copy of someone else's photo usually is: trimmed, shrunk and re-saved."""
    width, height = image.size
    dx, dy = round(width * crop), round(height * crop)
    trimmed = image.crop((dx, dy, width - dx, height - dy))
    shrunk = trimmed.resize((round(trimmed.width * scale), round(trimmed.height * scale)), Image.Resampling.LANCZOS)
    return encode(shrunk, quality=quality)


def darker(image: Image.Image, factor: float) -> Image.Image:
    return Image.fromarray((np.asarray(image, dtype=np.float32) * factor).astype(np.uint8))
