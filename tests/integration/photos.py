"""Real photographs (scikit-image's and opencv-doc's), saved as a phone would: JPEG with fresh camera EXIF."""

import io
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import skimage.data
from PIL import Image

from ecopulse.verification.geo import GeoPoint
from tests.unit.verification.pictures import camera_exif, encode, iphone_heic, opencv_photo

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "ml"))

import fraud_set  # noqa: E402

LAHORE = GeoPoint(31.5204, 74.3587)
SERVICE_AREA = fraud_set.SERVICE_AREA


def phone_photo(image: Image.Image, location: GeoPoint = LAHORE) -> bytes:
    taken = datetime.now(UTC) - timedelta(minutes=5)
    return encode(image, exif=camera_exif(taken, location, pixel_size=image.size))


def iphone_scene() -> bytes:
    """The clean street as an iPhone saves it: HEIC in tiles, with the camera's fresh EXIF."""
    taken = datetime.now(UTC) - timedelta(minutes=5)
    exif = camera_exif(taken, LAHORE, camera=("Apple", "iPhone 15 Pro"))
    return iphone_heic(Image.fromarray(skimage.data.rocket()).convert("RGB"), exif)


def clean_scene() -> bytes:
    """A street with nothing the model takes for waste: a confident "after" photo."""
    return phone_photo(Image.fromarray(skimage.data.rocket()).convert("RGB"))


def ambiguous_scene() -> bytes:
    """Gravel: clean enough to pass, not enough to pass without a human."""
    return phone_photo(Image.fromarray(skimage.data.gravel()).convert("RGB"))


def littered_scene() -> bytes:
    """Fruit scattered on a surface: organic waste the model sees with high confidence."""
    return phone_photo(Image.open(io.BytesIO(opencv_photo("fruits.jpg"))).convert("RGB"))


def honest_pair(opened_at: datetime | None = None) -> tuple[bytes, bytes]:
    """The adversarial set's first honest cleanup (ml/fraud_set.py), its photos dated seconds after
    ``opened_at`` (now by default), inside ``SERVICE_AREA``: a "before" and an "after" photo that hold every
    check of the evidence model."""
    honest = next(fraud_set.attempts(per_kind=1, opened_at=opened_at or datetime.now(UTC), pace=1 / 60))
    assert honest.before is not None
    return honest.before, honest.after
