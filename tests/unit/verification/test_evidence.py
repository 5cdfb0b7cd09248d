"""The evidence model's rules on photo facts made by hand: every hard check, each decision, the plain reasons."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from ecopulse.tenants import TenantSettings
from ecopulse.verification.evidence import Decision, EvidenceRules, assess_cleanup
from ecopulse.verification.facts import PhotoFacts
from ecopulse.verification.geo import GeoPoint

OPENED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LAHORE = GeoPoint(31.5204, 74.3587)
AREA = {"type": "Polygon", "coordinates": [[[74.2, 31.4], [74.5, 31.4], [74.5, 31.6], [74.2, 31.6], [74.2, 31.4]]]}
RULES = EvidenceRules.from_settings(TenantSettings(service_area=AREA, auto_approve_confidence=0.8))


def embedding(*values: float) -> bytes:
    return np.asarray(values, dtype="<f2").tobytes()


BEFORE = PhotoFacts(
    phash=0xF0F0F0F0F0F0F0F0,
    location=LAHORE,
    embedding=embedding(1.0, 0.6, 0.0),
    waste_probability=0.95,
    sha256="a" * 64,
    captured_at=OPENED + timedelta(minutes=2),
    capture_zone_known=True,
    camera="Google Pixel 8",
    lens="Pixel 8 back camera 6.9mm f/1.68",
    size=(4000, 3000),
)
AFTER = dataclasses.replace(
    BEFORE,
    phash=0x0F0F0F0F0F0F0F0F,
    location=GeoPoint(31.5205, 74.3588),
    embedding=embedding(1.0, 0.0, 0.5),
    waste_probability=0.02,
    sha256="b" * 64,
    captured_at=OPENED + timedelta(minutes=25),
)


def assess(before=BEFORE, after=AFTER, rules=RULES, head=None):
    return assess_cleanup(before, after, OPENED, rules, head)


def failed(assessment) -> set[str]:
    return {check.name for check in assessment.failed}


def test_an_honest_pair_that_holds_every_check_is_approved_with_its_formula():
    assessment = assess()
    assert assessment.decision is Decision.APPROVE and failed(assessment) == set()
    assert assessment.confidence == pytest.approx(0.95 * 0.98)
    assert assessment.reasons == ("the before and after photos show the place cleaned",)


def test_an_after_photo_alone_never_approves_however_clean():
    assessment = assess(before=None)
    assert assessment.decision is Decision.REVIEW and "before_photo" in failed(assessment)
    assert "a cleanup needs a before photo as well as an after photo" in assessment.reasons


def test_every_hard_check_held_but_a_low_confidence_goes_to_a_human_and_says_so():
    assessment = assess(rules=dataclasses.replace(RULES, approve_confidence=0.99))
    assert assessment.decision is Decision.REVIEW and failed(assessment) == {"confidence"}
    assert assessment.reasons == ("a reviewer confirms the cleanup",)


@pytest.mark.parametrize(
    ("before", "after", "check", "plain"),
    [
        (
            dataclasses.replace(BEFORE, waste_probability=0.3),
            AFTER,
            "before_shows_litter",
            "the before photo does not clearly show litter",
        ),
        (
            BEFORE,
            dataclasses.replace(AFTER, waste_probability=0.75),
            "after_shows_less",
            "the after photo does not show clearly less litter than the before photo",
        ),
        (
            BEFORE,
            dataclasses.replace(AFTER, embedding=embedding(0.0, 0.0, 1.0)),
            "same_scene",
            "the before and after photos do not show the same place",
        ),
        (
            BEFORE,
            dataclasses.replace(AFTER, location=GeoPoint(31.5564, 74.3587)),
            "same_place",
            "the after photo was taken 4.0 km from the before photo",
        ),
        (BEFORE, dataclasses.replace(AFTER, location=None), "same_place", "the photos carry no position"),
        (
            BEFORE,
            dataclasses.replace(AFTER, camera="Apple iPhone 13"),
            "same_device",
            "the before and after photos come from different cameras",
        ),
        (
            BEFORE,
            dataclasses.replace(AFTER, lens="iPhone 13 front camera"),
            "same_device",
            "the before and after photos come from different cameras",
        ),
        (
            BEFORE,
            dataclasses.replace(AFTER, size=(1080, 1080)),
            "same_device",
            "the before and after photos come from different cameras",
        ),
        (
            BEFORE,
            dataclasses.replace(AFTER, captured_at=OPENED + timedelta(minutes=1)),
            "capture_time",
            "the after photo was taken before the before photo",
        ),
        (
            dataclasses.replace(BEFORE, captured_at=OPENED - timedelta(days=3)),
            AFTER,
            "capture_time",
            "the before photo was taken 3 days before the cleanup was started",
        ),
        (
            BEFORE,
            dataclasses.replace(AFTER, captured_at=OPENED + timedelta(hours=20)),
            "capture_time",
            "the after photo was taken 20 hours after the cleanup was started",
        ),
        (
            BEFORE,
            dataclasses.replace(AFTER, captured_at=None),
            "capture_time",
            "the photos do not say when they were taken",
        ),
        (
            BEFORE,
            dataclasses.replace(AFTER, flags=("editing_software",)),
            "after_editing_software",
            "the after photo was saved by an image editor",
        ),
        (
            dataclasses.replace(BEFORE, flags=("near_duplicate",)),
            AFTER,
            "before_near_duplicate",
            "the before photo matches a photo submitted before",
        ),
    ],
    ids=[
        "no litter before",
        "as much litter after",
        "another scene",
        "another place",
        "no GPS",
        "another camera",
        "another lens",
        "another geometry",
        "order reversed",
        "before the opening",
        "after the window",
        "no capture time",
        "edited",
        "seen before",
    ],  # fmt: skip
)
def test_a_failed_check_sends_the_cleanup_to_a_human_with_its_plain_reason(before, after, check, plain):
    assessment = assess(before, after)
    assert assessment.decision is Decision.REVIEW
    assert check in failed(assessment) and plain in assessment.reasons


def test_the_reasons_a_citizen_reads_hold_no_probability_threshold_or_hash():
    assessment = assess(dataclasses.replace(BEFORE, waste_probability=0.3), dataclasses.replace(AFTER, location=None))
    shown = " ".join(assessment.reasons)
    assert "0.3" not in shown and "0.45" not in shown and "bits" not in shown and "similarity" not in shown
    admin = {check.name: check.reason for check in assessment.failed}
    assert "0.30" in admin["before_shows_litter"] and "0.45" in admin["before_shows_litter"]


def test_the_same_picture_twice_is_rejected_without_a_human():
    assessment = assess(after=dataclasses.replace(BEFORE, sha256="c" * 64))
    assert assessment.decision is Decision.REJECT
    assert "the after photo is the before photo again" in assessment.reasons


def test_a_nearly_unchanged_scene_is_never_approved():
    unchanged = dataclasses.replace(AFTER, embedding=embedding(1.0, 0.62, 0.05))
    assessment = assess(after=unchanged)
    assert assessment.decision is Decision.REVIEW and "something_changed" in failed(assessment)


def test_an_after_photo_that_still_shows_litter_is_rejected():
    assessment = assess(after=dataclasses.replace(AFTER, waste_probability=0.9))
    assert assessment.decision is Decision.REJECT and "after_clean" in failed(assessment)


@pytest.mark.parametrize(("action", "decision"), [("review", Decision.REVIEW), ("reject", Decision.REJECT)])
def test_a_photo_outside_the_service_area_is_reviewed_or_rejected_as_the_tenant_chooses(action, decision):
    rules = EvidenceRules.from_settings(TenantSettings(service_area=AREA, outside_service_area=action))
    far = GeoPoint(51.5072, -0.1276)
    assessment = assess(dataclasses.replace(BEFORE, location=far), dataclasses.replace(AFTER, location=far), rules)
    assert assessment.decision is decision
    assert "the before photo was taken outside the city's service area" in assessment.reasons
    assert "km outside the service area" in next(c.reason for c in assessment.failed if c.name == "service_area")


def test_without_a_service_area_nothing_is_approved_alone():
    rules = dataclasses.replace(RULES, service_area=None)
    assessment = assess(rules=rules)
    assert assessment.decision is Decision.REVIEW and failed(assessment) == {"service_area"}


def test_a_camera_clock_without_its_zone_is_allowed_the_zones_slack_but_not_a_reversed_order():
    local = dict(capture_zone_known=False)
    before = dataclasses.replace(BEFORE, captured_at=OPENED - timedelta(hours=5), **local)
    after = dataclasses.replace(AFTER, captured_at=OPENED - timedelta(hours=4, minutes=30), **local)
    assert "capture_time" not in failed(assess(before, after))
    assert "capture_time" in failed(assess(before, dataclasses.replace(after, captured_at=before.captured_at)))


class FakeHead:
    """A head that approves above ``threshold`` and remembers what it was shown."""

    version = "v-test"

    def __init__(self, probability: float, threshold: float = 0.7) -> None:
        self.probability, self.threshold, self.seen = probability, threshold, []

    def score(self, features, embedding):
        self.seen.append((features, embedding))
        return self.probability

    def auto_approves(self, probability: float) -> bool:
        return probability >= self.threshold


def test_a_promoted_head_replaces_the_confidence_but_never_the_hard_checks():
    head = FakeHead(0.75)
    approved = assess(rules=dataclasses.replace(RULES, approve_confidence=1.0), head=head)
    assert approved.decision is Decision.APPROVE and approved.scorer == "head v-test"
    features, seen_embedding = head.seen[0]
    assert seen_embedding == AFTER.embedding and features == approved.features
    assert assess(before=None, head=FakeHead(0.99)).decision is Decision.REVIEW
    assert assess(head=FakeHead(0.5)).decision is Decision.REVIEW


def test_features_mark_what_could_not_be_measured():
    alone = assess(before=None).features
    assert alone["before_present"] == 0 and alone["distance_known"] == 0 and alone["capture_gap_known"] == 0
    paired = assess().features
    assert paired["distance_known"] == 1 and 0 < paired["distance_km"] < 0.05
    assert paired["capture_gap_hours"] == pytest.approx(23 / 60)


def test_an_assessment_is_stored_as_plain_json():
    stored = assess(after=dataclasses.replace(AFTER, camera="Apple iPhone 13")).to_dict()
    assert json.loads(json.dumps(stored)) == stored


def test_a_report_photo_as_the_before_of_a_close_out_is_asked_no_camera_or_capture_after_the_opening():
    reporters_phone = dataclasses.replace(BEFORE, camera="Apple iPhone 15", lens=None, size=(3024, 4032),
                                          captured_at=OPENED - timedelta(days=3))  # fmt: skip
    close_out = assess_cleanup(reporters_phone, AFTER, OPENED, RULES, report_before=True)
    assert close_out.decision is Decision.APPROVE and failed(close_out) == set()
    assert "same_device" not in {check.name for check in close_out.checks}
    assert failed(assess(reporters_phone, AFTER)) == {"same_device", "capture_time"}


@pytest.mark.parametrize(
    ("after", "check"),
    [
        (dataclasses.replace(AFTER, captured_at=OPENED - timedelta(days=4)), "capture_time"),
        (dataclasses.replace(AFTER, captured_at=OPENED + timedelta(days=2)), "capture_time"),
        (dataclasses.replace(AFTER, location=GeoPoint(31.60, 74.40)), "same_place"),
        (dataclasses.replace(AFTER, waste_probability=0.9), "after_shows_less"),
    ],
    ids=["after taken before the report photo", "after past the window", "another place", "litter still there"],
)
def test_a_close_out_keeps_every_other_check_of_a_pair(after, check):
    report_photo = dataclasses.replace(BEFORE, captured_at=OPENED - timedelta(days=3))
    assert check in failed(assess_cleanup(report_photo, after, OPENED, RULES, report_before=True))
