"""Untrusted upload bytes in, a decoded upright RGB photo with its metadata out, or a refusal a citizen can read.

Every limit is checked on what the file's header declares, before any pixel is decoded, so a small file that
claims a huge canvas (a decompression bomb) costs nothing. Pillow's own errors never escape: each becomes a
``PhotoRejected`` with a plain reason that never quotes Pillow, whose messages can hold object addresses.
"""

import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pillow_heif
from PIL import Image, ImageFile

from ecopulse.uploads import SNIFF_BYTES, UploadRejected, check_size, sniff_image_type
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.heif import MalformedHeif, heif_layout

MODEL_SHORT_SIDE = 256
MIN_SHORT_SIDE = 64
MAX_ASPECT_RATIO = 10
MAX_PIXELS_PER_BYTE = 5_000
_PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
# Formats whose extra pictures are not frames: a phone's multi-picture JPEG, a HEIF's several still images (a
# burst's picks, a stereo pair). The first or the primary picture is the photo.
_STILL_COLLECTIONS = frozenset({"JPEG", "HEIF"})
_BACKGROUND = (255, 255, 255, 255)
_SIXTEEN_BIT_RAW_MODES = frozenset({"I;16B", "LA;16B", "RGB;16B", "RGBA;16B"})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_ORIENTATION_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# EXIF tags (CIPA DC-008): IFD0, the Exif sub-IFD and the GPS sub-IFD.
_TAG_MAKE, _TAG_MODEL, _TAG_ORIENTATION, _TAG_SOFTWARE, _TAG_DATETIME = 0x010F, 0x0110, 0x0112, 0x0131, 0x0132
_IFD_EXIF, _IFD_GPS = 0x8769, 0x8825
_TAG_DATETIME_ORIGINAL, _TAG_DATETIME_DIGITIZED = 0x9003, 0x9004
_TAG_OFFSET_TIME_ORIGINAL, _TAG_OFFSET_TIME_DIGITIZED = 0x9011, 0x9012
_TAG_PIXEL_X, _TAG_PIXEL_Y, _TAG_LENS_MODEL = 0xA002, 0xA003, 0xA434
_GPS_LAT_REF, _GPS_LAT, _GPS_LNG_REF, _GPS_LNG, _GPS_TIME, _GPS_DATE = 1, 2, 3, 4, 7, 29
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
_MALFORMED = (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError)
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_ANIMATED = "animated images are not accepted: upload a single photo"
_DAMAGED = "the image is damaged or incomplete and cannot be decoded"

# libheif with one decoding thread (a Lambda's share of a vCPU gains nothing from more) and without the
# thumbnails, depth maps and auxiliary pictures (an iPhone's HDR gain map) that verification never looks at.
pillow_heif.register_heif_opener(decode_threads=1, thumbnails=False, depth_images=False, aux_images=False)


