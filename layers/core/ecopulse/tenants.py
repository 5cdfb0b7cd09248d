"""A tenant's settings: how it rewards, when it trusts the model, its zones and its Open311 keys."""

import hashlib
from decimal import Decimal
from typing import Annotated, Any, Literal, Protocol

from geojson_pydantic import MultiPolygon, Polygon
from pydantic import AfterValidator, BaseModel, Field

from ecopulse.geo import Zone
from ecopulse.submissions import Task
from ecopulse.waste import WasteType

# Settings are stored in DynamoDB, which takes no number nearer zero than 1e-130 and none over 38 digits.
Degrees = AfterValidator(lambda value: round(value, 7))
Confidence = Annotated[float, Field(ge=0, le=1), AfterValidator(lambda value: round(value, 4))]
Points = Annotated[int, Field(ge=0, le=1_000_000)]
Kilograms = Annotated[float, Field(gt=0, le=10_000), AfterValidator(lambda value: round(value, 3))]
Rate = Annotated[float, Field(ge=0.0001, le=0.5), AfterValidator(lambda value: round(value, 4))]
MAX_AREA_POSITIONS = 2_000
SignupMode = Literal["closed", "invite", "open"]


def storable_area(area: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    """Coordinates kept to about a centimetre (DynamoDB stores no number nearer zero than 1e-130), and few enough
    positions for the tenant's item."""
    document = area.model_dump(exclude_none=True)
    polygons = document["coordinates"] if document["type"] == "MultiPolygon" else [document["coordinates"]]
    if sum(len(ring) for polygon in polygons for ring in polygon) > MAX_AREA_POSITIONS:
        raise ValueError(f"a service area has at most {MAX_AREA_POSITIONS} positions")

    def rounded(value: Any) -> Any:
        return [rounded(inner) for inner in value] if isinstance(value, list | tuple) else round(value, 7)

    return type(area).model_validate({**document, "coordinates": rounded(document["coordinates"])})


ServiceArea = Annotated[Polygon | MultiPolygon, Field(discriminator="type"), AfterValidator(storable_area)]


class ZoneSettings(BaseModel):
    zone_id: str = Field(pattern=r"^[a-z0-9-]{1,32}$")
    name: str = Field(min_length=1, max_length=80)
    min_lat: Annotated[float, Field(ge=-90, le=90), Degrees]
    min_lng: Annotated[float, Field(ge=-180, le=180), Degrees]
    max_lat: Annotated[float, Field(ge=-90, le=90), Degrees]
    max_lng: Annotated[float, Field(ge=-180, le=180), Degrees]

    def zone(self) -> Zone:
        return Zone(self.zone_id, self.name, self.min_lat, self.min_lng, self.max_lat, self.max_lng)


class TenantSettings(BaseModel):
    display_name: str = Field(default="", max_length=80)
    # Who may sign up as a citizen: nobody until the city opens (a city is set up, its service area and rates
    # chosen, before strangers join), anyone, or whoever holds one of its invite codes. Staff are invited.
    signups: SignupMode = "closed"
    reward_per_task: dict[Task, Points] = Field(
        default_factory=lambda: {Task.CLEANUP: 10, Task.REPORT: 2, Task.EVENT: 15}, max_length=20
    )
    daily_reward_cap: Points = 100
    auto_approve_confidence: Confidence = 0.9
    auto_reject_confidence: Confidence = 0.2
    # The learned head may approve alone only below this false-approval rate, shown on reviewers' newest
    # decisions at 95% confidence (docs/verification.md, "Learning from reviewers").
    verifier_false_approval_target: Rate = 0.01
    # The evidence a cleanup needs before it is paid without a human (docs/verification.md, "Evidence model").
    service_area: ServiceArea | None = None
    outside_service_area: str = Field(default="review", pattern="^(review|reject)$")
    min_before_waste: Confidence = 0.45
    min_waste_drop: Confidence = 0.25
    pair_max_distance_m: float = Field(default=100.0, ge=5, le=5_000)
    min_scene_similarity: Confidence = 0.35
    cleanup_window_hours: float = Field(default=12.0, gt=0, le=72)
    review_timeout_action: str = Field(default="reject", pattern="^(reject|wait)$")
    zones: list[ZoneSettings] = Field(default_factory=list, max_length=200)
    open311_key_hashes: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = Field(
        default_factory=list, max_length=20
    )
    open311_jurisdiction: str = Field(default="", max_length=80)
    # Impact credits (docs/impact.md): kilograms a verified cleanup of each category counts for (the defaults of
    # ecopulse.impact.DEFAULT_KG_PER_CATEGORY otherwise), and what a sponsor pays per credit (one kilogram).
    impact_kg_per_category: dict[WasteType, Kilograms] = Field(default_factory=dict, max_length=20)
    price_per_credit: Annotated[Decimal, Field(ge=Decimal("0.01"), le=Decimal(100_000), decimal_places=2)] = Decimal(
        "1.00"
    )
    credit_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    # Whether citizens who ask for it are told of their reports' changes by SMS too (SNS SMS, which costs per
    # message and, in a new account, reaches only verified numbers: docs/deploy.md).
    sms_notifications: bool = False

    def zone_list(self) -> list[Zone]:
        return [zone.zone() for zone in self.zones]

    def accepts_open311_key(self, api_key: str | None) -> bool:
        return api_key is not None and api_key != "" and hash_api_key(api_key) in self.open311_key_hashes


class Tenants(Protocol):
    """Where each city's settings are kept; a city that saved none has the defaults."""

    def settings(self, tenant: str) -> TenantSettings: ...

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings: ...


class InvalidThresholds(ValueError):
    """A policy that would reject a cleanup it also approves."""


def check_policy(settings: TenantSettings) -> None:
    """The automatic rejection threshold never exceeds the approval one: a confidence cannot be both."""
    if settings.auto_reject_confidence > settings.auto_approve_confidence:
        raise InvalidThresholds(
            f"reject below {settings.auto_reject_confidence} is above approve at {settings.auto_approve_confidence}"
        )


def hash_api_key(api_key: str) -> str:
    """Keys are stored hashed; a leaked settings item does not leak a usable key."""
    return hashlib.sha256(api_key.encode()).hexdigest()
