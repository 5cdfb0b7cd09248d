"""What the API accepts is what DynamoDB can store: no number nearer zero than 1e-130, none over 38 digits.
The fuzzer found each of these as a 500 from a request its schema allowed."""

import pytest
from pydantic import ValidationError

from ecopulse.api.routers.community import EventIn
from ecopulse.api.routers.fleet import PositionIn, VehicleIn
from ecopulse.api.routers.impact import CreditRequestIn
from ecopulse.api.routers.reports import ReportIn
from ecopulse.tenants import TenantSettings


def test_coordinates_are_kept_to_about_a_centimetre():
    report = ReportIn(waste_type="paper", lat=4.807665916394029e-195, lng=74.358712345678)
    assert (report.lat, report.lng) == (0.0, 74.3587123)
    assert PositionIn(lat=-18.7, lng=1.1125369292536007e-308).lng == 0.0
    assert VehicleIn(vehicle_id="v-1", name="Van", lat=1e-200, capacity_kg=5e-324).model_dump()["lat"] == 0.0


def area(ring: list[list[float]]) -> dict:
    return {"type": "Polygon", "coordinates": [ring]}


CREDITS = {"organisation": "Acme", "credits": 10, "period_start": "2026-02-01", "period_end": "2026-02-28"}
EVENT = {"title": "Cleanup", "lat": 31.5, "lng": 74.3, "capacity": 10, "starts_at": "2030-01-01T08:00:00+00:00",
         "ends_at": "2030-01-01T12:00:00+00:00"}  # fmt: skip


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (CreditRequestIn, {**CREDITS, "credits": 0}),
        (CreditRequestIn, {**CREDITS, "credits": 1234567890123456789012345678901234567890123}),
        (CreditRequestIn, {**CREDITS, "credits": 2.5}),
        (CreditRequestIn, {**CREDITS, "period_end": "2027-03-01"}),
        (CreditRequestIn, {**CREDITS, "sponsor_wallet": "0x" + "00" * 20}),
        (CreditRequestIn, {**CREDITS, "zone_id": "Old Town"}),
        (TenantSettings, {"price_per_credit": "0.001"}),
        (TenantSettings, {"price_per_credit": 5e-324}),
        (TenantSettings, {"impact_kg_per_category": {"plastic": 0}}),
        (TenantSettings, {"impact_kg_per_category": {"plutonium": 2}}),
        (TenantSettings, {"credit_currency": "euro"}),
        (EventIn, {**EVENT, "checkin_radius_m": 5e-324}),
        (TenantSettings, {"daily_reward_cap": 1234567890123456789012345678901234567890123}),
        (TenantSettings, {"reward_per_task": {"cleanup": -5}}),
        (TenantSettings, {"reward_per_task": {"": 5}}),
        (TenantSettings, {"open311_key_hashes": ["x" * 100_000]}),
        (TenantSettings, {"verifier_false_approval_target": 5e-324}),
        (TenantSettings, {"verifier_false_approval_target": 0.6}),
        (TenantSettings, {"service_area": area([[74.2, 31.4], [74.5, 31.4], [74.2, 31.4]])}),
        (TenantSettings, {"service_area": area([[74.2, 31.4], [74.5, 31.4], [74.5, 31.6], [74.2, 31.6]])}),
        (TenantSettings, {"service_area": {"type": "Point", "coordinates": [74.2, 31.4]}}),
        (TenantSettings, {"service_area": area([[0, 0], *[[i / 1e4, 1] for i in range(2001)], [0, 0]])}),
        (TenantSettings, {"outside_service_area": "ignore"}),
    ],
    ids=[
        "no credits",
        "credits beyond storage",
        "part of a credit",
        "period over a year",
        "the zero address",
        "zone id spelled freely",
        "price under a cent",
        "price nearly zero",
        "no kilograms",
        "unknown category",
        "currency not a code",
        "check-in radius",
        "reward cap",
        "negative reward",
        "reward for no task",
        "key hash",
        "no false approval at all",
        "most approvals false",
        "area of two sides",
        "area not closed",
        "area a point",
        "area too detailed",
        "outside the area ignored",
    ],  # fmt: skip
)
def test_quantities_below_their_least_meaningful_value_or_beyond_storage_are_refused(model, fields):
    with pytest.raises(ValidationError):
        model(**fields)


def test_tenant_settings_keep_storable_numbers():
    zone = {"zone_id": "old-town", "name": "Old town", "min_lat": 5e-324, "min_lng": 0, "max_lat": 1, "max_lng": 1}
    settings = TenantSettings(auto_reject_confidence=5e-324, zones=[zone])
    assert (settings.auto_reject_confidence, settings.zones[0].area.coordinates[0][0][1]) == (0.0, 0.0)


def test_a_service_area_is_kept_to_storable_coordinates():
    settings = TenantSettings(service_area=area([[74.2, 5e-324], [74.512345678, 31.4], [74.5, 31.6], [74.2, 5e-324]]))
    assert settings.model_dump(mode="json")["service_area"]["coordinates"] == [
        [[74.2, 0.0], [74.5123457, 31.4], [74.5, 31.6], [74.2, 0.0]]
    ]
