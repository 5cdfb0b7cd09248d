"""Learning from reviewers: a small logistic head over a cleanup's named evidence and its "after" photo's
embedding, trained per tenant on admins' decisions, judged on the newest decisions, and promoted only when it
would automate more approvals than the head in use at a false-approval rate shown to be under the tenant's
target. docs/verification.md ("Learning from reviewers") says why each choice was made.

numpy only: the head is scored in the verification function and trained in a scheduled one.
"""

import base64
import binascii
import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from ecopulse.verification.facts import embedding_vector
from ecopulse.verification.reviews import LabelSource, PromotedHead, ReviewLabel

MIN_LABELS = 40
MIN_PER_CLASS = 10
TARGET_FALSE_APPROVAL = 0.01
HOLDOUT_FRACTION = 0.3
CONFIDENCE = 0.95
# The embedding block is scaled so that its total variance is that of this many standardized features: under
# one L2 penalty the whole 1280-d embedding weighs like a few evidence features, however many dimensions it has.
EMBEDDING_BUDGET = 4.0
L2_PENALTY = 1.0
# A threshold no probability reaches: the head approves nothing by itself and the rules decide alone.
NEVER = 2.0
MAX_HEAD_BYTES = 4 * 1024 * 1024
FORMAT = "ecopulse-verifier-head"
FORMAT_VERSION = 1
VERSION_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{10}$")
_ARRAYS = ("feature_mean", "feature_scale", "feature_weights", "embedding_mean", "embedding_weights")


class InvalidHead(ValueError):
    """Bytes that are not a head this code wrote, or one altered since: never scored with."""


# ---------- the head ----------


def _unit_rows(embeddings: np.ndarray) -> np.ndarray:
    """Scale each embedding to length 1 (a zero one stays zero): the scene's direction, not its brightness."""
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(embeddings, norms, out=np.zeros_like(embeddings), where=norms > 0)
    return unit


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    probabilities: np.ndarray = np.exp(-np.logaddexp(0.0, -logits))
    return probabilities


