"""Photos for the verification tests: real photographs shipped with scikit-image and Debian's opencv-doc, and
images made here with Pillow, encoded and tagged the way phones, editors and messengers leave them."""

import io
import struct
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image
from skimage import data as skimage_data

from ecopulse.verification.geo import GeoPoint

pillow_heif.register_heif_opener()  # HEIF saving; the options the verifier sets stay as they are

OPENCV_DOC = Path("/usr/share/doc/opencv-doc/examples/data")
LAHORE = GeoPoint(31.5204, 74.3587)


def skimage_photo(name: str) -> Image.Image:
    """A scikit-image sample photograph, e.g. "coffee", "chelsea", "astronaut"."""
    return Image.fromarray(getattr(skimage_data, name)()).convert("RGB")


def opencv_photo(name: str) -> bytes:
    """The file's bytes as shipped: real JPEGs, some with their camera's EXIF."""
    return (OPENCV_DOC / name).read_bytes()


def encode(image: Image.Image, image_format: str = "JPEG", exif: Image.Exif | None = None, **options) -> bytes:
    """``image`` saved as a file; HEIF through pillow-heif, which turns an EXIF orientation into the ``irot`` or
    ``imir`` transform an iPhone writes (it reads the orientation only from EXIF given as bytes) and keeps the
    tag in the EXIF too, as iPhones do."""
    buffer = io.BytesIO()
    if image_format == "JPEG":
        options.setdefault("quality", 92)
    if exif is not None:
        options["exif"] = exif.tobytes() if image_format == "HEIF" else exif
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def iphone_heic(image: Image.Image, exif: Image.Exif | None = None, **options) -> bytes:
    """HEIC as an iPhone stores it: a grid of square tiles (512 px on a phone, 64 px here so that a small test
    photo has several) over the Apple camera's EXIF."""
    exif = exif if exif is not None else camera_exif(camera=("Apple", "iPhone 15 Pro"))
    return encode(image, "HEIF", exif=exif, tile_size=64, quality=85, **options)


def heif_declaring(width: int, height: int) -> bytes:
    """A one-picture HEIC whose image spatial extents (``ispe``) declare a canvas its 64x64 picture is not."""
    data = bytearray(encode(Image.new("RGB", (64, 64), "green"), "HEIF"))
    extents = data.index(b"ispe") + 8  # past the box type and the full box's version and flags
    data[extents : extents + 8] = struct.pack(">II", width, height)
    return bytes(data)


def heif_sequence(image: Image.Image) -> bytes:
    """A HEIF image sequence: pillow-heif writes still pictures only, so two of them get a sequence's brands
    (msf1, hevc) and a movie box (``moov`` with its header ``mvhd``), where a sequence keeps its timed frames."""
    buffer = io.BytesIO()
    image.save(buffer, "HEIF", save_all=True, append_images=[image.rotate(180)])
    stills = buffer.getvalue()
    ftyp_end = int.from_bytes(stills[:4], "big")
    ftyp = stills[:ftyp_end].replace(b"ftypheic", b"ftypmsf1").replace(b"miaf", b"hevc")
    movie_header = struct.pack(">I4sI", 12 + 96, b"mvhd", 0) + bytes(96)
    return ftyp + stills[ftyp_end:] + struct.pack(">I4s", 8 + len(movie_header), b"moov") + movie_header


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
