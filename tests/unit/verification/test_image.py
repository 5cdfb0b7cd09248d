"""load_photo on real photographs and on hostile files: what is decoded, and what is refused and why."""

import io
import random
import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pillow_heif
import pytest
from PIL import Image, ImageFile, TiffImagePlugin

from ecopulse.uploads import UploadRejected
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.image import MODEL_SHORT_SIDE, Photo, PhotoRejected, load_photo
from tests.unit.verification.pictures import (
    LAHORE,
    camera_exif,
    encode,
    heif_declaring,
    heif_sequence,
    iphone_heic,
    opencv_photo,
    skimage_photo,
)

MAX_BYTES = 10_000_000
MAX_PIXELS = 50_000_000


def load(data: bytes, **options) -> Photo:
    return load_photo(data, MAX_BYTES, MAX_PIXELS, **options)


def refusal(data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as raised:
        load_photo(data, max_bytes, max_pixels)
    return raised.value


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("HEIF", "image/heic")],
)
def test_a_real_photo_decodes_to_rgb_with_a_256_pixel_view_in_each_accepted_format(image_format, content_type):
    photo = load(encode(skimage_photo("coffee"), image_format))
    assert (photo.content_type, photo.format, photo.size) == (content_type, image_format, (600, 400))
    assert photo.image.mode == "RGB" and photo.view.mode == "RGB"
    assert photo.view.size == (384, MODEL_SHORT_SIDE)


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_that_keeps_the_short_side_at_least_256():
    data = encode(skimage_photo("coffee").resize((2400, 1600)))
    reduced, full = load(data), load(data, reduce=False)
    assert reduced.image.size == (600, 400)
    assert full.image.size == (2400, 1600)
    assert reduced.size == full.size == (2400, 1600)
    assert reduced.view.size == full.view.size == (384, 256)
    difference = np.abs(np.asarray(reduced.view, dtype=np.int16) - np.asarray(full.view, dtype=np.int16))
    assert difference.mean() < 2


def test_refusals_are_upload_rejections_so_intake_records_them_as_such():
    assert isinstance(refusal(b"GIF89a" + b"\x00" * 64), UploadRejected)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "size"),
        (b"GIF89a" + b"\x00" * 64, "type"),
        (b"%PDF-1.7\n" + b"\x00" * 64, "type"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "corrupt"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "corrupt"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "corrupt"),
    ],
)
def test_files_that_are_not_photos_are_refused_by_their_content(data, code):
    assert refusal(data).code == code


def test_a_file_over_the_byte_cap_is_refused_before_it_is_parsed():
    data = encode(skimage_photo("coffee"))
    refused = refusal(data, max_bytes=len(data) - 1)
    assert refused.code == "size" and str(len(data)) in str(refused)


def _png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (64, 64), "green")))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _webp_declaring(width: int, height: int, variant: str) -> bytes:
    image = Image.new("RGB", (64, 64), "green")
    if variant == "lossy":
        data = bytearray(encode(image, "WEBP"))
        data[26:30] = struct.pack("<HH", width, height)
    elif variant == "lossless":
        data = bytearray(encode(image, "WEBP", lossless=True))
        bits = int.from_bytes(data[21:25], "little")
        bits = (bits & ~((1 << 28) - 1)) | (width - 1) | ((height - 1) << 14)
        data[21:25] = bits.to_bytes(4, "little")
    else:
        data = bytearray(encode(image, "WEBP", exif=camera_exif()))
        data[24:30] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


@pytest.mark.parametrize(
    "bomb",
    [
        _png_declaring(10_000, 10_000),
        _png_declaring(30_000, 30_000),
        _jpeg_declaring(60_000, 60_000),
        _webp_declaring(12_000, 12_000, "lossy"),
        _webp_declaring(12_000, 12_000, "lossless"),
        _webp_declaring(100_000, 100_000, "extended"),
        heif_declaring(12_000, 12_000),
        heif_declaring(65_535, 65_535),
    ],
    ids=["png", "png-beyond-pillows-limit", "jpeg", "webp-lossy", "webp-lossless", "webp-extended", "heic", "heic-max"],
)
def test_a_decompression_bomb_is_refused_from_its_header_before_any_pixel_is_decoded(bomb):
    refused = refusal(bomb)
    # The files hold no real pixel data: had decoding started, the refusal would say "corrupt".
    assert refused.code == "pixels", refused
    assert "50,000,000 allowed" in str(refused)
    assert len(bomb) < 2_000


