"""The evidence model: whether a cleanup's before/after photos prove the work, and so whether it is paid alone.

The classifier recognises ImageNet objects, not litter: a photo of a cat holds no litter, and that proves no
cleanup. So the model never pays on its own. A cleanup is approved automatically only when every hard check
holds *and* its confidence reaches the tenant's threshold:

    confidence = P(waste | before) x (1 - P(waste | after)) x product over flagged photo signals of (1 - penalty)

(or, once reviewers' decisions have trained a head for the tenant, the head's probability that a human would
approve, against the head's own threshold). Anything else goes to a human with the failed checks named. It is
rejected without a human only when the tenant refuses photos outside its service area, when the "after" photo
is the "before" photo again, or when the "after" photo still shows litter (its own confidence below the
tenant's reject threshold). docs/verification.md argues each rule and default.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from ecopulse.geo import distance_m
from ecopulse.tenants import TenantSettings
from ecopulse.verification.duplicates import hamming
from ecopulse.verification.facts import PhotoFacts, cosine_similarity
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.signals import CLOCK_SKEW, UNKNOWN_ZONE_SLACK, distance_text, duration_text
from ecopulse.verification.verdict import PENALTIES

SAME_PHOTO_DISTANCE = 8
NOTHING_CHANGED_SIMILARITY = 0.95
BEFORE, AFTER = "before", "after"

# What a citizen reads when one of their photo's own signals is flagged; thresholds and values stay with admins.
PLAIN_SIGNALS = {
    "near_duplicate": "the {photo} photo matches a photo submitted before",
    "missing_exif": "the {photo} photo carries no camera information: send photos straight from the camera app",
    "editing_software": "the {photo} photo was saved by an image editor",
    "edited_after_capture": "the {photo} photo was changed after it was taken",
    "recompression": "the {photo} photo was saved again after the camera took it",
    "blur": "the {photo} photo is too blurred to check",
    "darkness": "the {photo} photo is too dark to check",
    "capture_time": "the {photo} photo was not taken shortly before it was sent",
    "gps_distance": "the {photo} photo was taken far from the reported place",
}


class Decision(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    REJECT = "reject"


@dataclass(frozen=True)
class EvidenceRules:
    """A tenant's evidence rules, read from its settings once per assessment."""

    min_before_waste: float
    min_waste_drop: float
    pair_max_distance_m: float
    min_scene_similarity: float
    cleanup_window: timedelta
    service_area: BaseGeometry | None
    reject_outside: bool
    approve_confidence: float
    reject_confidence: float

    @classmethod
    def from_settings(cls, settings: TenantSettings) -> "EvidenceRules":
        area = settings.service_area
        return cls(
            min_before_waste=settings.min_before_waste,
            min_waste_drop=settings.min_waste_drop,
            pair_max_distance_m=settings.pair_max_distance_m,
            min_scene_similarity=settings.min_scene_similarity,
            cleanup_window=timedelta(hours=settings.cleanup_window_hours),
            service_area=shape(area.model_dump(exclude_none=True)) if area else None,
            reject_outside=settings.outside_service_area == "reject",
            approve_confidence=settings.auto_approve_confidence,
            reject_confidence=settings.auto_reject_confidence,
        )


@dataclass(frozen=True)
class Check:
    """One hard check. ``reason`` is for admins (with the numbers); ``plain`` is what the citizen reads when it
    fails; ``refuses`` marks a failure that rejects the cleanup outright."""

    name: str
    passed: bool
    reason: str
    plain: str = ""
    value: Any = None
    refuses: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "reason": self.reason, "value": self.value}


class Scorer(Protocol):
    """The learned head as the evidence model uses it (``learning.VerifierHead`` has this shape)."""

    @property
    def version(self) -> str: ...

    def score(self, features: dict[str, float], embedding: bytes) -> float: ...

    def auto_approves(self, probability: float) -> bool: ...


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    confidence: float
    scorer: str
    checks: tuple[Check, ...]
    features: dict[str, float]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The citizen's plain reasons: each failed check once, or what an approval rests on."""
        if self.decision is Decision.APPROVE:
            return ("the before and after photos show the place cleaned",)
        return tuple(dict.fromkeys(check.plain for check in self.failed))

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "confidence": round(self.confidence, 4),
            "scorer": self.scorer,
            "reasons": list(self.reasons),
            "checks": [check.to_dict() for check in self.checks],
            "features": {name: round(value, 6) for name, value in self.features.items()},
        }


