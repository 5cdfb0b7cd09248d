"""Fraud attempts against the cleanup decision: how many of each kind are approved, reviewed or rejected, and how
many honest cleanups reach a human.

Run: .venv/bin/python bench/fraud.py [--per-kind N] [--json PATH]

Every submission of ml/fraud_set.py goes through the real path in process, in order (honest submissions first,
so that copies of their photos come later): ``verify_photo`` for each photo with the real classifier and one
in-memory duplicate index per tenant, then ``assess_cleanup`` of the evidence model with the bench tenant's
rules (its service area around Lahore). A photo the decoder refuses rejects its submission, as in the system.
The aim: no fraud attempt approved.
"""

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ml"))

import fraud_set  # noqa: E402
from stats import Rows, print_table, shown  # noqa: E402
from verification import MemoryIndex  # noqa: E402

from ecopulse.tenants import TenantSettings  # noqa: E402
from ecopulse.verification.classifier import WasteClassifier  # noqa: E402
from ecopulse.verification.evidence import EvidenceRules, assess_cleanup  # noqa: E402
from ecopulse.verification.image import PhotoRejected  # noqa: E402
from ecopulse.verification.service import PhotoClassifier, PhotoContext, verify_photo  # noqa: E402
from ecopulse.verification.verdict import PhotoKind, Verdict  # noqa: E402

MODEL_DIR = ROOT / "layers" / "model"
DECISIONS = ("approve", "review", "reject")
VERIFIED_AFTER = timedelta(seconds=3)
TOP_REASONS = 3
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Outcome:
    name: str
    kind: str
    honest: bool
    how: str
    decision: str
    reasons: tuple[str, ...]


def bench_rules() -> EvidenceRules:
    """The bench tenant's rules: the defaults, with the service area the honest photos lie in."""
    return EvidenceRules.from_settings(TenantSettings(service_area=fraud_set.SERVICE_AREA))


def assess(attempts: Iterable[fraud_set.Attempt], classifier: PhotoClassifier, rules: EvidenceRules) -> list[Outcome]:
    """Each attempt's decision, in order, with one duplicate index per tenant shared by all its submissions."""
    indexes: defaultdict[str, MemoryIndex] = defaultdict(MemoryIndex)
    outcomes = []
    for attempt in attempts:
        index = indexes[fraud_set.TENANT]
        try:
            before = _verified(attempt, PhotoKind.BEFORE, classifier, index) if attempt.before else None
            after = _verified(attempt, PhotoKind.AFTER, classifier, index)
        except PhotoRejected as refusal:
            outcomes.append(_outcome(attempt, "reject", (f"photo refused: {refusal}",)))
            continue
        assessment = assess_cleanup(before.facts if before else None, after.facts, attempt.opened_at, rules)
        outcomes.append(_outcome(attempt, assessment.decision, tuple(assessment.reasons)))
    return outcomes


def _verified(
    attempt: fraud_set.Attempt,
    kind: PhotoKind,
    classifier: PhotoClassifier,
    index: MemoryIndex,
) -> Verdict:
    data, uploaded_at = (
        (attempt.before, attempt.before_uploaded_at)
        if kind is PhotoKind.BEFORE
        else (attempt.after, attempt.after_uploaded_at)
    )
    assert data is not None and uploaded_at is not None
    submission = f"sub-{attempt.name}"
    context = PhotoContext(
        tenant=fraud_set.TENANT,
        user_id=attempt.user_id,
        submission_id=submission,
        photo_key=f"uploads/{fraud_set.TENANT}/{attempt.user_id}/{submission}/{kind.value}.jpg",
        submitted_at=uploaded_at,
        kind=kind,
    )
    verified_at: datetime = uploaded_at + VERIFIED_AFTER
    return verify_photo(data, context, classifier, index, lambda: verified_at)


def _outcome(attempt: fraud_set.Attempt, decision: str, reasons: tuple[str, ...]) -> Outcome:
    return Outcome(attempt.name, attempt.kind, attempt.honest, attempt.how, decision, reasons)


def table(outcomes: list[Outcome]) -> Rows:
    """Per kind: attempts and how many were approved, reviewed and rejected; all fraud together; and for honest
    submissions the shares approved and sent to a human."""
    rows: Rows = {}
    for kind in dict.fromkeys(outcome.kind for outcome in outcomes):
        rows[kind] = _counts([outcome for outcome in outcomes if outcome.kind == kind])
    fraud = [outcome for outcome in outcomes if not outcome.honest]
    if fraud:
        rows["all fraud"] = _counts(fraud)
    honest = rows.get("honest")
    if honest:
        honest["approved %"] = 100.0 * honest["approve"] / honest["attempts"]
        honest["to a human %"] = 100.0 * honest["review"] / honest["attempts"]
    return rows


def _counts(outcomes: list[Outcome]) -> dict[str, float]:
    decided = Counter(outcome.decision for outcome in outcomes)
    return {"attempts": len(outcomes), **{decision: decided[decision] for decision in DECISIONS}}


def common_reasons(outcomes: list[Outcome], top: int = TOP_REASONS) -> dict[str, list[tuple[str, int]]]:
    """The most frequent reasons per kind, each counted once per submission, their numbers shown as #."""
    by_kind: defaultdict[str, Counter] = defaultdict(Counter)
    for outcome in outcomes:
        by_kind[outcome.kind].update({NUMBER.sub("#", reason) for reason in outcome.reasons})
    return {kind: reasons.most_common(top) for kind, reasons in by_kind.items()}


def measure(per_kind: int | None = None) -> tuple[Rows, list[Outcome]]:
    outcomes = assess(fraud_set.attempts(per_kind), WasteClassifier(MODEL_DIR), bench_rules())
    return table(outcomes), outcomes


def markdown(rows: Rows, outcomes: list[Outcome]) -> list[str]:
    """The table per kind with its most common reasons, for bench/results.md."""
    reasons = common_reasons(outcomes)
    lines = [
        "| kind | attempts | approved | reviewed | rejected | most common reasons |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind, row in rows.items():
        common = "; ".join(f"{reason} ({count})" for reason, count in reasons.get(kind, []))
        counts = " | ".join(shown(row[decision]) for decision in ("attempts", *DECISIONS))
        lines.append(f"| {kind} | {counts} | {common} |")
    honest = rows.get("honest")
    if honest:
        lines += [
            "",
            f"Honest cleanups approved: {honest['approved %']:.0f}%, sent to a human: {honest['to a human %']:.0f}%.",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, help="only the first attempts of each kind")
    parser.add_argument("--json", type=Path, help="also write every outcome here")
    parser.add_argument("--markdown", action="store_true", help="also print the table as bench/results.md has it")
    args = parser.parse_args()
    rows, outcomes = measure(args.per_kind)
    print_table(rows, ("attempts", *DECISIONS, "approved %", "to a human %"))
    print()
    for kind, reasons in common_reasons(outcomes).items():
        print(f"{kind}:")
        for reason, count in reasons:
            print(f"  {count:>3}  {reason}")
    approved = [outcome for outcome in outcomes if not outcome.honest and outcome.decision == "approve"]
    print(f"\nfraud approved: {len(approved)} of {rows.get('all fraud', {}).get('attempts', 0)}")
    for outcome in approved:
        print(f"  {outcome.name}: {outcome.how}")
    if args.markdown:
        print("\n" + "\n".join(markdown(rows, outcomes)))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "outcomes": [asdict(o) for o in outcomes]}, indent=1))


if __name__ == "__main__":
    main()
