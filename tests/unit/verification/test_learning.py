"""The head learns what reviewers decide, is judged on their newest decisions, and takes over only when it
automates more approvals at a false-approval bound under the tenant's target."""

import base64
import dataclasses
import hashlib
import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from ecopulse.verification.learning import (
    NEVER,
    InvalidHead,
    VerifierHead,
    area_under_curve,
    choose_threshold,
    evaluate,
    false_approval_upper,
    fit_head,
    fit_logistic,
    promotion,
    split_by_time,
    train_tenant,
)
from ecopulse.verification.reviews import ReviewLabel
from tests.unit.verification.fakes import START, FakeClock, MemoryHeads, MemoryLabels, Scenes, reviewed

TENANT = "lahore"
TARGET = 0.05


@pytest.fixture(scope="module")
def scenes() -> Scenes:
    return Scenes.make()


@pytest.fixture(scope="module")
def learned(scenes):
    """One tenant's 600 decisions, trained on once: the outcome and the store it was promoted into."""
    labels, heads = MemoryLabels({TENANT: reviewed(600, 1, scenes)}), MemoryHeads()
    return train_tenant(TENANT, labels, heads, FakeClock(), TARGET), heads


def test_the_head_learns_the_evidence_and_the_scene_and_is_promoted(learned, scenes):
    outcome, heads = learned
    assert outcome.trained and outcome.promoted, outcome.reason
    evaluation = outcome.candidate_evaluation
    assert evaluation["auc"] > 0.9
    assert evaluation["labels"] == 180 and evaluation["training"]["labels"] == 420
    assert evaluation["meets_target"] and evaluation["false_approval_upper"] < TARGET
    assert evaluation["approvals_automated"] > 0.3
    head = heads.current(TENANT)
    assert head.version == outcome.candidate.version and head.automates
    assert [record.version for record in heads.history(TENANT)] == [head.version]

    plain = {"waste_drop": 0.3, "gps_distance_m": 50.0, "check_exif": 1.0}
    embedding = scenes.embeddings(np.array([0.0]), np.random.default_rng(3))[0]
    cleaner = embedding + 3 * scenes.clean * scenes.spreads[3]

    def score(features, vector):
        return head.score(features, vector.astype("<f2").tobytes())

    assert (
        score({**plain, "waste_drop": 0.6}, embedding)
        > score(plain, embedding)
        > score({**plain, "waste_drop": 0.0}, embedding)
    )
    assert score(plain, cleaner) > score(plain, embedding) + 0.2


def test_on_later_decisions_the_false_approval_rate_stays_under_the_target(learned, scenes):
    head = learned[0].candidate
    later = reviewed(4000, 99, scenes, start=START + timedelta(days=400))
    approved = np.array([label.approved for label in later])
    result = evaluate(head.score_labels(later), approved, head.threshold, TARGET)
    assert result["auto_approved"] > 500
    assert result["false_approval_rate"] < TARGET


def test_with_too_few_labels_nothing_is_trained(scenes):
    heads = MemoryHeads()
    few = train_tenant(TENANT, MemoryLabels({TENANT: reviewed(39, 2, scenes)}), heads, FakeClock(), TARGET)
    assert (few.trained, few.promoted, few.candidate) == (False, False, None)
    assert "39 labels" in few.reason and "needs 40" in few.reason

    one_sided = [dataclasses.replace(label, approved=index >= 9) for index, label in enumerate(reviewed(60, 2, scenes))]
    lopsided = train_tenant(TENANT, MemoryLabels({TENANT: one_sided}), heads, FakeClock(), TARGET)
    assert not lopsided.trained and "9 rejected" in lopsided.reason
    assert heads.current(TENANT) is None and heads.history(TENANT) == []


def test_a_minimum_is_a_parameter(scenes):
    outcome = train_tenant(
        TENANT, MemoryLabels({TENANT: reviewed(80, 2, scenes)}), MemoryHeads(), FakeClock(), min_labels=100
    )
    assert not outcome.trained and "needs 100" in outcome.reason


