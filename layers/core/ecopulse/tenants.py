"""A tenant's settings: how it rewards, when it trusts the model, what citizens may report, its zones and its
Open311 keys."""

import hashlib
from decimal import Decimal
from typing import Annotated, Any, Literal, Protocol

from geojson_pydantic import MultiPolygon, Polygon
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from ecopulse.geo import Zone
from ecopulse.submissions import Task
from ecopulse.waste import WasteType

# Settings are stored in DynamoDB, which takes no number nearer zero than 1e-130 and none over 38 digits.
Confidence = Annotated[float, Field(ge=0, le=1, strict=True), AfterValidator(lambda value: round(value, 4))]
Points = Annotated[int, Field(ge=0, le=1_000_000, strict=True)]
Rate = Annotated[float, Field(ge=0.0001, le=0.5, strict=True), AfterValidator(lambda value: round(value, 4))]
Kilograms = Annotated[float, Field(gt=0, le=10_000, strict=True), AfterValidator(lambda value: round(value, 3))]
MAX_AREA_POSITIONS = 2_000
MAX_ZONE_POSITIONS = 500
# All zones together: with the service area, the settings item stays well inside DynamoDB's 400 KB.
MAX_ZONES_POSITIONS = 5_000
SignupMode = Literal["closed", "invite", "open"]


def polygons_of(area: Polygon | MultiPolygon) -> list[list[list[tuple[float, float]]]]:
    """Each polygon of the area as its rings of (lng, lat) positions, the outer ring first."""
    document = area.model_dump(exclude_none=True)
    polygons = document["coordinates"] if document["type"] == "MultiPolygon" else [document["coordinates"]]
    return [[[(position[0], position[1]) for position in ring] for ring in polygon] for polygon in polygons]


def storable_area(area: Polygon | MultiPolygon, max_positions: int = MAX_AREA_POSITIONS) -> Polygon | MultiPolygon:
    """Coordinates kept to about a centimetre (DynamoDB stores no number nearer zero than 1e-130), and few enough
    positions for the tenant's item."""
    document = area.model_dump(exclude_none=True)
    if sum(len(ring) for polygon in polygons_of(area) for ring in polygon) > max_positions:
        raise ValueError(f"an area has at most {max_positions} positions")

    def rounded(value: Any) -> Any:
        return [rounded(inner) for inner in value] if isinstance(value, list | tuple) else round(value, 7)

    return type(area).model_validate({**document, "coordinates": rounded(document["coordinates"])})


def numeric_coordinates(document: Any) -> Any:
    """GeoJSON positions are numbers: pydantic would read ``true`` as 1.0."""

    def check(value: Any) -> None:
        if isinstance(value, bool):
            raise ValueError("a coordinate is a number, not true or false")
        if isinstance(value, list | tuple):
            for inner in value:
                check(inner)

    if isinstance(document, dict):
        check(document.get("coordinates"))
    return document


ServiceArea = Annotated[
    Polygon | MultiPolygon,
    Field(discriminator="type"),
    BeforeValidator(numeric_coordinates),
    AfterValidator(storable_area),
]
ZoneArea = Annotated[
    Polygon | MultiPolygon,
    BeforeValidator(numeric_coordinates),
    Field(discriminator="type", description="GeoJSON Polygon or MultiPolygon, positions as [lng, lat]"),
    AfterValidator(lambda area: storable_area(area, MAX_ZONE_POSITIONS)),
]
ZoneId = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,32}$")]


