"""The near-duplicate index against moto and against the official DynamoDB Local, on the table from template.yaml.

The hashes come from real photographs (scikit-image) through the production decoder and hash, so "a copy is
found" here means what it will mean in AWS.
"""

from datetime import UTC, datetime

import pytest

from ecopulse.store.photo_hashes import PhotoHashIndex, PhotoHashItem
from ecopulse.verification.duplicates import PhotoRecord, band_entries, hash_bands
from ecopulse.verification.hashing import hash_variants
from ecopulse.verification.image import load_photo
from tests.unit.verification.pictures import crop_resize_recompress, encode, skimage_photo

THRESHOLD = 8
CREATED = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def index(app_table):
    return PhotoHashIndex()


def hashes(data: bytes) -> tuple[int, ...]:
    return hash_variants(load_photo(data, 10_000_000, 50_000_000).view)


def record(tenant: str, data: bytes, submission: str, user: str) -> PhotoRecord:
    variants = hashes(data)
    return PhotoRecord(
        tenant, f"uploads/{tenant}/{user}/{submission}/before.jpg", submission, user, variants[0], variants, CREATED
    )


def test_a_resubmission_and_a_cropped_resized_recompressed_copy_are_found_with_who_sent_the_original(index):
    coffee = skimage_photo("coffee")
    original = record("lahore", encode(coffee), "sub-00000001", "alice")
    index.remember(original)
    index.remember(record("lahore", encode(skimage_photo("chelsea")), "sub-00000002", "carol"))

    same = index.find_near("lahore", hashes(encode(coffee))[0], THRESHOLD)
    assert [(m.submission_id, m.user_id, m.distance) for m in same] == [("sub-00000001", "alice", 0)]

    copy = index.find_near("lahore", hashes(crop_resize_recompress(coffee))[0], THRESHOLD)
    assert [(m.submission_id, m.user_id, m.photo_key) for m in copy] == [("sub-00000001", "alice", original.photo_key)]
    assert copy[0].created_at == CREATED


def test_other_tenants_and_unrelated_photos_are_not_matched(index):
    index.remember(record("karachi", encode(skimage_photo("astronaut")), "sub-00000003", "dave"))
    astronaut = hashes(encode(skimage_photo("astronaut")))[0]
    assert index.find_near("lahore", astronaut, THRESHOLD) == []
    assert [m.user_id for m in index.find_near("karachi", astronaut, THRESHOLD)] == ["dave"]
    assert index.find_near("karachi", hashes(encode(skimage_photo("rocket")))[0], THRESHOLD) == []


def test_each_band_value_is_one_item_keyed_by_tenant_band_and_value_and_rewriting_changes_nothing(index):
    photo = record("multan", encode(skimage_photo("camera")), "sub-00000004", "erin")
    index.remember(photo)
    index.remember(photo)
    expected = band_entries(photo.variants)
    stored = {
        (band, value): item
        for (band, value) in expected
        for item in PhotoHashItem.query(f"TENANT#multan#PHASH#{band}#{value:04x}")
    }
    assert set(stored) == set(expected)
    assert all(item.sk == photo.photo_key for item in stored.values())
    assert {key: tuple(int(h, 16) for h in item.variants) for key, item in stored.items()} == expected
    for band, value in hash_bands(photo.phash):
        assert (band, value) in stored
    assert len(index.find_near("multan", photo.phash, THRESHOLD)) == 1