def assess_cleanup(
    before: PhotoFacts | None,
    after: PhotoFacts,
    opened_at: datetime,
    rules: EvidenceRules,
    head: Scorer | None = None,
    report_before: bool = False,
) -> Assessment:
    """The decision on a cleanup from its photos' facts; ``before`` is None when no "before" photo was verified.

    ``report_before``: the "before" is the report's own photo, a driver's close-out being its "after"
    (``ecopulse.jobs``). Its reporter took it with their phone when they filed the report, so neither the same
    camera nor a capture after the close-out was opened is asked of it; every other check holds as for a pair."""
    after_alone = (1.0 - after.waste_probability) * _penalty(after.flags)
    similarity = cosine_similarity(before.embedding, after.embedding) if before else 0.0
    checks = (
        *pair_checks(before, after, rules, similarity, report_before),
        capture_check(before, after, opened_at, rules.cleanup_window, report_before),
        area_check(before, after, rules),
        *signal_checks(before, after),
        Check(
            "after_clean",
            after_alone >= rules.reject_confidence,
            f"confidence {after_alone:.2f} that the after photo shows a clean place, its flags counted "
            f"(rejected below {rules.reject_confidence:.2f})",
            "the after photo still shows litter, or is not a photo that can show a cleanup",
            round(after_alone, 4),
            refuses=True,
        ),
    )
    features = evidence_features(before, after, similarity)
    if head is not None:
        confidence, scorer = head.score(features, after.embedding), f"head {head.version}"
        confident = head.auto_approves(confidence)
    else:
        before_waste = before.waste_probability if before else 0.0
        confidence = before_waste * after_alone * _penalty(before.flags if before else ())
        scorer, confident = "rules", confidence >= rules.approve_confidence
    if any(check.refuses and not check.passed for check in checks):
        decision = Decision.REJECT
    elif all(check.passed for check in checks):
        decision = Decision.APPROVE if confident else Decision.REVIEW
        if not confident:
            checks = (*checks, _unconvinced(confidence, scorer))
    else:
        decision = Decision.REVIEW
    return Assessment(decision, confidence, scorer, checks, features)


def pair_checks(
    before: PhotoFacts | None,
    after: PhotoFacts,
    rules: EvidenceRules,
    scene_similarity: float,
    report_before: bool = False,
) -> tuple[Check, ...]:
    """Litter before, clearly less after, the same place, the same camera (unless the "before" is a report's
    photo, taken by its reporter), and not the same picture; ``scene_similarity`` is the cosine of the two
    photos' embeddings."""
    if before is None:
        return (
            Check(
                "before_photo",
                False,
                "no verified before photo: an after photo alone proves nothing",
                "a cleanup needs a before photo as well as an after photo",
            ),
        )
    similarity = round(scene_similarity, 3)
    bits = hamming(before.phash, after.phash)
    drop = round(before.waste_probability - after.waste_probability, 4)
    shown = f"{before.waste_probability:.2f} before, {after.waste_probability:.2f} after"
    return (
        Check(
            "before_shows_litter",
            before.waste_probability >= rules.min_before_waste,
            f"waste probability of the before photo {before.waste_probability:.2f} "
            f"(at least {rules.min_before_waste:.2f} needed)",
            "the before photo does not clearly show litter",
            round(before.waste_probability, 4),
        ),
        Check(
            "after_shows_less",
            drop >= rules.min_waste_drop,
            f"waste probability {shown} (a drop of at least {rules.min_waste_drop:.2f} needed)",
            "the after photo does not show clearly less litter than the before photo",
            drop,
        ),
        Check(
            "different_photos",
            not (bits <= SAME_PHOTO_DISTANCE and similarity >= NOTHING_CHANGED_SIMILARITY),
            f"before and after {bits} bits apart, scene similarity {similarity} (the same picture at "
            f"{SAME_PHOTO_DISTANCE} bits or fewer and {NOTHING_CHANGED_SIMILARITY} or more)",
            "the after photo is the before photo again",
            {"bits": bits, "similarity": similarity},
            refuses=True,
        ),
        Check(
            "something_changed",
            similarity < NOTHING_CHANGED_SIMILARITY,
            f"scene similarity {similarity} (nothing changed at {NOTHING_CHANGED_SIMILARITY} or more)",
            "the after photo shows the scene unchanged",
            similarity,
        ),
        Check(
            "same_scene",
            similarity >= rules.min_scene_similarity,
            f"scene similarity {similarity} (at least {rules.min_scene_similarity} needed)",
            "the before and after photos do not show the same place",
            similarity,
        ),
        place_check(before, after, rules.pair_max_distance_m),
        *(() if report_before else (device_check(before, after),)),
    )


