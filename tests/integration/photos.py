"""Real photographs (scikit-image's and opencv-doc's), saved as a phone would: JPEG with fresh camera EXIF."""

import io
from datetime import UTC, datetime, timedelta

import skimage.data
from PIL import Image

from ecopulse.verification.geo import GeoPoint
from tests.unit.verification.pictures import camera_exif, encode, iphone_heic, opencv_photo

LAHORE = GeoPoint(31.5204, 74.3587)


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
