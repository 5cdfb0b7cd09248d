"""Open311 GeoReport v2 over reports, so existing city CRMs can read and file them (JSON and XML).

Paths are /open311/{tenant}/v2/services.{format}, /requests.{format} and /requests/{id}.{format}. Reads are
public, as the standard expects, and show what the public may see (``ecopulse.privacy``): places rounded to about
100 m, times to the hour, no text the staff hid. Filing a request needs one of the tenant's Open311 API keys.
"""

import json
import xml.etree.ElementTree as ElementTree  # nosec B405  # only builds the XML answers, never parses XML
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Response
from pydantic import BaseModel, ValidationError

from ecopulse.api.dependencies import ReportsDep, TenantsDep
from ecopulse.api.errors import ErrorResponse
from ecopulse.api.schemas import Latitude, Longitude, LongText, ShortText
from ecopulse.privacy import PUBLIC, ReportView, hour_window, view_report
from ecopulse.reports import CLOSED, Report, ReportNotFound, ReportStatus, file_report
from ecopulse.tenants import Tenants
from ecopulse.waste import WasteType

router = APIRouter(prefix="/open311/{tenant}/v2", tags=["open311"], responses={422: {"model": ErrorResponse}})
Tenant = Annotated[str, Path(pattern=r"^[a-z0-9-]{2,32}$")]
Format = Annotated[str, Path(pattern=r"^(json|xml)$")]
OPEN = frozenset(ReportStatus) - CLOSED
MAX_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000

SERVICE_NAMES = {
    WasteType.PLASTIC: "Plastic litter",
    WasteType.GLASS: "Glass litter",
    WasteType.METAL: "Metal litter",
    WasteType.PAPER: "Paper and cardboard litter",
    WasteType.ORGANIC: "Organic waste",
    WasteType.E_WASTE: "Electronic waste",
    WasteType.MIXED: "Mixed litter or dumping",
}


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: str
    type: str
    keywords: str
    group: str