def place_check(before: PhotoFacts, after: PhotoFacts, max_distance_m: float) -> Check:
    """Both photos carry GPS, within the tenant's distance of each other."""
    if before.location is None or after.location is None:
        missing = " and ".join(name for name, facts in ((BEFORE, before), (AFTER, after)) if facts.location is None)
        return Check("same_place", False, f"no GPS position on the {missing} photo", "the photos carry no position")
    metres = round(before.location.distance_m(after.location), 1)
    apart = distance_text(metres)
    return Check(
        "same_place",
        metres <= max_distance_m,
        f"taken {apart} apart (at most {distance_text(max_distance_m)})",
        f"the after photo was taken {apart} from the before photo",
        metres,
    )


def device_check(before: PhotoFacts, after: PhotoFacts) -> Check:
    """Both photos from one camera (make, model, lens) at one geometry: a swap of device is a named signal."""
    differences = [
        name
        for name, first, second in (
            ("camera", before.camera, after.camera),
            ("lens", before.lens, after.lens),
            ("geometry", _shape(before.size), _shape(after.size)),
        )
        if first != second
    ]
    value = {
        name: {"camera": facts.camera, "lens": facts.lens, "size": list(facts.size) if facts.size else None}
        for name, facts in ((BEFORE, before), (AFTER, after))
    }
    if before.camera is None or after.camera is None:
        return Check("same_device", False, "a photo names no camera", "the photos do not say which camera took them")
    if differences:
        reason = f"the photos differ in {', '.join(differences)}"
        return Check("same_device", False, reason, "the before and after photos come from different cameras", value)
    return Check("same_device", True, f"both taken with {after.camera}", value=value)


def capture_check(
    before: PhotoFacts | None,
    after: PhotoFacts,
    opened_at: datetime,
    window: timedelta,
    report_before: bool = False,
) -> Check:
    """Before earlier than after, both within the window after the cleanup was opened, as EXIF says; a report's
    photo as the "before" (``report_before``) was taken before the close-out was opened, and only needs to be
    earlier than the "after".

    A camera clock without its UTC offset may be off by up to 14 hours against the opening; two photos from the
    same clock are still compared with each other exactly.
    """
    photos = [(name, facts) for name, facts in ((BEFORE, before), (AFTER, after)) if facts is not None]
    undated = [name for name, facts in photos if facts.captured_at is None]
    if undated:
        return Check(
            "capture_time",
            False,
            f"no capture time on the {' and '.join(undated)} photo",
            "the photos do not say when they were taken",
        )
    dated = [
        (name, facts.captured_at, facts.capture_zone_known) for name, facts in photos if facts.captured_at is not None
    ]
    for name, captured_at, zone_known in dated:
        if report_before and name == BEFORE:
            continue
        slack = CLOCK_SKEW if zone_known else CLOCK_SKEW + UNKNOWN_ZONE_SLACK
        early = opened_at - captured_at
        if early > slack:
            return Check(
                "capture_time",
                False,
                f"the {name} photo was taken {duration_text(early)} before the cleanup was opened",
                f"the {name} photo was taken {duration_text(early)} before the cleanup was started",
                round(early.total_seconds() / 3600, 2),
            )
        late = captured_at - opened_at
        if late > window + slack:
            return Check(
                "capture_time",
                False,
                f"the {name} photo was taken {duration_text(late)} after the cleanup was opened",
                f"the {name} photo was taken {duration_text(late)} after the cleanup was started",
                round(late.total_seconds() / 3600, 2),
            )
    if len(dated) == 1:
        return Check("capture_time", True, "the after photo was taken after the cleanup was opened")
    (_, before_at, before_zone_known), (_, after_at, after_zone_known) = dated
    gap = after_at - before_at
    same_clock = before_zone_known == after_zone_known
    if gap <= timedelta(0) if same_clock else gap < -UNKNOWN_ZONE_SLACK:
        return Check(
            "capture_time",
            False,
            f"the after photo was taken {duration_text(-gap)} before the before photo",
            "the after photo was taken before the before photo",
            round(gap.total_seconds() / 3600, 2),
        )
    hours = round(gap.total_seconds() / 3600, 2)
    return Check("capture_time", True, f"the after photo was taken {duration_text(gap)} after the before", value=hours)


