"""Open311 GeoReport v2 over reports, so existing city CRMs can read and file them (JSON and XML).

Paths are /open311/{tenant}/v2/services.{format}, /services/{service_code}.{format}, /requests.{format},
/requests/{id}.{format} and /tokens/{token}.{format}, for a city that has saved its settings; any other city, and a
``jurisdiction_id`` that is neither the city's id nor its ``open311_jurisdiction_id``, is 404. Services are the
city's enabled categories. Reads are public, as the standard expects, and show what the public may see
(``ecopulse.privacy``): places rounded to about 100 m, times to the hour, no text or photo the staff hid. A
request's ``media_url`` is /requests/{id}/photo, a redirect to its photo's display copy. Filing a request
needs one of the tenant's Open311 API keys. Every error, a validation error or an unknown path included, is the
spec's list of ``{code, description}`` (``ecopulse.api.open311_answers``).
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field, ValidationError

from ecopulse import geo
from ecopulse.api.dependencies import ReportPhotoLinksDep, ReportsDep, TenantsDep, VersionedSettingsDep
from ecopulse.api.open311_answers import error, render
from ecopulse.api.schemas import LongText, ShortText, rounded
from ecopulse.config import deployment
from ecopulse.privacy import PUBLIC, ReportView, hour_window, reports_nearby, view_report
from ecopulse.report_photos import DISPLAY, LINK_SECONDS, copy_key
from ecopulse.reports import CLOSED, Priority, ReportNotFound, ReportStatus, file_report
from ecopulse.settings_history import VersionedSettings
from ecopulse.tenants import Category, CategoryDisabled, CategoryNotFound, PhotoRequired, TenantSettings
from ecopulse.zones import address_place

router = APIRouter(prefix="/open311/{tenant}/v2", tags=["open311"])
Tenant = Annotated[str, Path(pattern=r"^[a-z0-9-]{2,32}$")]
Format = Annotated[str, Path(pattern=r"^(json|xml)$")]
JurisdictionId = Annotated[str | None, Query(max_length=200)]
OPEN = frozenset(ReportStatus) - CLOSED
MAX_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
STATUS_NOTES = {
    ReportStatus.SUBMITTED: "Received; waiting to be checked",
    ReportStatus.VERIFIED: "Checked; waiting for a crew",
    ReportStatus.DISPATCHED: "A crew is on its way",
    ReportStatus.RESOLVED: "Cleaned up",
    ReportStatus.REJECTED: "Closed without action",
    ReportStatus.CONFIRMED: "Cleaned up; the reporter confirmed it",
    ReportStatus.DUPLICATE: "Closed as a duplicate of another request",
}
# A duplicate is a closed request read by its id; lists leave it out, as the request it was merged into is listed.
LISTED_CLOSED = CLOSED - {ReportStatus.DUPLICATE}
PRIORITY_ATTRIBUTE = "priority"


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class ServiceRequest(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float
    long: float
    media_url: str | None


class FiledRequest(BaseModel):
    service_request_id: str
    service_notice: str | None
    account_id: str | None


class RequestToken(BaseModel):
    service_request_id: str
    token: str


class Open311Error(BaseModel):
    code: int
    description: str


def _answers(status: int, model: Any, *error_statuses: int, one: bool = False) -> dict[int | str, dict[str, Any]]:
    """Declares what an Open311 route answers: a list of ``model`` (or ``model`` itself), or of errors, as JSON or
    as XML."""
    xml = {"text/xml": {"schema": {"type": "string"}}}
    return {
        status: {"model": model if one else list[model], "content": xml},
        **{code: {"model": list[Open311Error], "content": xml} for code in (400, 404, *error_statuses)},
    }


PRIORITY = Attribute(
    variable=True,
    code=PRIORITY_ATTRIBUTE,
    datatype="singlevaluelist",
    required=False,
    datatype_description="How soon the city should act; normal when not given",
    order=1,
    description="Priority",
    values=[AttributeValue(key=priority.value, name=priority.value.title()) for priority in Priority],
)


# Form fields are text: these take "31.52", unlike the JSON bodies' strict numbers.
FormLatitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False), rounded(7)]
FormLongitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False), rounded(7)]
QueryNumber = Annotated[float | None, Field(allow_inf_nan=False)]


class ServiceRequestIn(BaseModel):
    service_code: str
    lat: FormLatitude | None = None
    long: FormLongitude | None = None
    address_string: ShortText | None = None
    address_id: ShortText | None = None
    description: LongText | None = None
    priority: Priority = Priority.NORMAL


class CityNotFound(LookupError):
    """No city of this name has been set up, or it goes by another jurisdiction_id."""


def _city(store: VersionedSettings, tenant: str, jurisdiction_id: str | None) -> TenantSettings:
    """The city's settings: a city exists once it has saved them (``version`` 0 is one never set up)."""
    settings, version = store.current(tenant)
    if version == 0:
        raise CityNotFound(f"no jurisdiction {tenant}")
    if jurisdiction_id and jurisdiction_id not in {tenant, settings.open311_jurisdiction_id}:
        raise CityNotFound(f"no jurisdiction_id {jurisdiction_id}")
    return settings