class PhotoRejected(UploadRejected):
    """An upload that is not a photo we can check; ``code`` names the rule that refused it."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class PhotoExif:
    """What the camera wrote about the shot; a field absent or unreadable in the file is None.

    Camera clocks are wall-clock times without a zone (``taken_local``, ``modified_local``) unless the camera
    also wrote its UTC offset; the GPS receiver's time is UTC.
    """

    present: bool = False
    taken_local: datetime | None = None
    taken_utc_offset: timedelta | None = None
    gps_time: datetime | None = None
    modified_local: datetime | None = None
    location: GeoPoint | None = None
    software: str | None = None
    camera: str | None = None
    lens: str | None = None
    pixel_size: tuple[int, int] | None = None
    orientation: int = 1

    def captured_at(self) -> tuple[datetime | None, bool]:
        """(UTC capture time, whether its zone is known). The camera clock with its offset is exact, GPS time
        comes next; a bare camera clock is returned as if it were UTC, with the zone unknown."""
        if self.taken_local is not None and self.taken_utc_offset is not None:
            return (self.taken_local - self.taken_utc_offset).replace(tzinfo=UTC), True
        if self.gps_time is not None:
            return self.gps_time, True
        if self.taken_local is not None:
            return self.taken_local.replace(tzinfo=UTC), False
        return None, False


@dataclass(frozen=True)
class Photo:
    """A decoded upload. ``image`` may be reduced by a power of two on decode (JPEG DCT scaling) for speed.

    ``view`` is ``image`` resized so its short side is 256 px: the step the model crops its input from, and
    the one picture every signal reads, so each photo is resized once.
    """

    content_type: str
    format: str
    size: tuple[int, int]
    byte_size: int
    image: Image.Image = field(repr=False)
    view: Image.Image = field(repr=False)
    exif: PhotoExif
    quantization: tuple[tuple[int, ...], ...] = ()

    @property
    def upright_size(self) -> tuple[int, int]:
        """``size`` as the photo is shown: EXIF orientations 5-8 turn it a quarter."""
        return self.size[::-1] if self.exif.orientation in _QUARTER_TURNS else self.size


def load_photo(
    data: bytes, max_bytes: int, max_pixels: int, *, reduce: bool = True, reduce_to: int = MODEL_SHORT_SIDE
) -> Photo:
    """Decode an upload, or raise ``PhotoRejected`` saying why not.

    With ``reduce``, a JPEG is decoded at the largest DCT scale (1/2, 1/4 or 1/8) that keeps its short side at
    least ``reduce_to`` (256 px, what the model needs): a 12-megapixel photo decodes five times faster and the
    model's answers do not change (docs/verification.md). Pass ``reduce=False`` for the full-resolution pixels.
    """
    content_type = _accepted_type(data, max_bytes)
    pillow_format = _PILLOW_FORMATS[content_type]
    if pillow_format == "WEBP":
        _check_pixels(webp_canvas_size(data), max_pixels)
    if pillow_format == "HEIF":
        _check_heif_layout(data)
    image = _open(data, pillow_format, max_pixels)
    _check_pixels(image.size, max_pixels)
    _check_shape(image.size)
    _check_density(image.size, len(data))
    if pillow_format not in _STILL_COLLECTIONS and getattr(image, "is_animated", False):
        raise PhotoRejected("animated", _ANIMATED)
    _check_camera_mode(image)
    stored_size = image.size
    quantization = tuple(tuple(table) for _, table in sorted(getattr(image, "quantization", {}).items()))
    try:
        if reduce and pillow_format == "JPEG":
            image.draft(image.mode, (reduce_to, reduce_to))
        image.load()
        exif = read_exif(image)
        upright = upright_rgb(image, exif.orientation)
        view = scaled_to_short_side(upright, MODEL_SHORT_SIDE)
    except Exception as error:
        raise PhotoRejected("corrupt", _DAMAGED) from error
    return Photo(
        content_type=content_type,
        format=image.format or pillow_format,
        size=stored_size,
        byte_size=len(data),
        image=upright,
        view=view,
        exif=exif,
        quantization=quantization,
    )


def upright_rgb(image: Image.Image, orientation: int) -> Image.Image:
    """8-bit RGB, turned as EXIF ``orientation`` says so that the scene is upright."""
    transpose = _ORIENTATION_TRANSPOSES.get(orientation)
    rgb = _to_rgb(image)
    return rgb if transpose is None else rgb.transpose(transpose)


def scaled_to_short_side(image: Image.Image, short_side: int) -> Image.Image:
    """Resize keeping the aspect ratio. BILINEAR antialiases on downscale; the model was evaluated with it."""
    width, height = image.size
    scale = short_side / min(width, height)
    return image.resize((round(width * scale), round(height * scale)), Image.Resampling.BILINEAR)


def webp_canvas_size(data: bytes) -> tuple[int, int]:
    """Read a WebP's declared canvas from its first chunk header, without handing the file to a decoder.

    Pillow creates libwebp's animation decoder on open, which allocates the whole canvas, so the size has to
    be known first.
    """
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    raise PhotoRejected("corrupt", "the WebP header is damaged: its size cannot be read")


def read_exif(image: Image.Image) -> PhotoExif:
    """Parse the EXIF block leniently: a malformed field reads as absent, never as an error or a warning."""
    try:
        with warnings.catch_warnings(action="ignore"):
            exif = image.getexif()
            exif_ifd = exif.get_ifd(_IFD_EXIF)
            gps_ifd = exif.get_ifd(_IFD_GPS)
    except Exception:
        return PhotoExif()
    if not exif:
        return PhotoExif()
    taken_local, offset = _camera_time(exif_ifd)
    return PhotoExif(
        present=True,
        taken_local=taken_local,
        taken_utc_offset=offset,
        gps_time=_gps_time(gps_ifd),
        modified_local=_exif_datetime(exif.get(_TAG_DATETIME)),
        location=_gps_location(gps_ifd),
        software=_text(exif.get(_TAG_SOFTWARE)),
        camera=" ".join(filter(None, (_text(exif.get(_TAG_MAKE)), _text(exif.get(_TAG_MODEL))))) or None,
        lens=_text(exif_ifd.get(_TAG_LENS_MODEL)),
        pixel_size=_pixel_size(exif_ifd),
        orientation=_orientation(exif.get(_TAG_ORIENTATION)),
    )


def _accepted_type(data: bytes, max_bytes: int) -> str:
    try:
        check_size(len(data), max_bytes)
    except UploadRejected as refusal:
        raise PhotoRejected("size", str(refusal)) from refusal
    try:
        return sniff_image_type(data[:SNIFF_BYTES])
    except UploadRejected as refusal:
        raise PhotoRejected("type", str(refusal)) from refusal


def _check_heif_layout(data: bytes) -> None:
    """Refuse an image sequence, and a file that lacks bytes its pictures point to, before libheif sees it:
    libheif would draw a missing grid tile as a flat square (``heif.py``)."""
    try:
        layout = heif_layout(data)
    except MalformedHeif as error:
        raise PhotoRejected("corrupt", "the file starts like a HEIF image but its header is damaged") from error
    if layout.is_sequence:
        raise PhotoRejected("animated", _ANIMATED)
    if layout.items_end > len(data):
        raise PhotoRejected("corrupt", _DAMAGED)


def _open(data: bytes, pillow_format: str, max_pixels: int) -> ImageFile.ImageFile:
    """Parse the header only (Pillow decodes lazily), and only as the format the bytes were sniffed as.
    Pillow's warnings about the file (damaged EXIF, its own bomb threshold) are the uploader's problem, not
    the service's, so they stay out of the log."""
    try:
        with warnings.catch_warnings(action="ignore"):
            return Image.open(io.BytesIO(data), formats=[pillow_format])
    except Image.DecompressionBombError as error:
        # Pillow's own, higher, limit: reached only by sizes far beyond ours.
        raise PhotoRejected("pixels", f"the image declares more pixels than the {max_pixels:,} allowed") from error
    except Exception as error:
        raise PhotoRejected(
            "corrupt", f"the file starts like a {pillow_format} image but its header is damaged"
        ) from error


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width * height > max_pixels:
        raise PhotoRejected("pixels", f"the image is {width}x{height} pixels, more than the {max_pixels:,} allowed")