@dataclass(frozen=True, eq=False)
class VerifierHead:
    """p(a human would approve) = sigmoid(feature_weights · standardized features
    + embedding_weights · (unit-length embedding − embedding_mean) + intercept)."""

    version: str
    trained_at: datetime
    threshold: float
    evaluation: dict[str, Any]
    feature_names: tuple[str, ...]
    feature_mean: np.ndarray
    feature_scale: np.ndarray
    feature_weights: np.ndarray
    embedding_mean: np.ndarray
    embedding_weights: np.ndarray
    intercept: float

    @property
    def automates(self) -> bool:
        """Whether any probability can reach the threshold."""
        return self.threshold <= 1.0

    @property
    def embedding_size(self) -> int:
        return int(self.embedding_mean.shape[0])

    def score(self, features: Mapping[str, float], embedding: bytes) -> float:
        """The probability that a human would approve; a feature missing or not finite reads as 0."""
        return float(self.scores([features], [embedding])[0])

    def auto_approves(self, probability: float) -> bool:
        return probability >= self.threshold

    def scores(self, features: Sequence[Mapping[str, float]], embeddings: Sequence[bytes]) -> np.ndarray:
        named = (_feature_matrix(features, self.feature_names) - self.feature_mean) / self.feature_scale
        scene = _unit_rows(_embedding_matrix(embeddings, self.embedding_size)) - self.embedding_mean
        return _sigmoid(named @ self.feature_weights + scene @ self.embedding_weights + self.intercept)

    def score_labels(self, labels: Sequence[ReviewLabel]) -> np.ndarray:
        return self.scores([label.features for label in labels], [label.embedding for label in labels])

    def evaluated(self, threshold: float, evaluation: dict[str, Any]) -> "VerifierHead":
        return dataclasses.replace(self, threshold=threshold, evaluation=evaluation)

    def to_bytes(self) -> bytes:
        """JSON with the arrays as base64 little-endian float64 and a SHA-256 over the rest: no pickle."""
        body = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "version": self.version,
            "trained_at": self.trained_at.isoformat(),
            "threshold": self.threshold,
            "evaluation": self.evaluation,
            "feature_names": list(self.feature_names),
            "intercept": self.intercept,
            "arrays": {name: _encode_array(getattr(self, name)) for name in _ARRAYS},
        }
        return json.dumps({**body, "sha256": _digest(body)}, sort_keys=True, allow_nan=False).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "VerifierHead":
        """The head, or InvalidHead saying what is wrong; nothing in the bytes is executed."""
        if len(data) > MAX_HEAD_BYTES:
            raise InvalidHead(f"a verifier head is at most {MAX_HEAD_BYTES} bytes, this is {len(data)}")
        try:
            document = json.loads(data, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:
            raise InvalidHead("not a verifier head: the bytes are not JSON") from error
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise InvalidHead("not a verifier head: the format marker is missing")
        if document.get("format_version") != FORMAT_VERSION:
            raise InvalidHead(f"verifier head format {document.get('format_version')!r} is not {FORMAT_VERSION}")
        body = {name: value for name, value in document.items() if name != "sha256"}
        if document.get("sha256") != _digest(body):
            raise InvalidHead("the verifier head's checksum does not match: it was altered or damaged")
        try:
            head = cls._from_body(body)
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            raise InvalidHead(f"the verifier head is malformed: {error}") from error
        _check_shapes(head)
        return head

    @classmethod
    def _from_body(cls, body: dict[str, Any]) -> "VerifierHead":
        version = body["version"]
        if not isinstance(version, str) or not VERSION_PATTERN.match(version):
            raise ValueError(f"version {version!r} is not a head version")
        trained_at = datetime.fromisoformat(body["trained_at"])
        if trained_at.tzinfo is None:
            raise ValueError("trained_at has no time zone")
        names = body["feature_names"]
        if not all(isinstance(name, str) and name for name in names) or len(set(names)) != len(names):
            raise ValueError("feature names must be distinct non-empty strings")
        if not isinstance(body["evaluation"], dict):
            raise ValueError("evaluation is not an object")
        threshold, intercept = float(body["threshold"]), float(body["intercept"])
        if not (0.0 < threshold <= NEVER) or not math.isfinite(intercept):
            raise ValueError("threshold or intercept out of range")
        return cls(
            version=version,
            trained_at=trained_at,
            threshold=threshold,
            evaluation=body["evaluation"],
            feature_names=tuple(names),
            intercept=intercept,
            **{name: _decode_array(body["arrays"][name]) for name in _ARRAYS},
        )


def _encode_array(array: np.ndarray) -> dict[str, Any]:
    data = np.ascontiguousarray(array, dtype="<f8")
    return {"shape": list(data.shape), "data": base64.b64encode(data.tobytes()).decode("ascii")}


def _decode_array(encoded: dict[str, Any]) -> np.ndarray:
    shape = tuple(encoded["shape"])
    if len(shape) > 2 or not all(isinstance(size, int) and 0 <= size <= 1_000_000 for size in shape):
        raise ValueError(f"array shape {shape} is not allowed")
    raw = base64.b64decode(encoded["data"], validate=True)
    if len(raw) != 8 * math.prod(shape):
        raise ValueError(f"array data does not fill its shape {shape}")
    array = np.frombuffer(raw, dtype="<f8").astype(np.float64).reshape(shape)
    if not np.isfinite(array).all():
        raise ValueError("array holds a value that is not finite")
    return array


def _check_shapes(head: VerifierHead) -> None:
    features, size = len(head.feature_names), head.embedding_mean.shape[0] if head.embedding_mean.ndim == 1 else -1
    for name in _ARRAYS:
        shape = getattr(head, name).shape
        if shape != ((size,) if name.startswith("embedding") else (features,)):
            raise InvalidHead(f"the verifier head is malformed: {name} has shape {shape}")
    if (head.feature_scale <= 0).any():
        raise InvalidHead("the verifier head is malformed: a feature scale is not positive")


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()).hexdigest()


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a head holds")


