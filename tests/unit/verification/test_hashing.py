"""The perceptual hash and its banded index keys, on real photographs and their copies."""

import io
import itertools
import random

import pytest
from PIL import Image

from ecopulse.verification.duplicates import BANDS, band_entries, distance_to, hamming, hash_bands
from ecopulse.verification.hashing import dhash, hash_variants
from ecopulse.verification.image import load_photo
from tests.unit.verification.pictures import crop_resize_recompress, encode, opencv_photo, skimage_photo

THRESHOLD = 8


def view(data: bytes) -> Image.Image:
    return load_photo(data, 10_000_000, 50_000_000).view


@pytest.fixture(scope="module")
def originals() -> dict[str, tuple[Image.Image, tuple[int, ...]]]:
    photos = {name: skimage_photo(name) for name in ("coffee", "chelsea", "astronaut", "rocket")}
    photos["building"] = Image.open(io.BytesIO(opencv_photo("building.jpg"))).convert("RGB")
    return {name: (image, hash_variants(view(encode(image)))) for name, image in photos.items()}


def shares_a_band(a: int, b: int) -> bool:
    return bool(set(hash_bands(a)) & set(hash_bands(b)))


@pytest.mark.parametrize(
    "copy",
    [
        lambda image: encode(image.resize((image.width // 2, image.height // 2))),
        lambda image: encode(image, quality=35),
        lambda image: crop_resize_recompress(image, crop=0.04, scale=0.7, quality=75),
        lambda image: crop_resize_recompress(image, crop=0.10, scale=0.5, quality=60),
        lambda image: encode(
            image.crop(((image.width - image.height) // 2, 0, (image.width + image.height) // 2, image.height))
        ),
    ],
    ids=["half-size", "quality-35", "crop-4%-resize-recompress", "crop-10%-resize-recompress", "square-crop"],
)
def test_resized_cropped_and_recompressed_copies_of_real_photos_stay_findable(originals, copy):
    for name, (image, variants) in originals.items():
        query = hash_variants(view(copy(image)))[0]
        nearest = min(variants, key=lambda variant: hamming(query, variant))
        assert distance_to(query, variants) <= THRESHOLD, name
        assert shares_a_band(query, nearest), name


def test_different_real_photos_are_far_apart(originals):
    for (a, (_, first)), (b, (_, second)) in itertools.combinations(originals.items(), 2):
        assert distance_to(first[0], second) > 2 * THRESHOLD, (a, b)


def test_each_bit_says_whether_a_cell_is_brighter_than_its_left_neighbour_so_brightness_does_not_matter():
    ramp = Image.linear_gradient("L").rotate(90).convert("RGB").resize((384, 256))
    assert dhash(ramp) == (1 << 64) - 1
    assert dhash(ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)) == 0
    brighter = Image.eval(ramp, lambda value: min(255, value + 20))
    assert hamming(dhash(ramp), dhash(brighter)) <= 2


def test_variants_start_with_the_photos_own_hash_and_are_distinct(originals):
    image, variants = originals["coffee"]
    assert variants[0] == dhash(view(encode(image)))
    assert len(set(variants)) == len(variants) > 1


def test_a_region_hashes_as_the_cropped_picture_does(originals):
    photo = view(encode(originals["coffee"][0]))
    grey = photo.convert("L")
    width, height = photo.size
    for box in [(0, 0, width, height), (10, 7, width - 10, height - 7), (width - height, 0, width, height)]:
        assert dhash(grey, box) == dhash(photo.crop(box))


def test_two_hashes_within_three_bits_always_share_a_band():
    rng = random.Random(7)
    for _ in range(2000):
        first = rng.getrandbits(64)
        second = first
        for bit in rng.sample(range(64), rng.randint(0, 3)):
            second ^= 1 << bit
        assert shares_a_band(first, second)


def test_bands_split_the_hash_highest_bits_first():
    assert hash_bands(0x0123456789ABCDEF) == [(0, 0x0123), (1, 0x4567), (2, 0x89AB), (3, 0xCDEF)]
    assert len(hash_bands(0)) == BANDS


def test_variants_sharing_a_band_value_share_one_index_entry():
    entries = band_entries([0x1111222233334444, 0x1111AAAA33335555])
    assert entries[(0, 0x1111)] == (0x1111222233334444, 0x1111AAAA33335555)
    assert entries[(1, 0xAAAA)] == (0x1111AAAA33335555,)
    assert len(entries) == 6