class ServiceRequest(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str
    service_notice: None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: None
    address: str | None
    address_id: None
    zipcode: None
    lat: float
    long: float
    media_url: None


class FiledRequest(BaseModel):
    service_request_id: str
    service_notice: None
    account_id: None


class Open311Error(BaseModel):
    code: int
    description: str


def _answers(status: int, model: Any, *error_statuses: int) -> dict[int | str, dict[str, Any]]:
    """Declares what an Open311 route answers: a list of ``model`` (or of errors) as JSON or as XML."""
    xml = {"text/xml": {"schema": {"type": "string"}}}
    return {
        status: {"model": list[model], "content": xml},
        **{error: {"model": list[Open311Error], "content": xml} for error in error_statuses},
    }


class ServiceRequestIn(BaseModel):
    service_code: WasteType
    lat: Latitude
    long: Longitude
    address_string: ShortText | None = None
    description: LongText | None = None


def _render(payload: list[dict[str, Any]], fmt: str, root: str, item: str, status: int = 200) -> Response:
    if fmt == "json":
        return Response(json.dumps(payload), status_code=status, media_type="application/json")
    element = ElementTree.Element(root)
    for entry in payload:
        child = ElementTree.SubElement(element, item)
        for name, value in entry.items():
            if value is not None:
                ElementTree.SubElement(child, name).text = str(value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(element, encoding="utf-8")
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def _error(fmt: str, status: int, description: str) -> Response:
    return _render([Open311Error(code=status, description=description).model_dump()], fmt, "errors", "error", status)


def _service_requests(tenants: Tenants, tenant: str, found: list[Report]) -> list[dict[str, Any]]:
    """The reports as Open311 service requests; the tenant's settings are read once, not once per report."""
    agency = tenants.settings(tenant).open311_jurisdiction or tenant
    return [_service_request(agency, view_report(report, PUBLIC)) for report in found]


def _service_request(agency: str, report: ReportView) -> dict[str, Any]:
    status = "closed" if report.status in CLOSED else "open"
    return ServiceRequest(
        service_request_id=report.report_id,
        status=status,
        status_notes=report.status,
        service_name=SERVICE_NAMES.get(WasteType(report.waste_type), report.waste_type),
        service_code=report.waste_type,
        description=report.description,
        agency_responsible=agency,
        service_notice=None,
        requested_datetime=report.created_at.isoformat(),
        updated_datetime=report.updated_at.isoformat(),
        expected_datetime=None,
        address=report.address,
        address_id=None,
        zipcode=None,
        lat=report.lat,
        long=report.lng,
        media_url=None,
    ).model_dump()


@router.get("/services.{fmt}", responses=_answers(200, Service))
def services(tenant: Tenant, fmt: Format) -> Response:
    payload = [
        Service(
            service_code=code.value,
            service_name=name,
            description=f"Report {name.lower()} for cleanup",
            metadata="false",
            type="realtime",
            keywords=f"litter,waste,{code.value}",
            group="Street cleaning",
        ).model_dump()
        for code, name in SERVICE_NAMES.items()
    ]
    return _render(payload, fmt, "services", "service")


@router.get("/requests.{fmt}", responses=_answers(200, ServiceRequest, 400))
def list_requests(
    tenant: Tenant,
    fmt: Format,
    reports: ReportsDep,
    tenants: TenantsDep,
    service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
    service_code: Annotated[WasteType | None, Query()] = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))?$")] = None,
) -> Response:
    if service_request_id:
        found = []
        for report_id in service_request_id.split(",")[:MAX_REQUESTS]:
            try:
                found.append(reports.get(tenant, report_id.strip()))
            except ReportNotFound:
                continue
        return _render(_service_requests(tenants, tenant, found), fmt, "service_requests", "request")
    end = end_date or datetime.now(UTC)
    start = start_date or end - MAX_WINDOW
    if end - start > MAX_WINDOW or start > end:
        return _error(fmt, 400, "start_date and end_date may span at most 90 days")
    first_hour, last_hour = hour_window(start, end)
    wanted = {s for part in (status or "open,closed").split(",") for s in (OPEN if part == "open" else CLOSED)}
    found = [
        report
        for report_status in wanted
        for report in reports.created_between(tenant, report_status, first_hour, last_hour, MAX_REQUESTS)
        if service_code is None or report.waste_type == service_code
    ]
    found.sort(key=lambda report: report.created_at, reverse=True)
    return _render(_service_requests(tenants, tenant, found[:MAX_REQUESTS]), fmt, "service_requests", "request")


@router.get("/requests/{request_id}.{fmt}", responses=_answers(200, ServiceRequest, 404))
def get_request(
    tenant: Tenant,
    request_id: Annotated[str, Path(max_length=64)],
    fmt: Format,
    reports: ReportsDep,
    tenants: TenantsDep,
) -> Response:
    try:
        report = reports.get(tenant, request_id)
    except ReportNotFound:
        return _error(fmt, 404, "no such service request")
    return _render(_service_requests(tenants, tenant, [report]), fmt, "service_requests", "request")


@router.post("/requests.{fmt}", status_code=201, responses=_answers(201, FiledRequest, 400, 403))
def file_request(
    tenant: Tenant,
    fmt: Format,
    reports: ReportsDep,
    tenants: TenantsDep,
    api_key: Annotated[str | None, Form(max_length=200)] = None,
    service_code: Annotated[str | None, Form(max_length=32)] = None,
    lat: Annotated[str | None, Form(max_length=32)] = None,
    long: Annotated[str | None, Form(max_length=32)] = None,
    address_string: Annotated[str | None, Form(max_length=200)] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
) -> Response:
    if not tenants.settings(tenant).accepts_open311_key(api_key):
        return _error(fmt, 403, "a valid api_key is required to file a request")
    try:
        filed = ServiceRequestIn(
            service_code=service_code, lat=lat, long=long, address_string=address_string, description=description
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return _error(fmt, 400, problems)
    report = file_report(
        reports,
        tenants,
        tenant,
        "open311",
        filed.service_code.value,
        filed.lat,
        filed.long,
        description=filed.description,
        address=filed.address_string,
        source="open311",
    )
    return _render(
        [FiledRequest(service_request_id=report.report_id, service_notice=None, account_id=None).model_dump()],
        fmt,
        "service_requests",
        "request",
        201,
    )