def test_pure_noise_automates_nothing_and_the_rules_decide_alone(scenes):
    heads = MemoryHeads()
    outcome = train_tenant(TENANT, MemoryLabels({TENANT: reviewed(300, 4, scenes, signal=0)}), heads, FakeClock())
    assert outcome.trained and not outcome.promoted
    assert outcome.candidate.threshold == NEVER and not outcome.candidate.automates
    assert outcome.candidate_evaluation["auto_approved"] == 0
    assert "rules decide alone" in outcome.reason
    assert heads.current(TENANT) is None


def test_a_worse_candidate_does_not_replace_the_current_head(learned, scenes):
    good_head = learned[0].candidate
    heads = MemoryHeads()
    heads.blobs[TENANT] = good_head.to_bytes()
    labels = reviewed(600, 5, scenes, start=START + timedelta(days=30))
    older, newest = split_by_time(labels)
    # The older decisions are shuffled: a candidate learns nothing from them, the current head knows better.
    shuffled = np.random.default_rng(0).permutation([label.approved for label in older])
    muddled = [dataclasses.replace(label, approved=bool(flag)) for label, flag in zip(older, shuffled, strict=True)]
    outcome = train_tenant(TENANT, MemoryLabels({TENANT: muddled + newest}), heads, FakeClock(), TARGET)
    assert outcome.trained and not outcome.promoted
    assert outcome.current_version == good_head.version
    assert outcome.current_evaluation["meets_target"]
    assert "fewer approvals" in outcome.reason
    assert heads.current(TENANT).version == good_head.version


def evaluation(automated: int, meets: bool, log_loss: float) -> dict:
    return {
        "auto_approved": automated + 1,
        "false_approvals": 1,
        "meets_target": meets,
        "log_loss": log_loss,
        "approvals_automated": 0.5,
        "false_approval_upper": 0.04 if meets else 0.2,
        "target_false_approval": TARGET,
    }


def test_promotion_rule(learned):
    head = learned[0].candidate
    never = dataclasses.replace(head, threshold=NEVER)
    assert promotion(evaluation(10, True, 0.3), None, None)[0]
    assert not promotion(evaluation(10, False, 0.3), None, None)[0], "a bound over the target automates nothing"
    assert promotion(evaluation(11, True, 0.5), head, evaluation(10, True, 0.3))[0]
    assert not promotion(evaluation(9, True, 0.1), head, evaluation(10, True, 0.3))[0]
    promoted, reason = promotion(evaluation(10, True, 0.2), head, evaluation(10, True, 0.3))
    assert promoted and "log loss is 0.2000 against 0.3000" in reason
    assert not promotion(evaluation(10, True, 0.3), head, evaluation(10, True, 0.3))[0], "a tie keeps the current head"
    replaced, reason = promotion(evaluation(0, False, 0.9), head, evaluation(50, False, 0.1))
    assert replaced and "no longer shows" in reason
    assert not promotion(evaluation(0, False, 0.9), never, evaluation(0, False, 0.1))[0]
    assert promotion(evaluation(0, False, 0.9), head, None)[0], "a head that cannot score the newest labels goes"


def test_labels_of_another_embedding_size_are_left_out(learned, scenes):
    labels = reviewed(130, 6, scenes)
    older_model = [dataclasses.replace(label, embedding=label.embedding[:640]) for label in labels[:100]]
    outcome = train_tenant(TENANT, MemoryLabels({TENANT: older_model + labels[100:]}), MemoryHeads(), FakeClock())
    assert not outcome.trained and outcome.label_count == 130 and "30 labels" in outcome.reason

    heads = MemoryHeads()
    heads.blobs[TENANT] = learned[0].candidate.to_bytes()
    shrunk = [dataclasses.replace(label, embedding=label.embedding[:640]) for label in reviewed(300, 7, scenes)]
    replaced = train_tenant(TENANT, MemoryLabels({TENANT: shrunk}), heads, FakeClock())
    assert replaced.promoted and "cannot score" in replaced.reason
    assert heads.current(TENANT).embedding_size == 320


