"""The combined confidence, its inputs and the hint the UI shows."""

import pytest

from ecopulse.verification.signals import Signal
from ecopulse.verification.verdict import (
    PENALTIES,
    Hint,
    PhotoKind,
    Thresholds,
    combined_confidence,
    decision_hint,
    model_evidence,
)


def signal(name: str, flagged: bool) -> Signal:
    return Signal(name, flagged, "reason")


def test_litter_is_the_evidence_for_reports_and_before_photos_and_its_absence_for_after_photos():
    assert model_evidence(PhotoKind.REPORT, 0.8) == 0.8
    assert model_evidence(PhotoKind.BEFORE, 0.8) == 0.8
    assert model_evidence(PhotoKind.AFTER, 0.8) == pytest.approx(0.2)


def test_only_flagged_signals_lower_the_confidence_each_by_its_penalty():
    quiet = (signal("blur", False), signal("near_duplicate", False))
    assert combined_confidence(0.9, quiet) == 0.9
    flagged = (signal("blur", True), signal("missing_exif", True), signal("near_duplicate", False))
    expected = 0.9 * (1 - PENALTIES["blur"]) * (1 - PENALTIES["missing_exif"])
    assert combined_confidence(0.9, flagged) == pytest.approx(expected)


def test_a_duplicate_alone_takes_a_certain_photo_below_any_sensible_approval_threshold():
    assert combined_confidence(1.0, (signal("near_duplicate", True),)) == pytest.approx(0.1)


def test_the_confidence_stays_within_zero_and_one():
    assert combined_confidence(1.2, ()) == 1.0
    assert combined_confidence(-0.1, ()) == 0.0


def test_an_unknown_signal_is_a_programming_error_not_a_silent_zero_penalty():
    with pytest.raises(KeyError):
        combined_confidence(0.5, (signal("made_up", True),))


@pytest.mark.parametrize(
    ("confidence", "hint"),
    [(0.85, Hint.APPROVE), (0.9, Hint.APPROVE), (0.849, Hint.REVIEW), (0.3, Hint.REVIEW), (0.299, Hint.REJECT)],
)
def test_the_hint_applies_approve_at_or_above_high_and_reject_below_low(confidence, hint):
    assert decision_hint(confidence, Thresholds(high=0.85, low=0.3)) is hint


@pytest.mark.parametrize(("high", "low"), [(0.3, 0.5), (1.1, 0.5), (0.5, -0.1)])
def test_thresholds_must_be_ordered_within_zero_and_one(high, low):
    with pytest.raises(ValueError):
        Thresholds(high=high, low=low)