class ZoneSettings(BaseModel):
    """A part of the city citizens subscribe to for alerts and reports are counted in: a GeoJSON polygon.

    Zones were once rectangles (``min_lat``, ``min_lng``, ``max_lat``, ``max_lng``); settings saved so are read as
    the rectangle's polygon, and saved as a polygon from then on."""

    zone_id: ZoneId
    name: str = Field(min_length=1, max_length=80)
    area: ZoneArea

    @model_validator(mode="before")
    @classmethod
    def rectangle_as_polygon(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "area" in data or "min_lat" not in data:
            return data
        rectangle = {key: data.get(key) for key in ("min_lat", "min_lng", "max_lat", "max_lng")}
        south, west, north, east = (rectangle[k] for k in ("min_lat", "min_lng", "max_lat", "max_lng"))
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        others = {key: value for key, value in data.items() if key not in rectangle}
        return {**others, "area": {"type": "Polygon", "coordinates": [ring]}}

    def zone(self) -> Zone:
        return Zone(self.zone_id, self.name, tuple(tuple(tuple(ring) for ring in p) for p in polygons_of(self.area)))


def storable_zones(zones: list[ZoneSettings]) -> list[ZoneSettings]:
    positions = sum(len(ring) for zone in zones for polygon in polygons_of(zone.area) for ring in polygon)
    if positions > MAX_ZONES_POSITIONS:
        raise ValueError(f"the zones have at most {MAX_ZONES_POSITIONS} positions together")
    ids = [zone.zone_id for zone in zones]
    if len(set(ids)) != len(ids):
        raise ValueError("two zones have the same zone_id")
    return zones


CategoryCode = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")]
ServiceCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class Category(BaseModel):
    """What citizens may report in this city, as the app files it (``code``) and as Open311 names it."""

    code: CategoryCode = Field(description="What a report names as its `waste_type`")
    name: str = Field(min_length=1, max_length=80)
    service_code: ServiceCode = Field(description="Its Open311 `service_code`")
    description: str = Field(default="", max_length=400)
    reward: Points | None = Field(
        default=None, description="Tokens for clearing a report of this category; empty: the city's `report` rate"
    )
    photo_required: bool = Field(default=False, description="A report of this category must come with a photo")
    enabled: bool = Field(default=True, description="Disabled categories take no new reports; old ones keep them")
    group: str = Field(default="Street cleaning", max_length=80)
    keywords: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(default_factory=list, max_length=20)


DEFAULT_CATEGORY_NAMES = {
    WasteType.PLASTIC: "Plastic litter",
    WasteType.GLASS: "Glass litter",
    WasteType.METAL: "Metal litter",
    WasteType.PAPER: "Paper and cardboard litter",
    WasteType.ORGANIC: "Organic waste",
    WasteType.E_WASTE: "Electronic waste",
    WasteType.MIXED: "Mixed litter or dumping",
}


def default_categories() -> list[Category]:
    """The waste types the model knows, each its own category: what every city takes until it sets its own."""
    return [
        Category(
            code=code.value,
            name=name,
            service_code=code.value,
            description=f"Report {name.lower()} for cleanup",
            keywords=["litter", "waste", code.value],
        )
        for code, name in DEFAULT_CATEGORY_NAMES.items()
    ]


def distinct_categories(categories: list[Category]) -> list[Category]:
    for field in ("code", "service_code"):
        values = [getattr(category, field) for category in categories]
        if len(set(values)) != len(values):
            raise ValueError(f"two categories have the same {field}")
    return categories


class CategoryNotFound(LookupError):
    """The city has no such category."""

    def __init__(self, code: str) -> None:
        super().__init__(f"no category {code!r}")
        self.message = f"the city takes no reports of category {code!r}"


class CategoryDisabled(Exception):
    """The city no longer takes reports of this category."""

    def __init__(self, code: str) -> None:
        super().__init__(f"category {code!r} is disabled")
        self.message = f"the city no longer takes reports of category {code!r}"


class PhotoRequired(Exception):
    """The city wants a photo with every report of this category."""

    def __init__(self, code: str) -> None:
        super().__init__(f"category {code!r} needs a photo")
        self.message = f"a report of category {code!r} needs a photo"


class ZoneNotFound(LookupError):
    """The city has no zone of this id."""


class InvalidZone(ValueError):
    """The service area or a zone is not a valid polygon (``ecopulse.zones`` checks them as the city saves them)."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{problem['field']}: {problem['problem']}" for problem in problems))
        self.details = problems


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
    pair_max_distance_m: float = Field(default=100.0, ge=5, le=5_000, strict=True)
    min_scene_similarity: Confidence = 0.35
    cleanup_window_hours: float = Field(default=12.0, gt=0, le=72, strict=True)
    review_timeout_action: str = Field(default="reject", pattern="^(reject|wait)$")
    categories: Annotated[list[Category], AfterValidator(distinct_categories)] = Field(
        default_factory=default_categories, min_length=1, max_length=100
    )
    zones: Annotated[list[ZoneSettings], AfterValidator(storable_zones)] = Field(default_factory=list, max_length=200)
    open311_key_hashes: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = Field(
        default_factory=list, max_length=20
    )
    open311_jurisdiction: str = Field(default="", max_length=80, description="Open311 `agency_responsible`")
    open311_jurisdiction_id: str = Field(
        default="", max_length=200, description="An Open311 `jurisdiction_id` taken besides the city's id"
    )
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
    reopen_window_days: int = Field(
        default=14,
        ge=1,
        le=365,
        strict=True,
        description="Days after a resolution during which its reporter and the citizens who agreed with the report "
        "may confirm the fix or reopen the report",
    )
    fixed_question_after_days: int = Field(
        default=3,
        ge=1,
        le=60,
        strict=True,
        description="Days after a resolution when the reporter is asked, once, whether it is fixed",
    )
    duplicate_distance_m: float = Field(
        default=50.0,
        ge=5,
        le=1_000,
        strict=True,
        description="Filing a report answers with the open reports of its category within this many metres, as "
        "possible duplicates (ecopulse.duplicates)",
    )

    def zone_list(self) -> list[Zone]:
        return [zone.zone() for zone in self.zones]

    def zone(self, zone_id: str) -> ZoneSettings:
        """``ZoneNotFound`` for an id the city has not set."""
        found = next((zone for zone in self.zones if zone.zone_id == zone_id), None)
        if found is None:
            raise ZoneNotFound(zone_id)
        return found

    def category(self, code: str) -> Category:
        """The category reports name as ``code`` (enabled or not); ``CategoryNotFound`` for one the city has not."""
        found = next((category for category in self.categories if category.code == code), None)
        if found is None:
            raise CategoryNotFound(code)
        return found

    def category_for_service(self, service_code: str) -> Category:
        """The category Open311 names ``service_code``; ``CategoryNotFound`` for one the city has not."""
        found = next((category for category in self.categories if category.service_code == service_code), None)
        if found is None:
            raise CategoryNotFound(service_code)
        return found

    def check_report(self, code: str, photos: int) -> Category:
        """The category a new report may be filed in: one the city has, enabled, with a photo if it needs one."""
        category = self.category(code)
        if not category.enabled:
            raise CategoryDisabled(code)
        if category.photo_required and photos == 0:
            raise PhotoRequired(code)
        return category

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