def area_check(before: PhotoFacts | None, after: PhotoFacts, rules: EvidenceRules) -> Check:
    """Both photos inside the tenant's service area; outside it, the tenant chooses review or rejection."""
    if rules.service_area is None:
        return Check(
            "service_area", False, "the tenant has set no service area", "the city checks the place of each cleanup"
        )
    photos = [(name, facts) for name, facts in ((BEFORE, before), (AFTER, after)) if facts is not None]
    for name, facts in photos:
        if facts.location is None:
            return Check("service_area", False, f"no GPS position on the {name} photo", "the photos carry no position")
        if not rules.service_area.covers(Point(facts.location.lng, facts.location.lat)):
            away = distance_text(_outside_by_m(rules.service_area, facts.location))
            return Check(
                "service_area",
                False,
                f"the {name} photo was taken {away} outside the service area",
                f"the {name} photo was taken outside the city's service area",
                facts.location.to_dict(),
                refuses=rules.reject_outside,
            )
    return Check("service_area", True, "taken inside the service area")


def signal_checks(before: PhotoFacts | None, after: PhotoFacts) -> tuple[Check, ...]:
    """Each photo's own flagged signals (duplicates, stripped or edited EXIF, re-saves, blur...) block approval."""
    return tuple(
        Check(f"{name}_{flag}", False, f"the {name} photo is flagged: {flag}", PLAIN_SIGNALS[flag].format(photo=name))
        for name, facts in ((BEFORE, before), (AFTER, after))
        if facts is not None
        for flag in facts.flags
    )


def evidence_features(before: PhotoFacts | None, after: PhotoFacts, scene_similarity: float) -> dict[str, float]:
    """The numbers a reviewer-trained head reads, computed the same way when a label is kept and when a head
    scores; an unknown measure reads 0 with its ``_known`` companion 0, so that 0 is never mistaken for a value."""
    features = {
        "before_present": float(before is not None),
        "after_waste": after.waste_probability,
        "before_waste": before.waste_probability if before else 0.0,
        "waste_drop": before.waste_probability - after.waste_probability if before else 0.0,
        "scene_similarity": scene_similarity,
        "same_camera": float(before is not None and before.camera is not None and before.camera == after.camera),
    }
    metres = _pair_distance_m(before, after)
    features["distance_km"] = metres / 1000 if metres is not None else 0.0
    features["distance_known"] = float(metres is not None)
    dated = before is not None and before.captured_at is not None and after.captured_at is not None
    gap = (after.captured_at - before.captured_at).total_seconds() / 3600 if dated else 0.0  # type: ignore[operator,union-attr]
    features["capture_gap_hours"], features["capture_gap_known"] = gap, float(dated)
    for name, facts in ((BEFORE, before), (AFTER, after)):
        for flag in PENALTIES:
            features[f"{name}_{flag}"] = float(facts is not None and flag in facts.flags)
    return features


def _unconvinced(confidence: float, scorer: str) -> Check:
    """Every hard check held, but the confidence did not reach the threshold: say so, by name."""
    reason = f"confidence {confidence:.2f} by {scorer}, below what approves automatically"
    return Check("confidence", False, reason, "a reviewer confirms the cleanup", round(confidence, 4))


def _penalty(flags: tuple[str, ...]) -> float:
    factor = 1.0
    for flag in flags:
        factor *= 1.0 - PENALTIES.get(flag, 0.0)
    return factor


def _shape(size: tuple[int, int] | None) -> tuple[int, int] | None:
    """A photo's geometry regardless of how the phone was held."""
    return tuple(sorted(size)) if size else None  # type: ignore[return-value]


def _outside_by_m(area: BaseGeometry, location: GeoPoint) -> float:
    """How far outside the area a point lies, to the nearest point of its boundary."""
    nearest = nearest_points(area.boundary, Point(location.lng, location.lat))[0]
    return distance_m(location.lat, location.lng, nearest.y, nearest.x)


def _pair_distance_m(before: PhotoFacts | None, after: PhotoFacts) -> float | None:
    """How far apart the two photos were taken, when both carry a position."""
    if before is None or before.location is None or after.location is None:
        return None
    return before.location.distance_m(after.location)
