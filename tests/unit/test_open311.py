"""Open311 GeoReport v2, method by method, in JSON and in XML: the answers' elements and types, every error as the
spec's list with its status, the city's categories as services, jurisdiction_id, locations by address, and the
lat/long/radius search extension. In process, with the fakes of test_reports."""

import xml.etree.ElementTree as ElementTree  # nosec B405  # parses the app's own answers in tests

import pytest

from ecopulse.tenants import Category, TenantSettings, hash_api_key
from tests.unit.test_reports import CANAL, MemoryReports, MemoryTenants, client

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]  # fmt: skip
SERVICE_AREA = {
    "type": "Polygon",
    "coordinates": [[[74.2, 31.4], [74.5, 31.4], [74.5, 31.7], [74.2, 31.7], [74.2, 31.4]]],
}
CATEGORIES = [
    Category(code="dumping", name="Illegal dumping", service_code="DUMP-01", description="Rubble", keywords=["rubble"]),
    Category(code="graffiti", name="Graffiti", service_code="GRAF-01", enabled=False),
    Category(code="asbestos", name="Asbestos", service_code="ASB-01", photo_required=True),
]
API_KEY = "crm-secret"


@pytest.fixture
def city() -> tuple[MemoryReports, MemoryTenants]:
    reports, tenants = MemoryReports(), MemoryTenants()
    tenants.save(
        "lahore",
        TenantSettings(
            categories=CATEGORIES,
            open311_key_hashes=[hash_api_key(API_KEY)],
            open311_jurisdiction="Lahore Waste Management",
            open311_jurisdiction_id="lahore.gov.pk",
            service_area=SERVICE_AREA,
        ),
    )
    return reports, tenants


def xml_items(text: str, item: str) -> list[dict[str, str | None]]:
    root = ElementTree.fromstring(text)  # nosec B314  # the app's own answer
    return [{child.tag: child.text for child in element} for element in root.findall(item)]


def filed(public, **form) -> str:
    answer = public.post("/open311/lahore/v2/requests.json", data={"api_key": API_KEY, **form})
    assert answer.status_code == 201, answer.text
    return answer.json()[0]["service_request_id"]


def test_services_are_the_citys_enabled_categories_with_booleans_as_booleans(city):
    public = client("open311_api", *city)
    services = public.get("/open311/lahore/v2/services.json").json()
    assert [list(service) for service in services] == [SERVICE_FIELDS, SERVICE_FIELDS]
    assert [(s["service_code"], s["service_name"], s["metadata"], s["type"]) for s in services] == [
        ("DUMP-01", "Illegal dumping", True, "realtime"),
        ("ASB-01", "Asbestos", True, "realtime"),
    ]
    xml = public.get("/open311/lahore/v2/services.xml")
    assert xml.headers["content-type"].startswith("text/xml")
    items = xml_items(xml.text, "service")
    assert [list(item) for item in items] == [SERVICE_FIELDS, SERVICE_FIELDS]
    assert (items[0]["metadata"], items[0]["keywords"]) == ("true", "rubble")


def test_a_service_definition_names_its_attributes_in_json_and_xml(city):
    public = client("open311_api", *city)
    definition = public.get("/open311/lahore/v2/services/DUMP-01.json").json()
    assert definition["service_code"] == "DUMP-01"
    [attribute] = definition["attributes"]
    assert (attribute["code"], attribute["datatype"], attribute["required"], attribute["variable"]) == (
        "priority", "singlevaluelist", False, True,
    )  # fmt: skip
    assert [value["key"] for value in attribute["values"]] == ["low", "normal", "high", "urgent"]
    xml = public.get("/open311/lahore/v2/services/DUMP-01.xml").text
    root = ElementTree.fromstring(xml)  # nosec B314
    assert root.tag == "service_definition" and root.findtext("service_code") == "DUMP-01"
    assert root.findtext("attributes/attribute/required") == "false"
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == [
        "low", "normal", "high", "urgent",
    ]  # fmt: skip