def test_the_pixel_cap_is_the_callers_not_pillows():
    data = encode(skimage_photo("coffee"))
    assert refusal(data, max_pixels=600 * 400 - 1).code == "pixels"


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_a_truncated_file_is_refused_never_half_decoded(image_format):
    data = encode(skimage_photo("coffee"), image_format)
    assert refusal(data[: len(data) // 2]).code == "corrupt"
    assert not ImageFile.LOAD_TRUNCATED_IMAGES


def test_a_heic_cut_anywhere_in_its_tiles_is_refused_not_drawn_with_blank_tiles():
    data = iphone_heic(skimage_photo("coffee"))
    pictures_start = data.index(b"mdat") + 4
    for cut in range(pictures_start, len(data), (len(data) - pictures_start) // 20):
        refused = refusal(data[:cut])
        assert (refused.code, str(refused)) == ("corrupt", "the image is damaged or incomplete and cannot be decoded")
    assert refusal(data[:-1]).code == "corrupt"


def test_the_canvas_a_heic_declares_binds_its_decoding():
    """A picture larger than its declared canvas would decode past the pixel cap: libheif refuses it."""
    data = bytearray(encode(skimage_photo("coffee"), "HEIF"))
    extents = data.index(b"ispe") + 8
    data[extents : extents + 8] = struct.pack(">II", 100, 64)
    assert refusal(bytes(data)).code == "corrupt"


@pytest.mark.parametrize("image_format", ["WEBP", "PNG"])
def test_an_animated_image_is_refused(image_format):
    coffee = skimage_photo("coffee")
    buffer = io.BytesIO()
    coffee.save(buffer, image_format, save_all=True, append_images=[coffee.rotate(180)])
    refused = refusal(buffer.getvalue())
    assert refused.code == "animated" and "single photo" in str(refused)


def test_a_heif_image_sequence_is_refused_as_animated():
    refused = refusal(heif_sequence(skimage_photo("coffee")))
    assert refused.code == "animated" and "single photo" in str(refused)


def test_a_heif_with_several_pictures_is_its_primary_picture_not_an_animation():
    coffee = skimage_photo("coffee")
    buffer = io.BytesIO()
    coffee.save(buffer, "HEIF", save_all=True, append_images=[coffee.rotate(180)], primary_index=1)
    photo = load(buffer.getvalue())
    pixels = np.asarray(photo.image, dtype=np.float32)
    assert photo.format == "HEIF"
    assert np.abs(pixels - np.asarray(coffee.rotate(180), dtype=np.float32)).mean() < 6
    assert np.abs(pixels - np.asarray(coffee, dtype=np.float32)).mean() > 30


def test_a_multi_picture_jpeg_from_a_phone_is_its_first_picture_not_an_animation():
    coffee = skimage_photo("coffee")
    buffer = io.BytesIO()
    coffee.save(buffer, "MPO", save_all=True, append_images=[coffee.rotate(180)])
    photo = load(buffer.getvalue())
    pixels = np.asarray(photo.image, dtype=np.float32)
    assert photo.format == "MPO"
    assert np.abs(pixels - np.asarray(coffee, dtype=np.float32)).mean() < 6
    assert np.abs(pixels - np.asarray(coffee.rotate(180), dtype=np.float32)).mean() > 30


@pytest.mark.parametrize(("size", "reason"), [((32, 300), "at least 64"), ((2000, 100), "10 times wider")])
def test_slivers_are_refused_because_the_model_cannot_see_them(size, reason):
    refused = refusal(encode(Image.new("RGB", size, "green")))
    assert refused.code == "shape" and reason in str(refused)


def test_exif_orientation_is_applied_so_the_photo_is_upright():
    stored = Image.new("RGB", (200, 100), "red")
    stored.paste((0, 0, 255), (100, 0, 200, 100))
    photo = load(encode(stored, exif=camera_exif(orientation=6)))
    pixels = np.asarray(photo.image)
    assert photo.image.size == (100, 200)
    assert (photo.size, photo.upright_size) == ((200, 100), (100, 200))
    assert tuple(pixels[10, 50]) > (200, 0, 0) and pixels[10, 50, 2] < 50
    assert pixels[190, 50, 2] > 200 and pixels[190, 50, 0] < 50


def test_a_heic_rotated_by_its_transform_is_turned_once_though_its_exif_orientation_says_the_same():
    """iPhones store the sensor's picture with an ``irot`` transform and the same turn in EXIF's Orientation;
    libheif applies the transform and pillow-heif resets the EXIF tag, so the turn is not applied twice."""
    stored = Image.new("RGB", (200, 100), "red")
    stored.paste((0, 0, 255), (100, 0, 200, 100))
    data = iphone_heic(stored, camera_exif(orientation=6))
    assert b"irot" in data
    photo = load(data)
    pixels = np.asarray(photo.image)
    assert (photo.image.size, photo.size, photo.upright_size, photo.exif.orientation) == (
        (100, 200),
        (100, 200),
        (100, 200),
        1,
    )
    assert tuple(pixels[10, 50]) > (200, 0, 0) and pixels[10, 50, 2] < 50
    assert pixels[190, 50, 2] > 200 and pixels[190, 50, 0] < 50


def test_a_10_bit_heic_from_a_camera_is_decoded_to_8_bit_rgb():
    coffee = skimage_photo("coffee")
    levels = (np.asarray(coffee, dtype=np.uint16) * 257).astype("<u2").tobytes()
    ten_bit = pillow_heif.from_bytes("RGB;16", coffee.size, levels)
    buffer = io.BytesIO()
    ten_bit.save(buffer, quality=90)
    photo = load(buffer.getvalue())
    assert photo.image.mode == "RGB"
    assert np.abs(np.asarray(photo.image, dtype=np.float32) - np.asarray(coffee, dtype=np.float32)).mean() < 6


def test_10_bit_greyscale_heif_is_refused_like_a_16_bit_png():
    grey = np.asarray(skimage_photo("coffee").convert("L"), dtype=np.uint16) * 257
    deep = pillow_heif.from_bytes("L;16", (grey.shape[1], grey.shape[0]), grey.astype("<u2").tobytes())
    buffer = io.BytesIO()
    deep.save(buffer, quality=90)
    refused = refusal(buffer.getvalue())
    assert refused.code == "depth" and "more than 8 bits per channel" in str(refused)


@pytest.mark.parametrize(
    ("image", "code", "reason"),
    [
        (Image.new("CMYK", (96, 96), (0, 255, 255, 0)), "colour", "CMYK, a print format"),
        (Image.fromarray(np.full((96, 96), 40_000, dtype=np.uint16)), "depth", "more than 8 bits per channel"),
    ],
    ids=["cmyk", "16-bit"],
)
def test_cmyk_and_16_bit_images_are_refused_as_print_and_editing_formats(image, code, reason):
    refused = refusal(encode(image, "JPEG" if image.mode == "CMYK" else "PNG"))
    assert refused.code == code and reason in str(refused)
    assert "as the camera saved it" in str(refused)


def test_8_bit_greyscale_is_not_taken_for_16_bit():
    photo = load(encode(Image.new("L", (96, 96), 128), "PNG"))
    assert photo.image.mode == "RGB" and np.asarray(photo.image)[0, 0].tolist() == [128, 128, 128]


def test_transparency_is_laid_on_white_for_rgba_and_palette_images():
    rgba = Image.new("RGBA", (96, 96), (0, 0, 0, 0))
    rgba.paste((200, 0, 0, 255), (0, 0, 48, 96))
    pixels = np.asarray(load(encode(rgba, "PNG")).image)
    assert tuple(pixels[10, 80]) == (255, 255, 255) and tuple(pixels[10, 10]) == (200, 0, 0)

    palette = Image.new("P", (96, 96), 0)
    palette.putpalette([0, 0, 0, 0, 0, 200] + [0] * 762)
    palette.paste(1, (0, 0, 48, 96))
    pixels = np.asarray(load(encode(palette, "PNG", transparency=0)).image)
    assert tuple(pixels[10, 80]) == (255, 255, 255) and tuple(pixels[10, 10]) == (0, 0, 200)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_exif_written_by_pillow_is_read_back_from_each_format(image_format):
    taken = datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=5)))
    exif = camera_exif(taken, GeoPoint(-33.8568, -151.2153), software="GIMP 2.10", pixel_size=(4000, 3000))
    exif.get_ifd(0x8769)[0xA434] = "Pixel 8 back camera 6.9mm f/1.68"
    read = load(encode(skimage_photo("coffee"), image_format, exif=exif)).exif
    assert read.captured_at() == (datetime(2024, 5, 1, 4, 30, tzinfo=UTC), True)
    assert read.location.lat == pytest.approx(-33.8568, abs=1e-6)
    assert read.location.lng == pytest.approx(-151.2153, abs=1e-6)
    assert (read.software, read.camera, read.pixel_size) == ("GIMP 2.10", "Google Pixel 8", (4000, 3000))
    assert read.lens == "Pixel 8 back camera 6.9mm f/1.68"


