"""The copies of a report photo people are shown: resized, upright, and carrying none of the original's metadata."""

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from ecopulse.report_photos import COPY_SIDES
from ecopulse.verification.copies import make_copies
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.image import PhotoRejected
from tests.unit.verification.pictures import camera_exif, encode, iphone_heic

TAKEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOME = GeoPoint(31.5204, 74.3587)
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description exif:GPSLatitude="31,31.2N"/></x:xmpmeta>'
RED, BLUE = (220, 30, 30), (30, 30, 220)


def red_over_blue(width: int = 2000, height: int = 1000) -> Image.Image:
    """Red above, blue below, as the sensor stored it."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width, height // 2))
    return image


def copies_of(data: bytes) -> dict[str, Image.Image]:
    return {copy.size: Image.open(io.BytesIO(copy.data)) for copy in make_copies(data, COPY_SIDES, 10**7, 5 * 10**7)}


def near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=True))


def test_copies_are_resized_jpegs_without_gps_exif_xmp_or_comments():
    exif = camera_exif(TAKEN, HOME, pixel_size=(2000, 1000))
    original = encode(red_over_blue(), exif=exif, xmp=XMP, comment=b"Alice's phone", icc_profile=b"\0" * 128)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the original holds GPS, XMP and a comment
    assert b"xmpmeta" in original and b"Alice" in original
    copies = copies_of(original)
    assert {name: image.size for name, image in copies.items()} == {"thumbnail": (320, 160), "display": (1280, 640)}
    for name, image in copies.items():
        data = next(copy.data for copy in make_copies(original, {name: COPY_SIDES[name]}, 10**7, 5 * 10**7))
        assert image.format == "JPEG"
        assert not image.getexif() and "xmp" not in image.info and "comment" not in image.info
        assert "icc_profile" not in image.info and "exif" not in image.info
        assert b"Exif\0" not in data and b"xmpmeta" not in data and b"Alice" not in data


def test_copies_are_turned_upright_as_the_exif_orientation_says():
    """Orientation 6: the camera was turned a quarter clockwise, so the stored top is shown on the right."""
    exif = camera_exif(TAKEN, HOME, orientation=6)
    copies = copies_of(encode(red_over_blue(), exif=exif))
    display = copies["display"].convert("RGB")
    width, height = display.size
    assert (width, height) == (640, 1280)
    assert near(display.getpixel((width * 3 // 4, height // 2)), RED)
    assert near(display.getpixel((width // 4, height // 2)), BLUE)


def test_a_heic_from_an_iphone_is_copied_upright_as_a_jpeg_without_its_exif():
    copies = copies_of(iphone_heic(red_over_blue(1600, 1200), camera_exif(TAKEN, HOME, camera=("Apple", "iPhone"))))
    assert copies["display"].format == "JPEG" and copies["display"].size == (1280, 960)
    assert not copies["display"].getexif()


def test_a_photo_smaller_than_a_copy_is_never_enlarged():
    copies = copies_of(encode(red_over_blue(600, 300)))
    assert (copies["thumbnail"].size, copies["display"].size) == ((320, 160), (600, 300))


def test_a_file_the_verifier_refuses_makes_no_copy():
    with pytest.raises(PhotoRejected):
        make_copies(b"GIF89a not accepted", COPY_SIDES, 10**7, 5 * 10**7)