def _service(category: Category) -> dict[str, Any]:
    return Service(
        service_code=category.service_code,
        service_name=category.name,
        description=category.description,
        metadata=True,
        type="realtime",
        keywords=",".join(category.keywords),
        group=category.group,
    ).model_dump()


def _media_url(request: Request, tenant: str, report: ReportView) -> str | None:
    """A link that stays valid to the display copy of the report's first photo the public may see: a city's CRM
    keeps it, while a direct link to a private bucket would expire within minutes (``request_photo``)."""
    if not report.photos:
        return None
    return str(request.url_for("request_photo", tenant=tenant, request_id=report.report_id))


def _service_request(
    settings: TenantSettings, tenant: str, report: ReportView, media_url: str | None
) -> dict[str, Any]:
    try:
        category = settings.category(report.waste_type)
        service_code, service_name = category.service_code, category.name
    except CategoryNotFound:
        service_code = service_name = report.waste_type
    return ServiceRequest(
        service_request_id=report.report_id,
        status="closed" if report.status in CLOSED else "open",
        status_notes=STATUS_NOTES[report.status] + (f" ({report.merged_into})" if report.merged_into else ""),
        service_name=service_name,
        service_code=service_code,
        description=report.description,
        agency_responsible=settings.open311_jurisdiction or tenant,
        service_notice=None,
        requested_datetime=report.created_at.isoformat(),
        updated_datetime=report.updated_at.isoformat(),
        expected_datetime=None,
        address=report.address,
        address_id=None,
        zipcode=None,
        lat=report.lat,
        long=report.lng,
        media_url=media_url,
    ).model_dump()


def _requests(request: Request, settings: TenantSettings, tenant: str, found: list[ReportView], fmt: str) -> Response:
    answers = [_service_request(settings, tenant, view, _media_url(request, tenant, view)) for view in found]
    return render(answers, fmt, "service_requests", "request")


@router.get("/services.{fmt}", responses=_answers(200, Service))
def services(
    tenant: Tenant, fmt: Format, store: VersionedSettingsDep, jurisdiction_id: JurisdictionId = None
) -> Response:
    try:
        settings = _city(store, tenant, jurisdiction_id)
    except CityNotFound as missing:
        return error(fmt, 404, str(missing))
    enabled = [_service(category) for category in settings.categories if category.enabled]
    return render(enabled, fmt, "services", "service")


@router.get("/services/{service_code}.{fmt}", responses=_answers(200, ServiceDefinition, one=True))
def service_definition(
    tenant: Tenant,
    service_code: Annotated[str, Path(max_length=64)],
    fmt: Format,
    store: VersionedSettingsDep,
    jurisdiction_id: JurisdictionId = None,
) -> Response:
    """Every service takes the one attribute a report has: its priority."""
    try:
        category = _city(store, tenant, jurisdiction_id).category_for_service(service_code)
    except (CityNotFound, CategoryNotFound) as missing:
        return error(fmt, 404, str(missing))
    if not category.enabled:
        return error(fmt, 404, f"service {service_code} is no longer offered")
    definition = ServiceDefinition(service_code=category.service_code, attributes=[PRIORITY])
    return render(definition.model_dump(), fmt, "service_definition", "")


