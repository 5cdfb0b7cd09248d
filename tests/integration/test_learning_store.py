"""Review labels on the table from template.yaml (moto and DynamoDB Local), promoted heads in S3 (moto)."""

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from ecopulse.store.review_labels import ReviewLabelItem, ReviewLabelRepository
from ecopulse.store.verifier_heads import VerifierHeadStore
from ecopulse.verification.learning import InvalidHead, train_tenant
from ecopulse.verification.reviews import ReviewLabel
from ecopulse_local.runtime import free_port
from tests.aggregation import aggregate_stream
from tests.unit.verification.fakes import FakeClock, MemoryLabels, Scenes, reviewed

DECIDED = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def labels(app_table):
    return ReviewLabelRepository()


@pytest.fixture
def tallied(dynamodb_endpoint, app_table):
    """Adds the table's stream to the aggregates, as the aggregator does: the tallies follow it."""
    return lambda: aggregate_stream(dynamodb_endpoint, app_table)


def label(submission_id: str, approved: bool, hours: int = 0, **features: float) -> ReviewLabel:
    return ReviewLabel(submission_id, approved, DECIDED + timedelta(hours=hours), features, bytes(range(256)) * 10)


def test_a_label_is_stored_once_and_the_first_decision_wins(labels, tallied):
    first = label("sub-first", True, waste_drop=0.4, tiny=1e-300)
    assert labels.record("kandy", first)
    assert not labels.record("kandy", first), "the same decision again is a no-op"
    assert not labels.record("kandy", dataclasses.replace(first, approved=False)), "a different one changes nothing"
    assert labels.label("kandy", "sub-first") == first
    assert labels.tally("kandy") == (0, 0), "a decision writes only its label"
    tallied()
    assert labels.tally("kandy") == (1, 0)


def test_labels_are_listed_oldest_first_across_pages_and_only_the_tenants(labels, tallied):
    embedding = bytes(2560)
    for hours in (5, 1, 3, 2, 4):
        labels.record("galle", dataclasses.replace(label(f"sub-g{hours}", hours % 2 == 0, hours), embedding=embedding))
    labels.record("matara", label("sub-m1", False))
    # Enough bytes per label that the listing takes several pages of 1 MB.
    for index in range(450):
        labels.record(
            "jaffna", ReviewLabel(f"sub-j{index:03d}", True, DECIDED + timedelta(minutes=index), {}, bytes(2560))
        )
    listed = labels.labels("galle")
    assert [item.submission_id for item in listed] == [f"sub-g{hours}" for hours in (1, 2, 3, 4, 5)]
    assert [item.approved for item in listed] == [False, True, False, True, False]
    assert len(labels.labels("jaffna")) == 450
    tallied()
    assert labels.tally("galle") == (2, 3) and labels.tally("nowhere") == (0, 0)
    assert {"galle", "matara", "jaffna"} <= set(labels.tenants())
    assert "LABEL#sub-g1" in ReviewLabelItem.keys("galle", "sub-g1")[0]


def test_a_label_without_an_embedding_is_kept_as_empty(labels):
    labels.record("trinco", ReviewLabel("sub-t", False, DECIDED, {"x": 1.0}))
    assert labels.labels("trinco")[0].embedding == b""