def _check_density(size: tuple[int, int], byte_size: int) -> None:
    """A photograph takes at least a byte per few hundred pixels in any of our formats, even a flat one; a file
    thousands of times smaller than its canvas is a bomb built to make the decoder allocate and work."""
    width, height = size
    if width * height > MAX_PIXELS_PER_BYTE * byte_size:
        raise PhotoRejected(
            "pixels", f"the file is {byte_size:,} bytes but declares {width}x{height} pixels: no photo packs so tight"
        )


def _check_shape(size: tuple[int, int]) -> None:
    short, long = sorted(size)
    if short < MIN_SHORT_SIDE:
        raise PhotoRejected(
            "shape", f"the image is {size[0]}x{size[1]} pixels; each side must be at least {MIN_SHORT_SIDE}"
        )
    if long > short * MAX_ASPECT_RATIO:
        raise PhotoRejected(
            "shape", f"the image is {size[0]}x{size[1]} pixels, more than {MAX_ASPECT_RATIO} times wider than tall"
        )


def _check_camera_mode(image: ImageFile.ImageFile) -> None:
    """Cameras write 8-bit RGB (YCbCr in a JPEG); CMYK comes from print tools and 16 bits per channel from
    editors, and neither is worth a colour conversion on a citizen's cleanup photo. Pillow opens a 16-bit
    colour PNG as 8-bit RGB, so the decoder's raw mode is what tells.

    10- and 12-bit colour HEIF is what mirrorless cameras write in their HDR modes, so libheif converts it to
    8 bits as it decodes; deep greyscale (mode I;16), which no camera writes, is refused like a 16-bit PNG."""
    if image.mode == "CMYK":
        raise PhotoRejected("colour", "the image is CMYK, a print format: upload the photo as the camera saved it")
    if image.mode == "I;16" or any(tile.args in _SIXTEEN_BIT_RAW_MODES for tile in image.tile):
        raise PhotoRejected(
            "depth",
            "the image has more than 8 bits per channel, as editing tools save it: "
            "upload the photo as the camera saved it",
        )