@router.get("/requests.{fmt}", responses=_answers(200, ServiceRequest))
def list_requests(
    request: Request,
    tenant: Tenant,
    fmt: Format,
    reports: ReportsDep,
    store: VersionedSettingsDep,
    jurisdiction_id: JurisdictionId = None,
    service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
    service_code: Annotated[str | None, Query(max_length=64)] = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))?$")] = None,
    lat: Annotated[QueryNumber, Query(ge=-90, le=90)] = None,
    long: Annotated[QueryNumber, Query(ge=-180, le=180)] = None,
    radius: Annotated[QueryNumber, Query(gt=0, le=geo.MAX_NEARBY_RADIUS_M)] = None,
) -> Response:
    """Besides the spec's filters, `lat`, `long` and `radius` (metres, 1000 by default, at most 5000) find the
    requests near a point, as FixMyStreet's extension does; the other filters apply to them too."""
    try:
        settings = _city(store, tenant, jurisdiction_id)
    except CityNotFound as missing:
        return error(fmt, 404, str(missing))
    if service_request_id:
        report_ids = [report_id.strip() for report_id in service_request_id.split(",")[:MAX_REQUESTS]]
        found = [view_report(report, PUBLIC) for report in reports.get_many(tenant, report_ids)]
        return _requests(request, settings, tenant, found, fmt)
    if (lat is None) != (long is None):
        return error(fmt, 400, "lat and long go together")
    end = end_date or datetime.now(UTC)
    start = start_date or end - MAX_WINDOW
    if end - start > MAX_WINDOW or start > end:
        return error(fmt, 400, "start_date and end_date may span at most 90 days")
    first_hour, last_hour = hour_window(start, end)
    wanted = {s for part in (status or "open,closed").split(",") for s in (OPEN if part == "open" else LISTED_CLOSED)}
    waste_type = None
    if service_code is not None:
        try:
            waste_type = settings.category_for_service(service_code).code
        except CategoryNotFound:
            return _requests(request, settings, tenant, [], fmt)
    if lat is not None and long is not None:
        near = reports_nearby(reports, tenant, PUBLIC, lat, long, radius or 1000, MAX_REQUESTS)
        candidates = [view for view, _ in near if first_hour <= view.created_at <= last_hour]
    else:
        candidates = [
            view_report(report, PUBLIC)
            for report in reports.created_between(tenant, wanted, first_hour, last_hour, MAX_REQUESTS)
        ]
    found = [
        view for view in candidates if view.status in wanted and (waste_type is None or view.waste_type == waste_type)
    ]
    return _requests(request, settings, tenant, found[:MAX_REQUESTS], fmt)


@router.get("/requests/{request_id}.{fmt}", responses=_answers(200, ServiceRequest))
def get_request(
    request: Request,
    tenant: Tenant,
    request_id: Annotated[str, Path(max_length=64)],
    fmt: Format,
    reports: ReportsDep,
    store: VersionedSettingsDep,
    jurisdiction_id: JurisdictionId = None,
) -> Response:
    try:
        settings = _city(store, tenant, jurisdiction_id)
        report = reports.get(tenant, request_id)
    except CityNotFound as missing:
        return error(fmt, 404, str(missing))
    except ReportNotFound:
        return error(fmt, 404, "no such service request")
    return _requests(request, settings, tenant, [view_report(report, PUBLIC)], fmt)