def _feature_matrix(features: Sequence[Mapping[str, float]], names: Sequence[str]) -> np.ndarray:
    matrix = np.array([[float(row.get(name, 0.0)) for name in names] for row in features], dtype=np.float64)
    matrix = matrix.reshape(len(features), len(names))
    return np.where(np.isfinite(matrix), matrix, 0.0)


def _embedding_matrix(embeddings: Sequence[bytes], size: int) -> np.ndarray:
    rows = [embedding_vector(embedding).astype(np.float64) for embedding in embeddings]
    for row in rows:
        if row.shape[0] != size:
            raise ValueError(f"an embedding of {row.shape[0]} values; this head was trained on {size}")
    return np.vstack(rows) if rows else np.zeros((0, size))


# ---------- fitting ----------


def fit_logistic(inputs: np.ndarray, approved: np.ndarray, l2_penalty: float) -> tuple[np.ndarray, float]:
    """L2-penalized logistic regression (intercept unpenalized) by Newton's method with a backtracking line search.

    The objective is strictly convex, so Newton converges from zero in a handful of steps, to the same
    answer every time: there is nothing random to seed.
    """
    rows, columns = inputs.shape
    design = np.hstack([inputs, np.ones((rows, 1))])
    penalty = np.full(columns + 1, l2_penalty)
    penalty[-1] = 0.0
    target = approved.astype(np.float64)

    def objective(beta: np.ndarray) -> float:
        logits = design @ beta
        return float(np.sum(np.logaddexp(0.0, logits) - target * logits) + 0.5 * penalty @ beta**2)

    beta = np.zeros(columns + 1)
    for _ in range(100):
        probabilities = _sigmoid(design @ beta)
        gradient = design.T @ (probabilities - target) + penalty * beta
        curvature = probabilities * (1.0 - probabilities)
        hessian = (design * curvature[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        decrease = float(gradient @ step)
        if decrease < 1e-12:
            break
        size, current = 1.0, objective(beta)
        while objective(beta - size * step) > current - 1e-4 * size * decrease and size > 1e-10:
            size /= 2
        beta = beta - size * step
    return beta[:-1], float(beta[-1])


def fit_head(labels: Sequence[ReviewLabel], trained_at: datetime, l2_penalty: float = L2_PENALTY) -> VerifierHead:
    """A head fitted on ``labels`` (both decisions present), with no threshold yet: it approves nothing.

    The embedding is fitted whole, not cut to a few principal components: the direction that tells a clean
    place from a littered one need not be one along which photos vary most. The L2 optimum lies in the span
    of the training embeddings, so the fit runs on their coordinates in that span (at most one per label)
    and maps the weights back to one weight per embedding dimension.
    """
    approved = np.array([label.approved for label in labels])
    names = tuple(sorted({name for label in labels for name in label.features}))
    named = _feature_matrix([label.features for label in labels], names)
    feature_mean = named.mean(axis=0)
    spread = named.std(axis=0)
    feature_scale = np.where(spread > 1e-12, spread, 1.0)

    size = len(labels[0].embedding) // 2
    vectors = _unit_rows(_embedding_matrix([label.embedding for label in labels], size))
    embedding_mean = vectors.mean(axis=0)
    centered = vectors - embedding_mean
    variance = float((centered**2).sum(axis=1).mean())
    embedding_scale = math.sqrt(variance / EMBEDDING_BUDGET) if variance > 1e-12 else 1.0
    scaled = centered / embedding_scale
    if size:
        _, strengths, directions = np.linalg.svd(scaled, full_matrices=False)
        span = directions[strengths > 1e-9 * max(strengths.max(), 1.0)]
    else:
        span = np.zeros((0, 0))

    inputs = np.hstack([(named - feature_mean) / feature_scale, scaled @ span.T])
    weights, intercept = fit_logistic(inputs, approved, l2_penalty)
    feature_weights = weights[: len(names)]
    # Back from span coordinates to one weight per dimension of the centred unit embedding.
    embedding_weights = span.T @ weights[len(names) :] / embedding_scale
    fitted = hashlib.sha256()
    for array in (feature_mean, feature_scale, feature_weights, embedding_mean, embedding_weights):
        fitted.update(np.ascontiguousarray(array, dtype="<f8").tobytes())
    fitted.update(json.dumps([names, intercept]).encode())
    return VerifierHead(
        version=f"{trained_at:%Y%m%dT%H%M%SZ}-{fitted.hexdigest()[:10]}",
        trained_at=trained_at,
        threshold=NEVER,
        evaluation={},
        feature_names=names,
        feature_mean=feature_mean,
        feature_scale=feature_scale,
        feature_weights=feature_weights,
        embedding_mean=embedding_mean,
        embedding_weights=embedding_weights,
        intercept=intercept,
    )


# ---------- judging ----------


def binomial_cdf(failures: int, trials: int, rate: float) -> float:
    """P(at most ``failures`` in ``trials``) at ``rate``, summed in log space (no scipy in the layer)."""
    if failures >= trials or rate <= 0.0:
        return 1.0
    if rate >= 1.0:
        return 0.0
    counts = np.arange(failures)
    ratios = np.log(trials - counts) - np.log(counts + 1) + math.log(rate) - math.log1p(-rate)
    logs = trials * math.log1p(-rate) + np.concatenate([[0.0], np.cumsum(ratios)])
    return float(min(1.0, np.exp(logs).sum()))


def false_approval_upper(failures: int, trials: int, confidence: float = CONFIDENCE) -> float:
    """The one-sided Clopper-Pearson upper bound on a rate seen as ``failures`` of ``trials`` (1 with none)."""
    if trials == 0 or failures >= trials:
        return 1.0
    low, high = failures / trials, 1.0
    for _ in range(100):
        middle = (low + high) / 2
        if binomial_cdf(failures, trials, middle) > 1.0 - confidence:
            low = middle
        else:
            high = middle
    return high


def _bound_under(failures: int, trials: int, target: float, confidence: float) -> bool:
    """Whether the upper bound is under ``target``, from one CDF: the bound is below the target exactly when
    seeing this few failures at the target rate would be a surprise."""
    return failures < target * trials and binomial_cdf(failures, trials, target) < 1.0 - confidence


def choose_threshold(
    probabilities: np.ndarray, approved: np.ndarray, target: float, confidence: float = CONFIDENCE
) -> float:
    """The lowest threshold whose auto-approvals on these labels have a false-approval upper bound under
    ``target``; NEVER when no threshold does."""
    approved = np.asarray(approved, dtype=bool)
    order = np.argsort(-probabilities, kind="stable")
    ranked = probabilities[order]
    false_approvals = np.cumsum(~approved[order])
    chosen = NEVER
    for position in range(len(ranked)):
        last_of_tie = position == len(ranked) - 1 or ranked[position] > ranked[position + 1]
        if last_of_tie and _bound_under(int(false_approvals[position]), position + 1, target, confidence):
            chosen = float(ranked[position])
    return chosen


def area_under_curve(probabilities: np.ndarray, approved: np.ndarray) -> float | None:
    """ROC AUC as the Mann-Whitney statistic with tied scores sharing their ranks; None without both classes."""
    positives, negatives = int(approved.sum()), int((~approved).sum())
    if not positives or not negatives:
        return None
    _, inverse, counts = np.unique(probabilities, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2
    rank_sum = float(average_rank[inverse][approved].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def evaluate(
    probabilities: np.ndarray,
    approved: np.ndarray,
    threshold: float,
    target: float,
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """How a head's probabilities and threshold did on decided labels."""
    approved = np.asarray(approved, dtype=bool)
    clipped = np.clip(probabilities, 1e-15, 1 - 1e-15)
    outcome = approved.astype(np.float64)
    chosen = probabilities >= threshold
    auto_approved, false_approvals = int(chosen.sum()), int((chosen & ~approved).sum())
    upper = false_approval_upper(false_approvals, auto_approved, confidence)
    human_approvals = int(approved.sum())
    auc = area_under_curve(probabilities, approved)
    return {
        "labels": len(approved),
        "approved": human_approvals,
        "rejected": len(approved) - human_approvals,
        "log_loss": round(float(-np.mean(outcome * np.log(clipped) + (1 - outcome) * np.log(1 - clipped))), 6),
        "brier": round(float(np.mean((probabilities - outcome) ** 2)), 6),
        "auc": None if auc is None else round(auc, 6),
        "threshold": threshold,
        "target_false_approval": target,
        "confidence": confidence,
        "auto_approved": auto_approved,
        "false_approvals": false_approvals,
        "false_approval_rate": round(false_approvals / auto_approved, 6) if auto_approved else None,
        "false_approval_upper": round(upper, 6),
        "approvals_automated": round((auto_approved - false_approvals) / human_approvals, 6) if human_approvals else 0,
        "meets_target": auto_approved > 0 and _bound_under(false_approvals, auto_approved, target, confidence),
    }


def automated_safely(evaluation: Mapping[str, Any]) -> int:
    """Approvals a head automates on the held-out labels, counted only when its bound is under the target."""
    return evaluation["auto_approved"] - evaluation["false_approvals"] if evaluation["meets_target"] else 0


def promotion(
    candidate: Mapping[str, Any], current: VerifierHead | None, current_on_same: Mapping[str, Any] | None
) -> tuple[bool, str]:
    """Whether the candidate replaces the head in use (or the rules alone), and why, from their evaluations on
    the same held-out labels (``current_on_same`` is None when the current head cannot score them)."""
    automated = automated_safely(candidate)
    if current is not None and current_on_same is None:
        return True, "the current head cannot score the newest labels (their embeddings have another size)"
    if current is None or current_on_same is None:
        if automated:
            return True, (
                f"it automates {candidate['approvals_automated']:.1%} of approvals with a false-approval upper "
                f"bound of {candidate['false_approval_upper']:.2%}, under the target; the rules alone automate none"
            )
        return False, (
            "it would automate no approval at a false-approval upper bound under the target "
            f"({candidate['target_false_approval']:.2%}); the rules decide alone"
        )
    if current.automates and not current_on_same["meets_target"]:
        return True, (
            f"the current head no longer shows a false-approval upper bound under the target on the newest "
            f"labels ({current_on_same['false_approval_upper']:.2%})"
        )
    current_automated = automated_safely(current_on_same)
    if automated != current_automated:
        verb = "more" if automated > current_automated else "fewer"
        return automated > current_automated, (
            f"it automates {verb} approvals under the target than the current head ({automated} against "
            f"{current_automated} of the newest labels)"
        )
    better = candidate["log_loss"] < current_on_same["log_loss"]
    return better, (
        f"it automates as many approvals as the current head ({automated}); its log loss is "
        f"{candidate['log_loss']:.4f} against {current_on_same['log_loss']:.4f}"
    )


# ---------- training a tenant ----------


class HeadStore(Protocol):
    def current(self, tenant: str) -> VerifierHead | None: ...

    def promote(self, tenant: str, head: VerifierHead, outcome: "TrainingOutcome") -> None: ...

    def history(self, tenant: str) -> list[PromotedHead]: ...


@dataclass(frozen=True)
class TrainingOutcome:
    """What one training run did for a tenant; both evaluations are on the same newest labels."""

    tenant: str
    label_count: int
    trained: bool
    promoted: bool
    reason: str
    candidate: VerifierHead | None = None
    current_version: str | None = None
    current_evaluation: dict[str, Any] | None = None

    @property
    def candidate_evaluation(self) -> dict[str, Any] | None:
        return self.candidate.evaluation if self.candidate else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "label_count": self.label_count,
            "trained": self.trained,
            "promoted": self.promoted,
            "reason": self.reason,
            "candidate_version": self.candidate.version if self.candidate else None,
            "candidate_evaluation": self.candidate_evaluation,
            "current_version": self.current_version,
            "current_evaluation": self.current_evaluation,
        }


def split_by_time(
    labels: Sequence[ReviewLabel], held_out: float = HOLDOUT_FRACTION
) -> tuple[list[ReviewLabel], list[ReviewLabel]]:
    """Older labels to train on, the newest ``held_out`` share to judge with: the head is judged on decisions
    made after everything it learned from, as it will be used."""
    ordered = sorted(labels, key=lambda label: (label.decided_at, label.submission_id))
    newest = math.ceil(len(ordered) * held_out)
    return ordered[: len(ordered) - newest], ordered[len(ordered) - newest :]


def _too_few(labels: Sequence[ReviewLabel], min_labels: int, min_per_class: int) -> str | None:
    approvals = sum(label.approved for label in labels)
    rejections = len(labels) - approvals
    if len(labels) < min_labels or min(approvals, rejections) < min_per_class:
        return (
            f"{len(labels)} labels ({approvals} approved, {rejections} rejected); training needs {min_labels}, "
            f"with at least {min_per_class} of each decision"
        )
    return None


def train_tenant(
    tenant: str,
    labels: LabelSource,
    heads: HeadStore,
    clock: Callable[[], datetime],
    target_false_approval: float = TARGET_FALSE_APPROVAL,
    min_labels: int = MIN_LABELS,
    min_per_class: int = MIN_PER_CLASS,
) -> TrainingOutcome:
    """Fits a candidate on the tenant's older labels, judges it and the current head on the newest, and
    promotes the candidate when it wins (``promotion``)."""
    every = labels.labels(tenant)
    # Embeddings from another model (another size) say nothing to this one: learn from the newest model's.
    size = len(max(every, key=lambda label: label.decided_at).embedding) if every else 0
    usable = [label for label in every if len(label.embedding) == size]
    refusal = _too_few(usable, min_labels, min_per_class)
    if refusal:
        return TrainingOutcome(tenant, len(every), trained=False, promoted=False, reason=refusal)
    older, newest = split_by_time(usable)
    if len({label.approved for label in older}) < 2:
        reason = "the older labels hold only one decision; a head cannot learn to tell them apart"
        return TrainingOutcome(tenant, len(every), trained=False, promoted=False, reason=reason)

    candidate = fit_head(older, clock())
    approved = np.array([label.approved for label in newest])
    probabilities = candidate.score_labels(newest)
    threshold = choose_threshold(probabilities, approved, target_false_approval)
    evaluation = evaluate(probabilities, approved, threshold, target_false_approval)
    evaluation["training"] = {
        "labels": len(older),
        "ignored": len(every) - len(usable),
        "trained_until": older[-1].decided_at.isoformat(),
        "held_out_from": newest[0].decided_at.isoformat(),
        "held_out_until": newest[-1].decided_at.isoformat(),
    }
    candidate = candidate.evaluated(threshold, evaluation)

    current = heads.current(tenant)
    current_evaluation = None
    if current is not None:
        try:
            scored = current.score_labels(newest)
        except ValueError:
            scored = None
        if scored is not None:
            current_evaluation = evaluate(scored, approved, current.threshold, target_false_approval)
    promoted, reason = promotion(evaluation, current, current_evaluation)
    outcome = TrainingOutcome(
        tenant,
        len(every),
        trained=True,
        promoted=promoted,
        reason=reason,
        candidate=candidate,
        current_version=current.version if current else None,
        current_evaluation=current_evaluation,
    )
    if promoted:
        heads.promote(tenant, candidate, outcome)
    return outcome