def test_a_missing_feature_reads_as_zero_and_an_unknown_one_is_ignored(learned):
    head = learned[0].candidate
    embedding = bytes(2 * head.embedding_size)
    given = {"waste_drop": 0.4, "gps_distance_m": 0.0, "check_exif": 0.0}
    assert head.score({"waste_drop": 0.4}, embedding) == head.score(given, embedding)
    assert head.score({**given, "never_seen": 5.0}, embedding) == head.score(given, embedding)
    assert head.score({**given, "check_exif": math.nan}, embedding) == head.score(given, embedding)
    with pytest.raises(ValueError, match="trained on 1280"):
        head.score(given, bytes(10))


def test_to_bytes_and_back_scores_identically(learned, scenes):
    head = learned[0].candidate
    loaded = VerifierHead.from_bytes(head.to_bytes())
    labels = reviewed(50, 8, scenes)
    assert np.array_equal(loaded.score_labels(labels), head.score_labels(labels))
    assert (loaded.version, loaded.threshold, loaded.trained_at, loaded.evaluation) == (
        head.version,
        head.threshold,
        head.trained_at,
        head.evaluation,
    )
    assert loaded.to_bytes() == head.to_bytes()


def test_the_same_labels_give_the_same_head(scenes):
    labels = reviewed(120, 9, scenes)
    trained_at = datetime(2025, 6, 1, tzinfo=UTC)
    assert fit_head(labels, trained_at).to_bytes() == fit_head(labels, trained_at).to_bytes()