def test_without_a_zone_offset_gps_time_gives_the_utc_capture_time_and_else_the_zone_is_unknown():
    exif = camera_exif(datetime(2024, 5, 1, 9, 30), LAHORE)
    no_gps_time = load(encode(skimage_photo("coffee"), exif=exif)).exif
    assert no_gps_time.captured_at() == (datetime(2024, 5, 1, 9, 30, tzinfo=UTC), False)

    gps = exif.get_ifd(0x8825)
    gps[7], gps[29] = (4.0, 29.0, 58.0), "2024:05:01"
    with_gps_time = load(encode(skimage_photo("coffee"), exif=exif)).exif
    assert with_gps_time.captured_at() == (datetime(2024, 5, 1, 4, 29, 58, tzinfo=UTC), True)


def test_malformed_exif_fields_read_as_absent_and_never_refuse_the_photo():
    exif = camera_exif(orientation=42)
    zero = TiffImagePlugin.IFDRational(1, 0)
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (zero, zero, zero), "E", (1.0, 2.0, 3.0)
    exif.get_ifd(0x8769)[0x9003] = "not a date"
    read = load(encode(skimage_photo("coffee"), exif=exif)).exif
    assert read.present and read.camera == "Google Pixel 8"
    assert (read.location, read.taken_local, read.orientation) == (None, None, 1)


