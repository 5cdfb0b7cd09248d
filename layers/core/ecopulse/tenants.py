"""A tenant's settings: how it rewards, when it trusts the model, its zones and its Open311 keys."""

import hashlib

from pydantic import BaseModel, Field

from ecopulse.geo import Zone


class ZoneSettings(BaseModel):
    zone_id: str = Field(pattern=r"^[a-z0-9-]{1,32}$")
    name: str = Field(min_length=1, max_length=80)
    min_lat: float = Field(ge=-90, le=90)
    min_lng: float = Field(ge=-180, le=180)
    max_lat: float = Field(ge=-90, le=90)
    max_lng: float = Field(ge=-180, le=180)

    def zone(self) -> Zone:
        return Zone(self.zone_id, self.name, self.min_lat, self.min_lng, self.max_lat, self.max_lng)


class TenantSettings(BaseModel):
    display_name: str = Field(default="", max_length=80)
    reward_per_task: dict[str, int] = Field(default_factory=lambda: {"cleanup": 10, "report": 2, "event": 15})
    daily_reward_cap: int = Field(default=100, ge=0)
    auto_approve_confidence: float = Field(default=0.9, ge=0, le=1)
    auto_reject_confidence: float = Field(default=0.2, ge=0, le=1)
    review_timeout_action: str = Field(default="reject", pattern="^(reject|wait)$")
    zones: list[ZoneSettings] = Field(default_factory=list, max_length=200)
    open311_key_hashes: list[str] = Field(default_factory=list, max_length=20)
    open311_jurisdiction: str = Field(default="", max_length=80)

    def zone_list(self) -> list[Zone]:
        return [zone.zone() for zone in self.zones]

    def accepts_open311_key(self, api_key: str | None) -> bool:
        return bool(api_key) and hash_api_key(api_key) in self.open311_key_hashes


def hash_api_key(api_key: str) -> str:
    """Keys are stored hashed; a leaked settings item does not leak a usable key."""
    return hashlib.sha256(api_key.encode()).hexdigest()