@pytest.mark.parametrize("code", ["NOPE", "GRAF-01"])
def test_the_definition_of_a_service_the_city_does_not_offer_is_the_specs_404(city, code):
    public = client("open311_api", *city)
    missing = public.get(f"/open311/lahore/v2/services/{code}.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    as_xml = public.get(f"/open311/lahore/v2/services/{code}.xml")
    assert as_xml.status_code == 404 and xml_items(as_xml.text, "error")[0]["code"] == "404"


def test_a_filed_request_reads_back_with_every_element_in_json_and_in_xml(city):
    public = client("open311_api", *city)
    request_id = filed(
        public,
        service_code="DUMP-01",
        lat=str(CANAL[0]),
        long=str(CANAL[1]),
        description="rubble",
        **{"attribute[priority]": "high"},
    )
    reports, _ = city
    stored = reports.get("lahore", request_id)
    assert (stored.waste_type, stored.priority, stored.reporter_id) == ("dumping", "high", "open311")
    [request] = public.get(f"/open311/lahore/v2/requests/{request_id}.json").json()
    assert list(request) == REQUEST_FIELDS
    assert (request["service_code"], request["service_name"], request["status"]) == (
        "DUMP-01", "Illegal dumping", "open",
    )  # fmt: skip
    assert request["status_notes"] and request["updated_datetime"]
    assert request["agency_responsible"] == "Lahore Waste Management"
    assert isinstance(request["lat"], float) and request["media_url"] is None
    xml = public.get(f"/open311/lahore/v2/requests/{request_id}.xml").text
    [item] = xml_items(xml, "request")
    assert list(item) == REQUEST_FIELDS
    assert (item["media_url"], item["zipcode"], item["service_code"]) == (None, None, "DUMP-01")
    assert "<media_url />" in xml


def test_requests_list_by_service_code_and_status_in_both_formats(city):
    public = client("open311_api", *city)
    request_id = filed(public, service_code="DUMP-01", lat=str(CANAL[0]), long=str(CANAL[1]))
    listed = public.get("/open311/lahore/v2/requests.json", params={"service_code": "DUMP-01"}).json()
    assert [r["service_request_id"] for r in listed] == [request_id]
    assert public.get("/open311/lahore/v2/requests.json", params={"service_code": "ASB-01"}).json() == []
    assert public.get("/open311/lahore/v2/requests.json", params={"status": "closed"}).json() == []
    xml = public.get("/open311/lahore/v2/requests.xml", params={"service_request_id": request_id}).text
    assert [item["service_request_id"] for item in xml_items(xml, "request")] == [request_id]


def test_the_token_of_a_request_is_its_id(city):
    public = client("open311_api", *city)
    request_id = filed(public, service_code="DUMP-01", lat=str(CANAL[0]), long=str(CANAL[1]))
    assert public.get(f"/open311/lahore/v2/tokens/{request_id}.json").json() == [
        {"service_request_id": request_id, "token": request_id}
    ]
    assert public.get("/open311/lahore/v2/tokens/unknown.xml").status_code == 404


def test_a_request_placed_by_its_address_alone_is_filed_inside_the_service_area(city):
    public = client("open311_api", *city)
    by_address = filed(public, service_code="DUMP-01", address_string="12 Mall Road")
    by_id = filed(public, service_code="DUMP-01", address_id="A-1234")
    reports, tenants = city
    for request_id, address in ((by_address, "12 Mall Road"), (by_id, "address_id A-1234")):
        stored = reports.get("lahore", request_id)
        assert (stored.address, 31.4 < stored.lat < 31.7, 74.2 < stored.lng < 74.5) == (address, True, True)
    tenants.save("lahore", tenants.settings("lahore").model_copy(update={"service_area": None}))
    refused = public.post(
        "/open311/lahore/v2/requests.json", data={"api_key": API_KEY, "service_code": "DUMP-01", "address_string": "x"}
    )
    assert (refused.status_code, refused.json()[0]["code"]) == (400, 400)


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"service_code": "DUMP-01"}, 400, "location"),
        ({"service_code": "DUMP-01", "lat": "31.5"}, 400, "lat and long"),
        ({"service_code": "DUMP-01", "lat": "true", "long": "74.3"}, 400, "lat"),
        ({"service_code": "DUMP-01", "lat": "123", "long": "74.3"}, 400, "lat"),
        ({"service_code": "DUMP-01", "lat": "nan", "long": "74.3"}, 400, "lat"),
        ({"service_code": "NOPE", "lat": "31.5", "long": "74.3"}, 400, "NOPE"),
        ({"service_code": "GRAF-01", "lat": "31.5", "long": "74.3"}, 400, "no longer"),
        ({"service_code": "ASB-01", "lat": "31.5", "long": "74.3"}, 400, "photo"),
        ({"service_code": "DUMP-01", "lat": "31.5", "long": "74.3", "attribute[priority]": "asap"}, 400, "priority"),
        ({"service_code": "DUMP-01", "lat": "31.5", "long": "74.3", "api_key": "wrong"}, 403, "api_key"),
        (
            {"service_code": "DUMP-01", "lat": "31.5", "long": "74.3", "jurisdiction_id": "karachi.gov.pk"},
            404,
            "karachi",
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_refused_request_is_the_specs_error_list_and_files_nothing(city, form, status, says, fmt):
    public = client("open311_api", *city)
    answer = public.post(f"/open311/lahore/v2/requests.{fmt}", data={"api_key": API_KEY, **form})
    assert answer.status_code == status, answer.text
    if fmt == "json":
        errors = answer.json()
        assert all(set(error) == {"code", "description"} and error["code"] == status for error in errors)
    else:
        errors = xml_items(answer.text, "error")
        assert all(error["code"] == str(status) for error in errors)
    assert errors and any(says in error["description"] for error in errors)
    assert city[0].reports == {}


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/open311/nowhere/v2/services.{fmt}", {}, 404),
        ("/open311/lahore/v2/services.{fmt}", {"jurisdiction_id": "karachi.gov.pk"}, 404),
        ("/open311/lahore/v2/requests.{fmt}", {"start_date": "yesterday"}, 400),
        ("/open311/lahore/v2/requests.{fmt}", {"status": "pending"}, 400),
        ("/open311/lahore/v2/requests.{fmt}", {"lat": "31.5"}, 400),
        ("/open311/lahore/v2/requests.{fmt}", {"lat": "31.5", "long": "74.3", "radius": "99999"}, 400),
        ("/open311/lahore/v2/requests.{fmt}", {"start_date": "2026-01-01T00:00:00Z"}, 400),
        ("/open311/lahore/v2/requests/missing.{fmt}", {}, 404),
        ("/open311/lahore/v2/nothing.{fmt}", {}, 404),
        ("/open311/lahore/v3/services.{fmt}", {}, 404),
        ("/open311/LA/v2/services.{fmt}", {}, 400),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_refused_read_is_the_specs_error_list(city, path, params, status, fmt):
    answer = client("open311_api", *city).get(path.format(fmt=fmt), params=params)
    assert answer.status_code == status, answer.text
    if fmt == "json":
        assert all(set(error) == {"code", "description"} for error in answer.json())
        assert answer.json()[0]["code"] == status
    else:
        assert answer.headers["content-type"].startswith("text/xml")
        assert xml_items(answer.text, "error")[0]["code"] == str(status)


def test_jurisdiction_id_may_be_the_citys_id_or_its_own(city):
    public = client("open311_api", *city)
    for jurisdiction in ("lahore", "lahore.gov.pk"):
        answer = public.get("/open311/lahore/v2/services.json", params={"jurisdiction_id": jurisdiction})
        assert answer.status_code == 200


def test_a_city_that_never_saved_settings_is_not_found(city):
    public = client("open311_api", MemoryReports(), MemoryTenants())
    assert public.get("/open311/lahore/v2/services.json").status_code == 404


def test_requests_near_a_point_within_a_radius(city):
    public = client("open311_api", *city)
    near = filed(public, service_code="DUMP-01", lat=str(CANAL[0]), long=str(CANAL[1]))
    filed(public, service_code="DUMP-01", lat=str(CANAL[0] + 0.05), long=str(CANAL[1]))
    found = public.get(
        "/open311/lahore/v2/requests.json", params={"lat": CANAL[0], "long": CANAL[1], "radius": 500}
    ).json()
    assert [r["service_request_id"] for r in found] == [near]