def _to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB: alpha is laid on white (the colour under transparent pixels is arbitrary), palettes and
    greyscale go through Pillow."""
    if image.mode == "RGB":
        return image
    if image.mode in _ALPHA_MODES or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, _BACKGROUND), rgba).convert("RGB")
    return image.convert("RGB")


def _camera_time(exif_ifd: Mapping[int, Any]) -> tuple[datetime | None, timedelta | None]:
    """When the shutter fired by the camera's clock, and the clock's UTC offset if the camera wrote it."""
    for time_tag, offset_tag in (
        (_TAG_DATETIME_ORIGINAL, _TAG_OFFSET_TIME_ORIGINAL),
        (_TAG_DATETIME_DIGITIZED, _TAG_OFFSET_TIME_DIGITIZED),
    ):
        taken = _exif_datetime(exif_ifd.get(time_tag))
        if taken is not None:
            return taken, _utc_offset(exif_ifd.get(offset_tag))
    return None, None


def _exif_datetime(value: Any) -> datetime | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" as a naive wall-clock time."""
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _utc_offset(value: Any) -> timedelta | None:
    match = _OFFSET.match(_text(value) or "")
    if not match:
        return None
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return -offset if sign == "-" else offset


def _gps_time(gps_ifd: Mapping[int, Any]) -> datetime | None:
    date_text = _text(gps_ifd.get(_GPS_DATE))
    stamp = gps_ifd.get(_GPS_TIME)
    if date_text is None or stamp is None:
        return None
    try:
        hours, minutes, seconds = (float(part) for part in stamp)
        day = datetime.strptime(date_text[:10], "%Y:%m:%d").replace(tzinfo=UTC)
        return day + timedelta(hours=hours, minutes=minutes, seconds=seconds)
    except _MALFORMED:
        return None


def _gps_location(gps_ifd: Mapping[int, Any]) -> GeoPoint | None:
    try:
        lat = _degrees(gps_ifd[_GPS_LAT], _text(gps_ifd[_GPS_LAT_REF]), "S")
        lng = _degrees(gps_ifd[_GPS_LNG], _text(gps_ifd[_GPS_LNG_REF]), "W")
        if lat == 0 and lng == 0:
            return None  # what a camera without a fix writes
        return GeoPoint(lat, lng)
    except _MALFORMED:
        return None


def _degrees(parts: Any, ref: str | None, negative_ref: str) -> float:
    degrees, minutes, seconds = (float(part) for part in parts)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if (ref or "").upper().startswith(negative_ref) else value


def _pixel_size(exif_ifd: Mapping[int, Any]) -> tuple[int, int] | None:
    try:
        size = int(exif_ifd[_TAG_PIXEL_X]), int(exif_ifd[_TAG_PIXEL_Y])
    except _MALFORMED:
        return None
    return size if min(size) > 0 else None


def _orientation(value: Any) -> int:
    try:
        orientation = int(value)
    except _MALFORMED:
        return 1
    return orientation if orientation in _ORIENTATION_TRANSPOSES else 1


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None
