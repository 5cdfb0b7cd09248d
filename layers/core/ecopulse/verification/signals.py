"""Fraud and quality signals. Each is a pure function returning a ``Signal``: a value, a flag and the reason
an admin reads. A signal that cannot be computed (no GPS, no report location) is left unflagged and says why;
the absence of metadata is judged once, by ``missing_exif``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from PIL import Image

from ecopulse.verification.duplicates import PhotoMatch
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.image import PhotoExif
from ecopulse.verification.jpeg import estimate_quality

UNKNOWN_ZONE_SLACK = timedelta(hours=14)
CLOCK_SKEW = timedelta(minutes=10)
EDITING_SOFTWARE = (
    "photoshop", "lightroom", "adobe", "gimp", "snapseed", "picsart", "pixelmator", "affinity", "canva",
    "paint.net", "photopea", "fotor", "facetune", "vsco", "polarr", "photoscape", "luminar", "meitu",
)  # fmt: skip
CAMERA_FORMATS = ("JPEG", "MPO")


@dataclass(frozen=True)
class Signal:
    name: str
    flagged: bool
    reason: str
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "flagged": self.flagged, "reason": self.reason, "value": self.value}


def capture_time(exif: PhotoExif, submitted_at: datetime, max_age: timedelta) -> Signal:
    """Was the photo taken shortly before it was submitted? Old photos are a classic way to claim work twice.

    Without a known time zone the camera clock may be off by up to 14 hours either way, so the allowance
    widens by that much.
    """
    captured_at, zone_known = exif.captured_at()
    if captured_at is None:
        return Signal("capture_time", False, "the photo carries no capture time")
    slack = CLOCK_SKEW if zone_known else CLOCK_SKEW + UNKNOWN_ZONE_SLACK
    age = submitted_at - captured_at
    hours = round(age.total_seconds() / 3600, 2)
    zone = "" if zone_known else " (camera time zone unknown)"
    if age > max_age + slack:
        return Signal("capture_time", True, f"taken {duration_text(age)} before it was submitted{zone}", hours)
    if age < -slack:
        return Signal("capture_time", True, f"dated {duration_text(-age)} after it was submitted{zone}", hours)
    taken = duration_text(max(age, timedelta(0)))
    return Signal("capture_time", False, f"taken {taken} before submission{zone}", hours)


def gps_distance(location: GeoPoint | None, report_location: GeoPoint | None, max_distance_m: float) -> Signal:
    """Was the photo taken where the report says the litter is?"""
    if report_location is None:
        return Signal("gps_distance", False, "no report location to compare with")
    if location is None:
        return Signal("gps_distance", False, "the photo has no GPS position")
    metres = round(location.distance_m(report_location), 1)
    if metres > max_distance_m:
        return Signal("gps_distance", True, f"taken {distance_text(metres)} from the reported place", metres)
    return Signal("gps_distance", False, f"taken {distance_text(metres)} from the reported place", metres)


def missing_exif(exif: PhotoExif) -> Signal:
    """Camera apps write EXIF; screenshots, downloads and messenger copies usually carry none.

    Flagged when there is no EXIF, or neither a capture time nor a camera. A missing GPS position alone is
    not flagged: many people keep location off.
    """
    captured_at, _ = exif.captured_at()
    missing = [
        name
        for name, present in (
            ("capture time", captured_at is not None),
            ("GPS position", exif.location is not None),
            ("camera", exif.camera is not None),
        )
        if not present
    ]
    if not exif.present:
        return Signal("missing_exif", True, "no EXIF metadata: not straight from a camera app", missing)
    if captured_at is None and exif.camera is None:
        return Signal("missing_exif", True, "EXIF names neither a capture time nor a camera", missing)
    reason = f"EXIF lacks {', '.join(missing)}" if missing else "EXIF has capture time, GPS and camera"
    return Signal("missing_exif", False, reason, missing)


def editing_software(exif: PhotoExif) -> Signal:
    """Did an image editor write the file last? Phone firmware also fills the Software tag, so only known
    editors are flagged."""
    if exif.software is None:
        return Signal("editing_software", False, "no software named in EXIF")
    lowered = exif.software.lower()
    if any(editor in lowered for editor in EDITING_SOFTWARE):
        return Signal("editing_software", True, f"saved by the image editor {exif.software!r}", exif.software)
    return Signal("editing_software", False, f"written by {exif.software!r}", exif.software)


def edited_after_capture(exif: PhotoExif, stored_size: tuple[int, int]) -> Signal:
    """EXIF left behind by an edit: pixel dimensions that no longer match the image (cropped or resized with
    the metadata kept), or a modification time later than the capture time."""
    findings = []
    if exif.pixel_size is not None and set(exif.pixel_size) != set(stored_size):
        findings.append(
            f"EXIF says {exif.pixel_size[0]}x{exif.pixel_size[1]} but the image is "
            f"{stored_size[0]}x{stored_size[1]}: cropped or resized after capture"
        )
    if exif.taken_local is not None and exif.modified_local is not None:
        later = exif.modified_local - exif.taken_local
        if later > timedelta(minutes=1):
            findings.append(f"modified {duration_text(later)} after it was taken")
    if findings:
        return Signal("edited_after_capture", True, "; ".join(findings), findings)
    return Signal("edited_after_capture", False, "no trace of an edit in EXIF")


def recompression(image_format: str, quantization: tuple[tuple[int, ...], ...], min_quality: int) -> Signal:
    """Was the file saved again after the camera? Estimated from the JPEG quantization tables; PNG and WebP
    are not what phone cameras write, so they count as re-saved. HEIC is what iPhones write, and it has no
    tables to estimate from."""
    if image_format == "HEIF":
        return Signal("recompression", False, "HEIC, as phone cameras save it: no JPEG tables to judge a re-save by")
    if image_format not in CAMERA_FORMATS:
        return Signal("recompression", True, f"{image_format} is not a camera format: a screenshot or export")
    estimate = estimate_quality(quantization)
    if estimate is None:
        return Signal("recompression", False, "the JPEG quantization tables are unreadable")
    value = {"quality": estimate.quality, "standard_tables": estimate.standard}
    if estimate.quality < min_quality:
        reason = f"saved at JPEG quality {estimate.quality}, below what camera apps use: recompressed"
        return Signal("recompression", True, reason, value)
    return Signal("recompression", False, f"saved at JPEG quality {estimate.quality}", value)


def blur(view: Image.Image, min_sharpness: float) -> Signal:
    """Variance of the Laplacian of the grey view (short side 256 px): low when there are no sharp edges."""
    grey = np.asarray(view.convert("L"), dtype=np.float32)
    laplacian = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    sharpness = round(float(laplacian.var()), 1)
    if sharpness < min_sharpness:
        return Signal("blur", True, f"too blurred to judge (sharpness {sharpness} < {min_sharpness})", sharpness)
    return Signal("blur", False, f"sharp enough (sharpness {sharpness})", sharpness)


def darkness(view: Image.Image, min_brightness: float) -> Signal:
    """Mean luminance 0-255 of the view: a photo too dark shows nothing an admin could check."""
    brightness = round(float(np.asarray(view.convert("L"), dtype=np.float32).mean()), 1)
    if brightness < min_brightness:
        return Signal("darkness", True, f"too dark to judge (brightness {brightness}/255)", brightness)
    return Signal("darkness", False, f"bright enough ({brightness}/255)", brightness)


def near_duplicate(matches: list[PhotoMatch], user_id: str) -> Signal:
    """Has this picture, or a resized, cropped or recompressed copy of it, been submitted before in the tenant?"""
    if not matches:
        return Signal("near_duplicate", False, "no similar photo submitted before")
    best = min(matches, key=lambda match: match.distance)
    who = "by the same user" if best.user_id == user_id else f"by another user ({best.user_id})"
    reason = f"the same picture as submission {best.submission_id} {who}, {best.distance} bits apart"
    return Signal("near_duplicate", True, reason, {"matches": [match.to_dict() for match in matches[:5]]})


def duration_text(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    return f"{max(seconds, 0) / 60:.0f} minutes"


def distance_text(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"