@pytest.fixture(scope="module")
def s3():
    port = free_port("127.0.0.1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    client = boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip
    client.create_bucket(Bucket="models")
    yield client
    server.stop()


@pytest.fixture(scope="module")
def trained():
    """Two promotions in a row for one tenant, from labels that teach the head something."""
    scenes = Scenes.make()
    memory = MemoryLabels({"colombo": reviewed(600, 1, scenes)})
    return memory, scenes


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_promoted_heads_are_kept_with_their_history_and_loaded_back(s3, trained):
    memory, scenes = trained
    ticking = Ticking()
    store = VerifierHeadStore("models", s3, cache_seconds=60, monotonic=ticking)
    assert (
        store.current("colombo") is None and store.history("colombo") == [] and store.current_record("colombo") is None
    )
    first = train_tenant("colombo", memory, store, FakeClock(), 0.05)
    assert first.promoted, first.reason
    head = store.current("colombo")
    probe = reviewed(20, 3, scenes)
    assert (head.score_labels(probe) == first.candidate.score_labels(probe)).all()

    # Newer, shuffled decisions: the current head can no longer show its bound, so the candidate replaces it.
    later = reviewed(600, 2, scenes, start=DECIDED + timedelta(days=60))
    memory.by_tenant["colombo"] = [
        dataclasses.replace(item, approved=index % 2 == 0) for index, item in enumerate(later)
    ]
    second = train_tenant("colombo", memory, store, FakeClock(now=FakeClock().now + timedelta(days=1)), 0.05)
    assert second.promoted and second.current_version == first.candidate.version
    history = store.history("colombo")
    assert [record.version for record in history] == [second.candidate.version, first.candidate.version]
    assert history[0].replaced_version == first.candidate.version and history[0].replaced_evaluation
    assert history[1].evaluation == first.candidate.evaluation and history[1].label_count == 600
    assert store.current_record("colombo").version == second.candidate.version
    assert store.current("colombo").version == second.candidate.version, "a promotion clears the cache"
    listed = {item["Key"] for item in s3.list_objects_v2(Bucket="models", Prefix="verifier-heads/colombo/")["Contents"]}
    assert listed == {
        f"verifier-heads/colombo/{name}"
        for name in (
            "current.json",
            "history.json",
            f"{first.candidate.version}.json",
            f"{second.candidate.version}.json",
        )
    }


def test_the_current_head_is_cached_for_a_while(s3, trained):
    memory, _ = trained
    ticking = Ticking()
    writer = VerifierHeadStore("models", s3)
    reader = VerifierHeadStore("models", s3, cache_seconds=300, monotonic=ticking)
    assert reader.current("negombo") is None
    memory.by_tenant["negombo"] = reviewed(600, 1, Scenes.make())
    assert train_tenant("negombo", memory, writer, FakeClock(), 0.05).promoted
    assert reader.current("negombo") is None, "no head was cached as no head"
    ticking.now = 301
    assert reader.current("negombo") is not None


def test_a_head_that_does_not_match_current_json_is_refused(s3, trained):
    memory, _ = trained
    store = VerifierHeadStore("models", s3, cache_seconds=0)
    memory.by_tenant["kalutara"] = reviewed(600, 1, Scenes.make())
    assert train_tenant("kalutara", memory, store, FakeClock(), 0.05).promoted
    version = store.current_record("kalutara").version
    key = f"verifier-heads/kalutara/{version}.json"
    blob = s3.get_object(Bucket="models", Key=key)["Body"].read()
    document = json.loads(blob)
    s3.put_object(Bucket="models", Key=key, Body=json.dumps({**document, "threshold": 0.01}).encode())
    with pytest.raises(InvalidHead, match="does not match the digest"):
        store.current("kalutara")
    s3.delete_object(Bucket="models", Key=key)
    with pytest.raises(InvalidHead, match="not in the bucket"):
        store.current("kalutara")
    s3.put_object(Bucket="models", Key=key, Body=b"garbage")
    record = json.loads(s3.get_object(Bucket="models", Key="verifier-heads/kalutara/current.json")["Body"].read())
    record["sha256"] = hashlib.sha256(b"garbage").hexdigest()
    s3.put_object(Bucket="models", Key="verifier-heads/kalutara/current.json", Body=json.dumps(record).encode())
    with pytest.raises(InvalidHead, match="not JSON"):
        store.current("kalutara")


def test_a_head_that_cannot_be_read_leaves_the_rules_in_force_for_as_long_as_a_head_would_be_cached(s3, trained):
    memory, _ = trained
    ticking = Ticking()
    store = VerifierHeadStore("models", s3, cache_seconds=300, monotonic=ticking)
    memory.by_tenant["galle"] = reviewed(600, 1, Scenes.make())
    assert train_tenant("galle", memory, VerifierHeadStore("models", s3), FakeClock(), 0.05).promoted
    key = f"verifier-heads/galle/{store.current_record('galle').version}.json"
    blob = s3.get_object(Bucket="models", Key=key)["Body"].read()
    s3.put_object(Bucket="models", Key=key, Body=blob + b" ")
    assert store.in_force("galle") is None
    s3.put_object(Bucket="models", Key=key, Body=blob)
    assert store.in_force("galle") is None, "the failure is remembered as a head would be"
    ticking.now = 301
    assert store.in_force("galle").version == store.current_record("galle").version
    unreachable = VerifierHeadStore("no-such-bucket", s3, cache_seconds=0)
    assert unreachable.in_force("galle") is None