@router.get(
    "/requests/{request_id}/photo",
    name="request_photo",
    status_code=302,
    responses={
        302: {"description": "To a link to the photo's display copy, valid 15 minutes"},
        **{code: {"model": list[Open311Error]} for code in (400, 404)},
    },
)
def request_photo(
    tenant: Tenant,
    request_id: Annotated[str, Path(max_length=64)],
    reports: ReportsDep,
    store: VersionedSettingsDep,
    links: ReportPhotoLinksDep,
) -> Response:
    """A request's `media_url`: anyone may follow it, as long as the request shows a photo to the public. The
    photos stay in a private bucket (no public access in any account); this redirects to a fresh short-lived link
    to the display copy of the first photo the public may see (1280 px, no EXIF)."""
    try:
        _city(store, tenant, None)
        shown = view_report(reports.get(tenant, request_id), PUBLIC).photos
    except CityNotFound as missing:
        return error("json", 404, str(missing))
    except ReportNotFound:
        return error("json", 404, "no such service request")
    if not shown:
        return error("json", 404, "this service request has no photo to show")
    url = links.presigned_get(deployment().uploads_bucket, copy_key(shown[0].photo_key, DISPLAY), LINK_SECONDS)
    # Cached for less time than the link lives, so a cached redirect never leads to an expired link.
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": f"public, max-age={LINK_SECONDS // 3}"})


@router.get("/tokens/{token}.{fmt}", responses=_answers(200, RequestToken))
def get_token(
    tenant: Tenant,
    token: Annotated[str, Path(max_length=64)],
    fmt: Format,
    reports: ReportsDep,
    store: VersionedSettingsDep,
    jurisdiction_id: JurisdictionId = None,
) -> Response:
    """Requests are filed at once, so a token is the request's id and leads to it."""
    try:
        _city(store, tenant, jurisdiction_id)
        report = reports.get(tenant, token)
    except CityNotFound as missing:
        return error(fmt, 404, str(missing))
    except ReportNotFound:
        return error(fmt, 404, "no such token")
    answer = RequestToken(service_request_id=report.report_id, token=report.report_id)
    return render([answer.model_dump()], fmt, "service_requests", "request")


@router.post("/requests.{fmt}", status_code=201, responses=_answers(201, FiledRequest, 403))
def file_request(
    tenant: Tenant,
    fmt: Format,
    reports: ReportsDep,
    store: VersionedSettingsDep,
    tenants: TenantsDep,
    jurisdiction_id: Annotated[str | None, Form(max_length=200)] = None,
    api_key: Annotated[str | None, Form(max_length=200)] = None,
    service_code: Annotated[str | None, Form(max_length=64)] = None,
    lat: Annotated[str | None, Form(max_length=32)] = None,
    long: Annotated[str | None, Form(max_length=32)] = None,
    address_string: Annotated[str | None, Form(max_length=200)] = None,
    address_id: Annotated[str | None, Form(max_length=200)] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    priority: Annotated[str | None, Form(alias=f"attribute[{PRIORITY_ATTRIBUTE}]", max_length=32)] = None,
) -> Response:
    """A place is `lat` and `long`, or else `address_string` or `address_id`: a request placed by its address alone
    is filed at the centre of the city's service area (`service_area` in its settings) with the address as given,
    and refused (400) where the city has no service area. Contact fields are not kept."""
    try:
        settings = _city(store, tenant, jurisdiction_id)
    except CityNotFound as missing:
        return error(fmt, 404, str(missing))
    if not settings.accepts_open311_key(api_key):
        return error(fmt, 403, "a valid api_key is required to file a request")
    try:
        filed = ServiceRequestIn.model_validate(
            {
                "service_code": service_code,
                "lat": lat,
                "long": long,
                "address_string": address_string,
                "address_id": address_id,
                "description": description,
                **({"priority": priority} if priority else {}),
            }
        )
    except ValidationError as invalid:
        return error(fmt, 400, *(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in invalid.errors()))
    if (filed.lat is None) != (filed.long is None):
        return error(fmt, 400, "lat and long go together")
    place = (filed.lat, filed.long) if filed.lat is not None and filed.long is not None else None
    if place is None:
        if not (filed.address_string or filed.address_id):
            return error(fmt, 400, "a location is required: lat and long, address_string or address_id")
        place = address_place(settings)
        if place is None:
            return error(fmt, 400, "this city takes requests placed by lat and long only")
    try:
        category = settings.category_for_service(filed.service_code)
        report = file_report(
            reports,
            tenants,
            tenant,
            "open311",
            category.code,
            *place,
            description=filed.description,
            address=filed.address_string or (f"address_id {filed.address_id}" if filed.address_id else None),
            priority=filed.priority.value,
            source="open311",
        )
    except CategoryNotFound:
        return error(fmt, 400, f"service_code {filed.service_code} is not a service of this city")
    except (CategoryDisabled, PhotoRequired) as refused:
        return error(fmt, 400, refused.message)
    answer = FiledRequest(service_request_id=report.report_id, service_notice=None, account_id=None)
    return render([answer.model_dump()], fmt, "service_requests", "request", 201)