def test_a_photo_without_exif_says_so():
    exif = load(encode(skimage_photo("coffee"))).exif
    assert not exif.present and exif.captured_at() == (None, False)


def test_a_real_iphone_photo_yields_its_camera_position_and_capture_time():
    exif = load(opencv_photo("leuvenA.jpg")).exif
    assert exif.camera == "Apple iPhone 6"
    assert exif.location.lat == pytest.approx(50.87153, abs=1e-5)
    assert exif.location.lng == pytest.approx(4.69698, abs=1e-5)
    assert exif.captured_at() == (datetime(2019, 4, 14, 11, 46, 9, 990000, tzinfo=UTC), True)
    assert exif.taken_local == datetime(2019, 4, 14, 13, 46, 10)
    assert exif.pixel_size == (3264, 2448)


def _mutations(data: bytes, count: int, seed: int):
    rng = random.Random(seed)
    for _ in range(count):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 12)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        if rng.random() < 0.3:
            mutated = mutated[: rng.randrange(1, len(mutated))]
        yield bytes(mutated)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_damaged_files_either_decode_or_are_refused_and_nothing_else_escapes(image_format):
    source = encode(
        skimage_photo("coffee").resize((120, 80)), image_format, exif=camera_exif(datetime(2024, 5, 1), LAHORE)
    )
    outcomes = {"decoded": 0, "refused": 0}
    for data in _mutations(source, 150, seed=len(image_format)):
        try:
            photo = load_photo(data, MAX_BYTES, 1_000_000)
        except PhotoRejected:
            outcomes["refused"] += 1
        else:
            assert photo.image.mode == "RGB"
            outcomes["decoded"] += 1
    assert outcomes["refused"] > 0
