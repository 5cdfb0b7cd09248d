"""The API through the running `ecopulse local`: the newcomer's walk-through, and who may do what where."""

import base64
import json
import re
import uuid
import xml.etree.ElementTree as ElementTree  # nosec B405  # parses the system's own answers
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest

from ecopulse.tenants import hash_api_key
from ecopulse_local.auth import LocalIssuer
from ecopulse_local.gateway import HttpApiDefinition
from ecopulse_local.template import load_stack
from tests.integration.conftest import ROOT
from tests.support import LOCAL_CHAIN_PARAMETERS, wait_until

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)
LAHORE = (31.5204, 74.3587)
OTHER_TENANT = "karachi"
CANAL_AREA = {
    "type": "Polygon",
    "coordinates": [[[74.3, 31.5], [74.4, 31.5], [74.4, 31.55], [74.3, 31.55], [74.3, 31.5]]],
}
CANAL_ZONE = {"zone_id": "canal", "name": "Canal", "area": CANAL_AREA}


class Api:
    def __init__(self, system, user: str, group: str, tenant: str = "lahore") -> None:
        self.system, self.tenant = system, tenant
        self.headers = system.bearer(user, group, tenant)

    @property
    def user_id(self) -> str:
        return self("GET", "/whoami").json()["user_id"]

    def __call__(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return httpx.request(method, self.system.api + path, headers=headers, timeout=30, **kwargs)


def report_photo(api: Api) -> str:
    form = api("POST", "/uploads", json={"content_type": "image/jpeg"})
    assert form.status_code == 201, form.text
    upload = form.json()
    posted = httpx.post(upload["url"], data=upload["fields"], files={"file": ("report.jpg", JPEG, "image/jpeg")})
    assert posted.status_code in (200, 204), posted.text
    return upload["key"]


@pytest.fixture(scope="module")
def cities(local_system) -> None:
    """Lahore and Karachi are set up (a city exists for Open311 once it has saved its settings), each with a zone
    named canal."""
    for tenant in ("lahore", OTHER_TENANT):
        admin = Api(local_system, "amina", "admin", tenant)
        settings = admin("GET", "/admin/settings").json()
        settings["zones"] = [zone for zone in settings["zones"] if zone["zone_id"] != "canal"] + [CANAL_ZONE]
        saved = admin("PUT", "/admin/settings", json=settings)
        assert saved.status_code == 200, saved.text


@pytest.mark.usefixtures("cities")
def test_a_newcomers_walk_through(local_system):
    alice = Api(local_system, "alice", "citizen")
    bob = Api(local_system, "bob", "citizen")
    admin = Api(local_system, "amina", "admin")

    photo = report_photo(alice)
    body = {"waste_type": "plastic", "lat": LAHORE[0], "lng": LAHORE[1], "description": "bags by the canal",
            "photo_keys": [photo]}  # fmt: skip
    key = {"Idempotency-Key": f"offline-{uuid.uuid4()}"}
    created = alice("POST", "/reports", json=body, headers=key)
    assert created.status_code == 201, created.text
    report = created.json()
    replay = alice("POST", "/reports", json=body, headers=key)
    assert (replay.json()["report_id"], replay.headers.get("idempotent-replayed")) == (report["report_id"], "true")
    reused = alice("POST", "/reports", json={**body, "waste_type": "glass"}, headers=key)
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")

    nearby = alice("GET", "/reports/nearby", params={"lat": LAHORE[0] + 0.002, "lng": LAHORE[1], "radius_m": 500})
    assert [n["report"]["report_id"] for n in nearby.json()] == [report["report_id"]]
    assert 200 < nearby.json()[0]["distance_m"] < 250
    far = alice("GET", "/reports/nearby", params={"lat": LAHORE[0] + 0.1, "lng": LAHORE[1], "radius_m": 500})
    assert far.json() == []
    assert report["zone"] == "canal"
    assert "canal" in [zone["zone_id"] for zone in alice("GET", "/zones").json()]
    assert alice("PUT", "/me/alerts/canal").status_code == 204
    nowhere = alice("PUT", "/me/alerts/nowhere")
    assert (nowhere.status_code, nowhere.json()["error"]["code"]) == (404, "zone_not_found")

    open311 = httpx.get(f"{local_system.api}/open311/lahore/v2/requests.json").json()
    assert any(r["service_request_id"] == report["report_id"] and r["status"] == "open" for r in open311)
    xml = httpx.get(f"{local_system.api}/open311/lahore/v2/requests/{report['report_id']}.xml")
    assert xml.headers["content-type"].startswith("text/xml") and report["report_id"] in xml.text

    assert alice("POST", f"/reports/{report['report_id']}/votes", json={"agrees": True}).status_code == 409
    voted = bob("POST", f"/reports/{report['report_id']}/votes", json={"agrees": True})
    assert (voted.status_code, voted.json()["votes_up"]) == (201, 1)
    again = bob("POST", f"/reports/{report['report_id']}/votes", json={"agrees": False})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_voted")

    truck = f"truck-{uuid.uuid4().hex[:6]}"
    assert admin("POST", "/fleet/vehicles", json={"vehicle_id": truck, "name": "Truck 7"}).status_code == 201
    dispatched = admin("POST", f"/admin/reports/{report['report_id']}/dispatch", json={"vehicle_id": truck})
    assert (dispatched.json()["status"], dispatched.json()["vehicle_id"]) == ("dispatched", truck)
    busy = admin("POST", f"/admin/reports/{report['report_id']}/dispatch", json={"vehicle_id": truck})
    assert busy.status_code == 409
    resolved = admin(
        "POST", f"/admin/reports/{report['report_id']}/status", json={"status": "resolved", "reason": "done"}
    )
    assert resolved.json()["status"] == "resolved"
    vehicles = {v["vehicle_id"]: v for v in admin("GET", "/fleet/vehicles").json()["items"]}
    assert vehicles[truck]["status"] == "available"

    history = [h["action"] for h in alice("GET", f"/reports/{report['report_id']}/history").json()]
    assert history == ["created", "dispatched", "resolved"]
    closed = httpx.get(f"{local_system.api}/open311/lahore/v2/requests.json", params={"status": "closed"}).json()
    assert any(r["service_request_id"] == report["report_id"] for r in closed)

    def counted() -> bool:  # the aggregates follow the table's stream
        summary = admin("GET", "/analytics/summary").json()["counters"]
        return summary["reports_created"] >= 1 and summary["reports_resolved"] >= 1 and summary["votes"] >= 1

    wait_until(counted)


def test_open311_filing_needs_the_tenants_key(local_system):
    admin = Api(local_system, "amina", "admin", tenant="quetta")
    settings = admin("GET", "/admin/settings").json()
    settings.update(open311_key_hashes=[hash_api_key("crm-secret")], open311_jurisdiction="Quetta Metropolitan")
    assert admin("PUT", "/admin/settings", json=settings).status_code == 200
    url = f"{local_system.api}/open311/quetta/v2/requests.json"
    form = {"service_code": "mixed", "lat": "30.18", "long": "66.99", "description": "dumped rubble"}
    refused = httpx.post(url, data={**form, "api_key": "wrong"})
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    invalid = httpx.post(url, data={**form, "lat": "123", "api_key": "crm-secret"})
    assert invalid.status_code == 400
    filed = httpx.post(url, data={**form, "api_key": "crm-secret"})
    assert filed.status_code == 201
    request_id = filed.json()[0]["service_request_id"]
    got = httpx.get(f"{local_system.api}/open311/quetta/v2/requests/{request_id}.json").json()
    assert got[0]["service_code"] == "mixed" and got[0]["status"] == "open"
    assert got[0]["agency_responsible"] == "Quetta Metropolitan"
    listed = httpx.get(f"{local_system.api}/open311/quetta/v2/requests.json").json()
    assert {r["agency_responsible"] for r in listed} == {"Quetta Metropolitan"}
    assert httpx.get(f"{local_system.api}/open311/lahore/v2/requests/{request_id}.json").status_code == 404


def spec_errors(answer: httpx.Response, fmt: str) -> list[dict[str, str]]:
    """The spec's error list, read from JSON or from XML."""
    if fmt == "json":
        assert answer.headers["content-type"].startswith("application/json"), answer.text
        return [{key: str(value) for key, value in error.items()} for error in answer.json()]
    assert answer.headers["content-type"].startswith("text/xml"), answer.text
    root = ElementTree.fromstring(answer.text)  # nosec B314  # the system's own answer
    assert root.tag == "errors"
    return [{child.tag: child.text or "" for child in error} for error in root.findall("error")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_walks_every_method_of_the_spec_through_the_gateway(local_system, fmt):
    """What only the running system shows: the gateway's greedy route, form bodies and the XML as served."""
    tenant = f"crm-{uuid.uuid4().hex[:6]}"
    admin = Api(local_system, "amina", "admin", tenant=tenant)
    base = f"{local_system.api}/open311/{tenant}/v2"
    assert httpx.get(f"{base}/services.{fmt}").status_code == 404  # not set up yet
    settings = admin("GET", "/admin/settings").json()
    settings.update(
        open311_key_hashes=[hash_api_key("crm-secret")],
        open311_jurisdiction_id=f"{tenant}.example.org",
        categories=[{"code": "dumping", "name": "Illegal dumping", "service_code": "DUMP-01", "reward": 5}],
        service_area={"type": "Polygon", "coordinates": [[[74.2, 31.4], [74.5, 31.4], [74.5, 31.7], [74.2, 31.4]]]},
    )
    assert admin("PUT", "/admin/settings", json=settings).status_code == 200

    services = httpx.get(f"{base}/services.{fmt}", params={"jurisdiction_id": f"{tenant}.example.org"})
    assert services.status_code == 200
    if fmt == "json":
        assert [(s["service_code"], s["metadata"]) for s in services.json()] == [("DUMP-01", True)]
    else:
        assert "<service_code>DUMP-01</service_code>" in services.text and "<metadata>true</metadata>" in services.text
    definition = httpx.get(f"{base}/services/DUMP-01.{fmt}")
    assert definition.status_code == 200 and "priority" in definition.text

    form = {"api_key": "crm-secret", "service_code": "DUMP-01", "description": "rubble", "attribute[priority]": "high"}
    by_place = httpx.post(f"{base}/requests.{fmt}", data={**form, "lat": "31.52", "long": "74.35"})
    by_address = httpx.post(f"{base}/requests.{fmt}", data={**form, "address_string": "12 Mall Road"})
    assert (by_place.status_code, by_address.status_code) == (201, 201), by_place.text + by_address.text
    if fmt == "json":
        request_id = by_place.json()[0]["service_request_id"]
    else:
        request_id = ElementTree.fromstring(by_place.text).findtext("request/service_request_id")  # nosec B314
    one = httpx.get(f"{base}/requests/{request_id}.{fmt}")
    assert one.status_code == 200 and "DUMP-01" in one.text and "Illegal dumping" in one.text
    if fmt == "xml":
        for element in ("media_url", "zipcode", "address_id", "expected_datetime", "service_notice"):
            assert f"<{element} />" in one.text, element
    listed = httpx.get(f"{base}/requests.{fmt}", params={"service_code": "DUMP-01", "status": "open"})
    assert listed.status_code == 200 and request_id in listed.text
    near = httpx.get(f"{base}/requests.{fmt}", params={"lat": 31.52, "long": 74.35, "radius": 300})
    assert near.status_code == 200 and request_id in near.text
    assert httpx.get(f"{base}/tokens/{request_id}.{fmt}").status_code == 200

    refusals = [
        (httpx.get(f"{base}/services.{fmt}", params={"jurisdiction_id": "elsewhere.example.org"}), 404),
        (httpx.get(f"{local_system.api}/open311/no-such-city/v2/services.{fmt}"), 404),
        (httpx.get(f"{base}/services/NOPE.{fmt}"), 404),
        (httpx.get(f"{base}/requests/no-such-request.{fmt}"), 404),
        (httpx.get(f"{base}/no/such/path.{fmt}"), 404),
        (httpx.get(f"{base}/requests.{fmt}", params={"status": "pending"}), 400),
        (httpx.post(f"{base}/requests.{fmt}", data={**form, "lat": "true", "long": "74.35"}), 400),
        (
            httpx.post(f"{base}/requests.{fmt}", data={**form, "service_code": "NOPE", "lat": "31.5", "long": "74.3"}),
            400,
        ),
        (httpx.post(f"{base}/requests.{fmt}", data={**form, "api_key": "wrong", "lat": "31.5", "long": "74.3"}), 403),
    ]
    for answer, status in refusals:
        assert answer.status_code == status, (str(answer.request.url), answer.text)
        errors = spec_errors(answer, fmt)
        assert errors and all(set(e) == {"code", "description"} and e["code"] == str(status) for e in errors)


def test_cursors_are_sealed_for_their_listing(local_system):
    """The functions read the cursor secret from Secrets Manager (the emulator's, as the template made it)."""
    tenant = f"paged-{uuid.uuid4().hex[:6]}"
    alice = Api(local_system, "alice", "citizen", tenant=tenant)
    for _ in range(3):
        assert alice("POST", "/reports", json={"waste_type": "paper", "lat": 31.5, "lng": 74.3}).status_code == 201
    first = alice("GET", "/reports", params={"limit": 2}).json()
    cursor = first["cursor"]
    assert cursor and "TENANT" not in base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("latin-1")
    rest = alice("GET", "/reports", params={"limit": 2, "cursor": cursor}).json()
    assert len(first["items"]) + len(rest["items"]) == 3
    assert {r["report_id"] for r in first["items"]}.isdisjoint({r["report_id"] for r in rest["items"]})
    flipped = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    other_list = alice("GET", "/reports", params={"status": "resolved", "cursor": cursor})
    other_city = Api(local_system, "alice", "citizen")("GET", "/reports", params={"cursor": cursor})
    for refused in (
        alice("GET", "/reports", params={"cursor": flipped}),
        alice("GET", "/reports", params={"cursor": cursor[:-4]}),
        other_list,
        other_city,
    ):
        assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_cursor"), refused.text


def test_validation_errors_have_one_shape(local_system):
    alice = Api(local_system, "alice", "citizen")
    bad = alice("POST", "/reports", json={"waste_type": "Plutonium!", "lat": 91, "lng": 0})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "invalid_request"
    assert {d["field"] for d in error["details"]} >= {"body.waste_type", "body.lat"}
    assert alice("GET", "/reports", params={"cursor": "not-a-cursor"}).json()["error"]["code"] == "invalid_cursor"
    unknown = alice("POST", "/reports", json={"waste_type": "plutonium", "lat": 31.5, "lng": 74.3})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "unknown_category")
    boolean = alice("POST", "/reports", json={"waste_type": "plastic", "lat": True, "lng": 74.3})
    assert (boolean.status_code, boolean.json()["error"]["details"][0]["field"]) == (422, "body.lat")
    wrong_checksum = alice("PUT", "/me/wallet", json={"address": "0x52908400098527886e0F7030069857D2E4169EE7"})
    assert wrong_checksum.status_code == 422
    assert alice("PUT", "/me/wallet", json={"address": "0x" + "0" * 40}).status_code == 422
    good = alice("PUT", "/me/wallet", json={"address": "0x52908400098527886e0f7030069857d2e4169ee7"})
    assert good.json()["wallet_address"] == "0x52908400098527886E0F7030069857D2E4169EE7"


@pytest.mark.usefixtures("cities")
def test_only_the_reporter_and_staff_see_a_report_as_filed(local_system):
    alice = Api(local_system, "alice", "citizen")
    place, shown = (31.521234, 74.357891), (31.521, 74.358)
    photo = report_photo(alice)
    body = {"waste_type": "glass", "lat": place[0], "lng": place[1], "description": "call me on 0300-1234567",
            "photo_keys": [photo]}  # fmt: skip
    created = alice("POST", "/reports", json=body)
    assert created.status_code == 201, created.text
    report = created.json()
    url = f"/reports/{report['report_id']}"
    viewers = {"reporter": ("alice", "citizen"), "neighbour": ("bob", "citizen"), "driver": ("dara", "driver"),
               "admin": ("amina", "admin")}  # fmt: skip
    seen = {who: Api(local_system, user, group)("GET", url).json() for who, (user, group) in viewers.items()}
    for who in ("reporter", "driver", "admin"):
        assert (seen[who]["reporter_id"], seen[who]["lat"], seen[who]["lng"], seen[who]["photo_keys"]) == (
            report["reporter_id"], *place, [photo],
        ), who  # fmt: skip
    neighbour = seen["neighbour"]
    assert (neighbour["reporter_id"], neighbour["lat"], neighbour["lng"], neighbour["photo_keys"]) == (None, *shown, [])
    filed_at = datetime.fromisoformat(neighbour["created_at"])
    assert (filed_at.minute, filed_at.second, filed_at.microsecond, neighbour["exact"]) == (0, 0, 0, False)
    history = Api(local_system, "bob", "citizen")("GET", f"{url}/history").json()
    assert [(entry["actor"], entry["action"]) for entry in history] == [("reporter", "created")]

    open311 = f"{local_system.api}/open311/lahore/v2/requests/{report['report_id']}.json"
    published = httpx.get(open311).json()[0]
    assert (published["lat"], published["long"], published["description"]) == (*shown, body["description"])
    assert datetime.fromisoformat(published["requested_datetime"]).minute == 0

    admin = Api(local_system, "amina", "admin")
    hidden = admin("PUT", f"/admin/reports/{report['report_id']}/visibility",
                   json={"text_hidden": True, "reason": "a phone number"})  # fmt: skip
    assert (hidden.status_code, hidden.json()["description"]) == (200, body["description"])
    assert httpx.get(open311).json()[0]["description"] is None
    assert "0300" not in httpx.get(open311.replace(".json", ".xml")).text
    after = Api(local_system, "bob", "citizen")("GET", url).json()
    assert (after["description"], after["text_hidden"]) == (None, True)
    history = admin("GET", f"{url}/history").json()
    assert [(entry["actor"], entry["action"], entry["reason"]) for entry in history][-1] == (
        admin.user_id, "text_hidden", "a phone number",
    )  # fmt: skip


def test_settings_changes_are_versions_with_who_changed_what(local_system):
    tenant = f"versioned-{uuid.uuid4().hex[:6]}"
    amina, bilal = Api(local_system, "amina", "admin", tenant), Api(local_system, "bilal", "admin", tenant)
    read = amina("GET", "/admin/settings")
    assert read.headers["etag"] == '"0"'
    first = amina("PUT", "/admin/settings", json={**read.json(), "daily_reward_cap": 50}, headers={"If-Match": '"0"'})
    assert (first.status_code, first.headers["etag"]) == (200, '"1"'), first.text
    second = bilal("PUT", "/admin/settings", json={**first.json(), "review_timeout_action": "wait"})
    assert (second.status_code, second.headers["etag"]) == (200, '"2"'), second.text
    stale = bilal("PUT", "/admin/settings", json={**read.json(), "daily_reward_cap": 70}, headers={"If-Match": '"0"'})
    assert (stale.status_code, stale.json()["error"]["details"]) == (409, [{"version": 2}])

    def save(admin: Api, cap: int) -> int:
        body = {**second.json(), "daily_reward_cap": cap}
        return admin("PUT", "/admin/settings", json=body, headers={"If-Match": '"2"'}).status_code

    with ThreadPoolExecutor(2) as pool:
        racing = sorted(pool.map(save, [amina, bilal], [60, 65]))
    assert racing == [200, 409]

    history = amina("GET", "/admin/settings/history", params={"limit": 2})
    assert history.status_code == 200, history.text
    newest, before = history.json()["items"]
    assert (newest["version"], [change["setting"] for change in newest["changes"]]) == (3, ["daily_reward_cap"])
    assert (before["version"], before["changed_by"], before["changes"]) == (
        2, bilal.user_id, [{"setting": "review_timeout_action", "before": "reject", "after": "wait"}],
    )  # fmt: skip
    profile = bilal("GET", "/me").json()
    assert (before["changed_by_name"], before["changed_by_email"]) == (profile["username"], profile["email"])
    rest = amina("GET", "/admin/settings/history", params={"cursor": history.json()["cursor"]}).json()
    assert [(v["version"], v["changed_by"], v["changes"]) for v in rest["items"]] == [
        (1, amina.user_id, [{"setting": "daily_reward_cap", "before": 100, "after": 50}]),
    ]
    assert amina("GET", "/admin/settings").json()["daily_reward_cap"] in (60, 65)
    elsewhere = Api(local_system, "amina", "admin", "karachi")("GET", "/admin/settings/history").json()["items"]
    assert {version["changed_by"] for version in elsewhere}.isdisjoint({amina.user_id, bilal.user_id})


def test_a_vehicle_id_is_taken_once(local_system):
    admin = Api(local_system, "amina", "admin")
    vehicle = {"vehicle_id": f"truck-{uuid.uuid4().hex[:6]}", "name": "Truck"}
    assert admin("POST", "/fleet/vehicles", json=vehicle).status_code == 201
    again = admin("POST", "/fleet/vehicles", json={**vehicle, "name": "Another truck"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "vehicle_exists")


def test_daily_analytics_reach_back_to_the_first_day_of_the_calendar(local_system):
    admin = Api(local_system, "amina", "admin")
    days = admin("GET", "/analytics/daily", params={"to": "0001-01-03"})
    assert [point["day"] for point in days.json()] == ["0001-01-01", "0001-01-02", "0001-01-03"]


@pytest.fixture(scope="module")
def lahore_entities(local_system, cities):
    """One of each entity in lahore, to be reached (or not) by every role of both tenants. Entities that a
    route changes for good (a dispatch, a status change, an impact-credit decision) get one of their own."""
    alice, admin = Api(local_system, "alice", "citizen"), Api(local_system, "amina", "admin")

    def report(**more) -> str:
        body = {"waste_type": "metal", "lat": LAHORE[0], "lng": LAHORE[1], **more}
        return alice("POST", "/reports", json=body).json()["report_id"]

    submission = alice("POST", "/submissions", json={"task": "cleanup"}).json()["submission"]
    event = admin(
        "POST",
        "/events",
        json={"title": "Canal cleanup", "lat": LAHORE[0], "lng": LAHORE[1], "capacity": 50,
              "starts_at": "2030-01-01T08:00:00+00:00", "ends_at": "2030-01-01T12:00:00+00:00"},
    ).json()  # fmt: skip
    vehicle = f"van-{uuid.uuid4().hex[:6]}"
    admin("POST", "/fleet/vehicles", json={"vehicle_id": vehicle, "name": "Van"})
    sponsor = Api(local_system, "acme", "sponsor")
    credit = sponsor(
        "POST",
        "/impact-credits",
        json={"organisation": "Acme", "credits": 1, "period_start": "2026-01-01", "period_end": "2026-01-31"},
    )
    commented = report()
    comment = alice("POST", f"/reports/{commented}/comments", json={"text": "by the gate"}).json()["entry_id"]
    return {
        "report": report(description="rusted cans", photo_keys=[report_photo(alice)]),
        "commented_report": commented, "comment": comment,
        "report_to_dispatch": report(), "report_to_close": report(), "report_to_merge": report(),
        "submission": submission["submission_id"], "event": event["event_id"], "vehicle": vehicle,
        "user": alice("GET", "/me").json()["user_id"], "credit": credit.json()["request_id"],
    }  # fmt: skip


C, D, A = "citizen", "driver", "admin"
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
# (method, path, body, {role: status in the own tenant}); another tenant's callers get 404 on lahore's entities.
MATRIX = [
    ("GET", "/whoami", None, {C: 200, D: 200, A: 200}),
    ("GET", "/me", None, {C: 200, D: 200, A: 200}),
    ("DELETE", "/me", None, {C: 204, D: 204, A: 204}),
    ("PATCH", "/me", {"display_name": "Someone"}, {C: 200, D: 200, A: 200}),
    ("PUT", "/me/wallet", {"address": WALLET}, {C: 200, D: 200, A: 200}),
    ("GET", "/me/inbox", None, {C: 200, D: 200, A: 200}),
    ("GET", "/me/reports", None, {C: 200, D: 200, A: 200}),
    ("GET", "/me/submissions", None, {C: 200, D: 200, A: 200}),
    ("GET", "/me/ledger", None, {C: 200, D: 200, A: 200}),
    ("PUT", "/me/alerts/{zone}", None, {C: 204, D: 204, A: 204}),
    ("DELETE", "/me/alerts/{zone}", None, {C: 204, D: 204, A: 204}),
    ("GET", "/me/preferences", None, {C: 200, D: 200, A: 200}),
    ("PUT", "/me/preferences", {"push": True, "email": False, "sms": False}, {C: 200, D: 200, A: 200}),
    ("POST", "/me/devices", {"platform": "apns", "token": "ab" * 32}, {C: 201, D: 201, A: 201}),
    ("DELETE", "/me/devices/{device}", None, {C: 404, D: 404, A: 404}),
    ("POST", "/uploads", {"content_type": "image/png"}, {C: 201, D: 403, A: 201}),
    ("POST", "/submissions", {"task": "cleanup"}, {C: 201, D: 403, A: 201}),
    ("GET", "/submissions", None, {C: 200, D: 200, A: 200}),
    ("GET", "/submissions/{submission}", None, {C: 404, D: 404, A: 200}),
    ("POST", "/submissions/{submission}/uploads/{photo}", {"content_type": "image/jpeg"}, {C: 404, D: 404, A: 404}),
    ("GET", "/driver/jobs", None, {C: 403, D: 200, A: 200}),
    ("POST", "/driver/jobs/{report}/closeout", {"content_type": "image/jpeg"}, {C: 403, D: 409, A: 409}),
    ("POST", "/reports", {"waste_type": "paper", "lat": 31.5, "lng": 74.3}, {C: 201, D: 403, A: 201}),
    ("GET", "/reports", None, {C: 200, D: 200, A: 200}),
    ("GET", "/reports/nearby?lat=31.52&lng=74.36&radius_m=100", None, {C: 200, D: 200, A: 200}),
    ("GET", "/reports/{report}", None, {C: 200, D: 200, A: 200}),
    ("GET", "/reports/{report}/history", None, {C: 200, D: 200, A: 200}),
    ("POST", "/reports/{report}/votes", {"agrees": True}, {C: 201, D: 403, A: 201}),
    ("GET", "/reports/{report}/timeline", None, {C: 200, D: 200, A: 200}),
    ("POST", "/reports/{report}/comments", {"text": "still there"}, {C: 403, D: 201, A: 201}),
    ("POST", "/reports/{report}/confirmation", None, {C: 403, D: 403, A: 403}),
    ("POST", "/reports/{report}/reopening", {"reason": "still there"}, {C: 403, D: 403, A: 403}),
    ("POST", "/reports/{report}/subscription", None, {C: 204, D: 403, A: 403}),
    ("DELETE", "/reports/{report}/subscription", None, {C: 204, D: 403, A: 403}),
    ("POST", "/events", {"title": "Beach", "lat": 31.5, "lng": 74.3, "capacity": 5,
                         "starts_at": "2030-02-01T08:00:00+00:00", "ends_at": "2030-02-01T10:00:00+00:00"},
     {C: 403, D: 403, A: 201}),
    ("GET", "/events", None, {C: 200, D: 200, A: 200}),
    ("GET", "/events/{event}", None, {C: 200, D: 200, A: 200}),
    ("POST", "/events/{event}/join", None, {C: 200, D: 403, A: 200}),
    ("POST", "/events/{event}/check-in", {"lat": LAHORE[0], "lng": LAHORE[1]}, {C: 409, D: 403, A: 409}),
    ("GET", "/events/{event}/attendees", None, {C: 403, D: 403, A: 200}),
    ("GET", "/leaderboard", None, {C: 200, D: 200, A: 200}),
    ("POST", "/impact-credits", {"organisation": "Acme", "credits": 2, "period_start": "2026-01-01",
                                 "period_end": "2026-01-31"}, {C: 403, D: 403, A: 403}),
    ("GET", "/impact-credits", None, {C: 403, D: 403, A: 403}),
    ("GET", "/impact-credits/{credit}", None, {C: 403, D: 403, A: 200}),
    ("GET", "/impact-credits/{credit}/certificate", None, {C: 403, D: 403, A: 404}),
    ("GET", "/zones", None, {C: 200, D: 200, A: 200}),
    ("GET", "/admin/review-queue", None, {C: 403, D: 403, A: 200}),
    ("GET", "/admin/submissions/{submission}", None, {C: 403, D: 403, A: 200}),
    ("GET", "/admin/submissions/{submission}/photos", None, {C: 403, D: 403, A: 200}),
    ("POST", "/admin/submissions/{submission}/decision", {"outcome": "approved", "reason": "looks clean"},
     {C: 403, D: 403, A: 409}),
    ("GET", "/admin/users", None, {C: 403, D: 403, A: 200}),
    ("PATCH", "/admin/users/{user}", {"active": True}, {C: 403, D: 403, A: 200}),
    ("PUT", "/admin/users/{user}/role", {"role": "citizen"}, {C: 403, D: 403, A: 200}),
    ("POST", "/admin/invite-codes", {"valid_days": 3}, {C: 403, D: 403, A: 201}),
    ("GET", "/admin/users/{user}/submissions", None, {C: 403, D: 403, A: 200}),
    ("GET", "/admin/users/{user}/record", None, {C: 403, D: 403, A: 200}),
    ("GET", "/admin/exports/{kind}?from=2026-01-01&to=2026-01-31", None, {C: 403, D: 403, A: 200}),
    ("POST", "/admin/reports/{report_to_dispatch}/dispatch", {"vehicle_id": "{vehicle}"}, {C: 403, D: 403, A: 200}),
    ("POST", "/admin/reports/{report_to_close}/status", {"status": "resolved", "reason": "gone"},
     {C: 403, D: 403, A: 200}),
    ("PUT", "/admin/reports/{report}/visibility", {"text_hidden": True, "reason": "a phone number"},
     {C: 403, D: 403, A: 200}),
    ("PUT", "/admin/reports/{commented_report}/comments/{comment}/visibility",
     {"text_hidden": True, "reason": "a phone number"}, {C: 403, D: 403, A: 200}),
    ("POST", "/admin/reports/{report_to_merge}/merge", {"into": "{report}"}, {C: 403, D: 403, A: 200}),
    ("POST", "/admin/alerts", {"zone": "canal", "message": "Road closed"}, {C: 403, D: 403, A: 201}),
    ("GET", "/admin/settings", None, {C: 403, D: 403, A: 200}),
    ("GET", "/admin/verifier", None, {C: 403, D: 403, A: 200}),
    ("PUT", "/admin/settings", {"display_name": "Lahore", "zones": [CANAL_ZONE]}, {C: 403, D: 403, A: 200}),
    ("GET", "/admin/settings/history", None, {C: 403, D: 403, A: 200}),
    ("GET", "/admin/impact-credits", None, {C: 403, D: 403, A: 200}),
    ("POST", "/admin/impact-credits/{credit}/decision", {"approve": False, "reason": "unpaid"},
     {C: 403, D: 403, A: 200}),
    ("POST", "/fleet/vehicles", {"vehicle_id": "truck-9", "name": "Truck"}, {C: 403, D: 403, A: 201}),
    ("GET", "/fleet/vehicles", None, {C: 403, D: 200, A: 200}),
    ("PUT", "/fleet/vehicles/{vehicle}/position", {"lat": 31.5, "lng": 74.3}, {C: 403, D: 403, A: 200}),
    ("GET", "/analytics/summary", None, {C: 403, D: 403, A: 200}),
    ("GET", "/analytics/daily", None, {C: 403, D: 403, A: 200}),
    ("GET", "/analytics/zones", None, {C: 403, D: 403, A: 200}),
    ("GET", "/analytics/heatmap", None, {C: 403, D: 403, A: 200}),
    ("GET", "/analytics/forecast", None, {C: 403, D: 403, A: 200}),
]  # fmt: skip
MATRIX_IDS = [f"{method} {path}" for method, path, _, _ in MATRIX]


def concrete(template: str, entities: dict[str, str]) -> str:
    return template.format(**entities, zone="canal", photo="after", device="0123456789abcdef0123", kind="reports")


def template_path(path: str) -> str:
    """The matrix's path as the template names it: entity markers become the route's path parameters."""
    names = {
        "report_to_dispatch": "report_id",
        "report_to_close": "report_id",
        "commented_report": "report_id",
        "comment": "entry_id",
        "report_to_merge": "report_id",
        "credit": "request_id",
        "zone": "zone",
        "kind": "kind",
        "photo": "photo",
    }
    marker = re.compile(r"\{(\w+)\}")
    return marker.sub(lambda found: "{" + names.get(found[1], f"{found[1]}_id") + "}", path.split("?")[0])


def authorized_routes() -> set[tuple[str, str]]:
    stack = load_stack(ROOT / "template.yaml", {"Stage": "dev", **LOCAL_CHAIN_PARAMETERS})
    return {
        (route.method, route.path)
        for logical_id in stack.of_type("AWS::ApiGatewayV2::Api")
        for route in HttpApiDefinition.from_stack(stack, logical_id).routes
        if route.authorizer
    }


# Each invitation needs an address of its own, which one row cannot give both cities: it is tested by role and
# city in tests/integration/test_sign_up.py.
COVERED_BY_SIGN_UP = {("POST", "/admin/staff")}


def test_the_matrix_covers_every_route_behind_the_authorizer():
    covered = {(method, template_path(path)) for method, path, _, _ in MATRIX}
    assert covered | COVERED_BY_SIGN_UP == authorized_routes()


def leaks(answer: httpx.Response, entities: dict[str, str]) -> list[str]:
    return [value for value in entities.values() if value in answer.text]


@pytest.mark.parametrize("role", [C, D, A])
@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=MATRIX_IDS)
def test_role_by_tenant_matrix(local_system, lahore_entities, role, method, path, body, expected):
    url = concrete(path, lahore_entities)
    payload = body and {name: concrete(value, lahore_entities) if isinstance(value, str) else value
                        for name, value in body.items()}  # fmt: skip
    own = Api(local_system, f"{role}-{uuid.uuid4().hex[:6]}", role)(method, url, json=payload)
    assert own.status_code == expected[role], own.text
    if role == C and path.startswith("/reports"):
        # Another citizen: alice's reports come without her id (nor her photos' keys, which hold it) and placed
        # to about 100 m, never where she stood.
        assert lahore_entities["user"] not in own.text, own.text
        assert str(LAHORE[0]) not in own.text and str(LAHORE[1]) not in own.text, own.text

    other = Api(local_system, f"{role}-{uuid.uuid4().hex[:6]}", role, tenant=OTHER_TENANT)(method, url, json=payload)
    assert not leaks(other, lahore_entities), f"lahore's data leaked to {OTHER_TENANT}: {other.text}"
    names_an_entity = any("{" + name + "}" in path for name in lahore_entities)
    if expected[role] == 403:
        assert other.status_code in (403, 404)
    elif names_an_entity:
        assert other.status_code == 404, other.text
    else:
        assert other.status_code == expected[role]


@pytest.fixture(scope="module")
def bad_tokens(local_system, tmp_path_factory) -> dict[str, dict[str, str]]:
    forger = LocalIssuer(tmp_path_factory.mktemp("forger") / "forged.pem", local_system.issuer.config)
    genuine = local_system.issuer.issue("mallory", ["admin"], "lahore")
    header, payload, signature = genuine.split(".")
    other_payload = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    other_payload["custom:tenant"] = OTHER_TENANT
    swapped = base64.urlsafe_b64encode(json.dumps(other_payload).encode()).rstrip(b"=").decode()
    return {
        "no token": {},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "basic auth": {"Authorization": "Basic YWxpY2U6cGFzcw=="},
        "expired": local_system.bearer("mallory", "admin", "lahore", now=1_000_000, lifetime_seconds=60),
        "forged signature": {"Authorization": "Bearer " + forger.issue("mallory", ["admin"], "lahore")},
        "tampered tenant": {"Authorization": f"Bearer {header}.{swapped}.{signature}"},
        "unsigned": {"Authorization": f"Bearer {_unsigned(other_payload)}"},
    }


def _unsigned(claims: dict) -> str:
    """The "alg": "none" token, the classic JWT forgery."""

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


BAD_TOKENS = ["no token", "garbage", "basic auth", "expired", "forged signature", "tampered tenant", "unsigned"]


@pytest.mark.parametrize("token", BAD_TOKENS)
@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=MATRIX_IDS)
def test_every_route_refuses_a_missing_or_bad_token_before_any_function_runs(
    local_system, lahore_entities, bad_tokens, token, method, path, body, expected
):
    answer = httpx.request(method, local_system.api + concrete(path, lahore_entities), headers=bad_tokens[token],
                           json=body, timeout=30)  # fmt: skip
    assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})


def test_a_disabled_user_is_refused(local_system):
    admin = Api(local_system, "amina", "admin", tenant="multan")
    victim = Api(local_system, "vince", "citizen", tenant="multan")
    user_id = victim("GET", "/me").json()["user_id"]
    assert admin("PATCH", f"/admin/users/{user_id}", json={"active": False}).json()["groups"] == ["citizen"]
    refused = wait_until(lambda: (r := victim("GET", "/me")).status_code == 403 and r)
    assert refused.json()["error"]["code"] == "account_disabled"