def resealed(document: dict) -> bytes:
    """A document altered by someone who also recomputed the checksum."""
    body = {name: value for name, value in document.items() if name != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return json.dumps({**body, "sha256": hashlib.sha256(canonical).hexdigest()}).encode()


@pytest.mark.parametrize(
    ("alter", "message"),
    [
        (lambda blob, document: b"\x89PNG\r\n\x1a\n" + bytes(100), "not JSON"),
        (lambda blob, document: b"[1, 2, 3]", "format marker"),
        (lambda blob, document: b'{"format": "ecopulse-verifier-head", "format_version": 9}', "format 9"),
        (lambda blob, document: json.dumps({**document, "threshold": 0.1}).encode(), "checksum"),
        (lambda blob, document: blob + b" " * (5 * 1024 * 1024), "at most"),
        (lambda blob, document: blob.replace(b'"intercept": ', b'"intercept": NaN, "x": '), "not JSON"),
        (lambda blob, document: resealed({**document, "threshold": -1}), "out of range"),
        (lambda blob, document: resealed({**document, "version": "../../other/current"}), "not a head version"),
        (
            lambda blob, document: resealed(
                {
                    **document,
                    "arrays": {**document["arrays"], "feature_weights": {"shape": [1], "data": "AAAAAAAAAAA="}},
                }
            ),
            "feature_weights has shape",
        ),
        (
            lambda blob, document: resealed(
                {**document, "arrays": {**document["arrays"], "feature_weights": {"shape": [9, 9, 9], "data": ""}}}
            ),
            "shape",
        ),
        (
            lambda blob, document: resealed(
                {
                    **document,
                    "arrays": {
                        **document["arrays"],
                        "feature_weights": {
                            "shape": [3],
                            "data": base64.b64encode(np.full(3, np.inf).tobytes()).decode(),
                        },
                    },
                }
            ),
            "not finite",
        ),
    ],
    ids=[
        "garbage",
        "not a head",
        "unknown format",
        "altered",
        "too large",
        "nan",
        "negative threshold",
        "path in version",
        "wrong shape",
        "three axes",
        "infinite weight",
    ],  # fmt: skip
)
def test_a_damaged_or_altered_head_is_refused_with_a_reason(learned, alter, message):
    blob = learned[0].candidate.to_bytes()
    with pytest.raises(InvalidHead, match=message):
        VerifierHead.from_bytes(alter(blob, json.loads(blob)))


@pytest.mark.parametrize(("failures", "trials"), [(0, 1), (0, 59), (0, 299), (1, 100), (3, 200), (12, 480), (7, 7)])
def test_the_upper_bound_is_clopper_pearsons(failures, trials):
    exact = 1.0 if failures == trials else stats.beta.ppf(0.95, failures + 1, trials - failures)
    assert false_approval_upper(failures, trials) == pytest.approx(exact, abs=1e-9)


def test_showing_one_percent_needs_299_clean_auto_approvals():
    scores = np.linspace(0.999, 0.5, 400)
    assert choose_threshold(scores[:298], np.ones(298, bool), 0.01) == NEVER
    assert choose_threshold(scores[:299], np.ones(299, bool), 0.01) == scores[298]


def test_the_threshold_is_the_lowest_whose_bound_stays_under_the_target():
    scores = np.linspace(0.99, 0.01, 200)
    approved = np.ones(200, bool)
    approved[[120, 150, 180]] = False
    threshold = choose_threshold(scores, approved, 0.05)
    chosen = scores >= threshold
    assert false_approval_upper(int((chosen & ~approved).sum()), int(chosen.sum())) < 0.05
    lower = scores < threshold
    for cut in scores[lower]:
        taken = scores >= cut
        assert false_approval_upper(int((taken & ~approved).sum()), int(taken.sum())) >= 0.05


def test_tied_scores_are_approved_or_held_back_together():
    scores = np.array([0.9] * 100 + [0.8] * 5)
    approved = np.array([True] * 100 + [True, True, True, False, False])
    assert choose_threshold(scores, approved, 0.05) == 0.9


def test_auc_counts_every_pair_with_ties_as_half():
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 6, 80) / 5
    approved = rng.random(80) < 0.6
    pairs = [1.0 if p > n else 0.5 if p == n else 0.0 for p in scores[approved] for n in scores[~approved]]
    assert area_under_curve(scores, approved) == pytest.approx(np.mean(pairs))
    assert area_under_curve(scores, np.ones(80, bool)) is None


def test_the_logistic_fit_is_the_penalized_optimum():
    rng = np.random.default_rng(2)
    inputs = rng.normal(size=(200, 5))
    approved = rng.random(200) < 1 / (1 + np.exp(-(inputs @ np.array([2.0, -1.0, 0.0, 0.5, 3.0]) + 0.7)))
    weights, intercept = fit_logistic(inputs, approved, 1.0)
    probabilities = 1 / (1 + np.exp(-(inputs @ weights + intercept)))
    assert np.abs(inputs.T @ (probabilities - approved) + weights).max() < 1e-6
    assert abs((probabilities - approved).sum()) < 1e-6
    separable = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    weights, _ = fit_logistic(separable, np.array([False, False, True, True]), 1.0)
    assert np.isfinite(weights).all()


def test_a_label_refuses_what_cannot_be_learned_from():
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="time zone"):
        ReviewLabel("sub-1", True, datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="finite"):
        ReviewLabel("sub-1", True, moment, {"waste_drop": math.inf})
    with pytest.raises(ValueError, match="two bytes"):
        ReviewLabel("sub-1", True, moment, {}, b"\x00")
    with pytest.raises(ValueError, match="submission id"):
        ReviewLabel("", True, moment)
    assert ReviewLabel("sub-1", 1, moment.astimezone(), {"a": 1}).features == {"a": 1.0}


def test_the_newest_labels_are_held_out(scenes):
    labels = reviewed(10, 11, scenes)
    older, newest = split_by_time(list(reversed(labels)))
    assert older == labels[:7] and newest == labels[7:]
