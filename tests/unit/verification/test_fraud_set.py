"""The adversarial set, one submission of each kind, through the real path: no fraud attempt is approved.

bench/fraud.py runs the whole set and reports the counts; this is its first attempt of each kind, run the same
way (verify_photo with the real model and one shared duplicate index, then assess_cleanup), in order, so that
the copy of an earlier submission's photos comes after that submission.
"""

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT / "ml"), str(ROOT / "bench")]

import fraud_set  # noqa: E402
from fraud import assess, bench_rules  # noqa: E402

from ecopulse.verification.image import load_photo  # noqa: E402
from ecopulse.verification.service import DEFAULT_POLICY  # noqa: E402


@pytest.fixture(scope="module")
def one_per_kind() -> list[fraud_set.Attempt]:
    return list(fraud_set.attempts(per_kind=1))


def test_the_set_has_at_least_60_fraud_attempts_of_at_least_10_kinds_and_a_slice_holds_every_kind(one_per_kind):
    counts = {kind: count for kind, (count, _) in fraud_set.KINDS.items()}
    assert sum(count for kind, count in counts.items() if kind != "honest") >= 60
    assert len(fraud_set.FRAUD_KINDS) >= 10
    assert [attempt.kind for attempt in one_per_kind] == list(counts)


def test_no_fraud_attempt_of_any_kind_is_approved(one_per_kind, classifier):
    outcomes = assess(one_per_kind, classifier, bench_rules())
    approved = [(o.name, o.how, o.reasons) for o in outcomes if not o.honest and o.decision == "approve"]
    assert approved == []
    assert {o.decision for o in outcomes if not o.honest} <= {"review", "reject"}


def test_an_honest_photo_carries_the_phone_exif_the_verification_reads(one_per_kind):
    honest = one_per_kind[0]
    photo = load_photo(honest.before, DEFAULT_POLICY.max_bytes, DEFAULT_POLICY.max_pixels)
    captured_at, zone_known = photo.exif.captured_at()
    assert zone_known and honest.opened_at < captured_at < honest.before_uploaded_at
    assert photo.exif.camera in {f"{d.make} {d.model}" for d in fraud_set.HONEST_DEVICES}
    assert photo.exif.pixel_size == photo.size
    assert 31.4 < photo.exif.location.lat < 31.6 and 74.2 < photo.exif.location.lng < 74.5
    assert photo.exif.software and photo.exif.modified_local == photo.exif.taken_local


def test_photos_for_a_running_system_are_dated_seconds_after_the_opening_given():
    opened_at = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    honest = next(fraud_set.attempts(opened_at=opened_at, pace=1 / 60))
    taken = [
        load_photo(data, DEFAULT_POLICY.max_bytes, DEFAULT_POLICY.max_pixels).exif.captured_at()[0]
        for data in (honest.before, honest.after)
    ]
    assert (honest.kind, honest.expected) == ("honest", fraud_set.APPROVE)
    assert opened_at < taken[0] < taken[1] < opened_at + timedelta(seconds=60)
