"""A driver's day: the jobs dispatched to the vehicles they drive, and the close-out photo that finishes one."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from ecopulse.api.auth import ACTIVE, FleetDep, Group
from ecopulse.api.dependencies import ReportsDep, SubmissionsDep, UploadFormsDep, UsersDep, Vehicles
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.routers.submissions import SubmissionOut
from ecopulse.api.routers.uploads import UploadRequest, upload_form
from ecopulse.api.schemas import UploadForm
from ecopulse.jobs import Job, JobOrder, jobs_for, open_closeout
from ecopulse.reports import ReportStatus
from ecopulse.uploads import AFTER_PHOTO, ImageType, UploadKey

router = APIRouter(prefix="/driver", tags=["driver"], responses=ERROR_RESPONSES)
ReportId = Annotated[str, Field(max_length=64)]


class JobOut(BaseModel):
    """A report dispatched to one of the driver's vehicles, as staff see it: where, what, and its photos."""

    report_id: str
    status: ReportStatus
    waste_type: str = Field(description="The report's category")
    priority: str
    lat: float
    lng: float
    address: str | None
    description: str | None
    zone: str | None
    photo_keys: list[str] = Field(description="The report's photos; the first is the close-out's `before`")
    vehicle_id: str
    vehicle_name: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, job: Job) -> "JobOut":
        report = job.report
        return cls(
            report_id=report.report_id, status=report.status, waste_type=report.waste_type, priority=report.priority,
            lat=report.lat, lng=report.lng, address=report.address, description=report.description, zone=report.zone,
            photo_keys=list(report.photo_keys), vehicle_id=job.vehicle.vehicle_id, vehicle_name=job.vehicle.name,
            created_at=report.created_at, updated_at=report.updated_at,
        )  # fmt: skip


class JobsOut(BaseModel):
    items: list[JobOut]


class OpenedCloseout(BaseModel):
    submission: SubmissionOut
    uploads: dict[str, UploadForm] = Field(description="The `after` photo's form: the `before` is the report's photo")


@router.get("/jobs", response_model=JobsOut)
def list_jobs(
    caller: FleetDep,
    vehicles: Vehicles,
    reports: ReportsDep,
    driver_id: Annotated[str | None, Query(max_length=64, description="Admins: whose jobs (default: your own)")] = None,
    order: JobOrder = JobOrder.PRIORITY,
) -> JobsOut:
    """The reports dispatched to the vehicles you drive, most urgent first (`order=newest`: newest first). An
    admin reads any driver's with `driver_id`; a driver only their own."""
    jobs = jobs_for(vehicles, reports, caller.tenant, caller.user_id, driver_id, caller.is_in(Group.ADMIN), order)
    return JobsOut(items=[JobOut.of(job) for job in jobs])


@router.post(
    "/jobs/{report_id}/closeout",
    status_code=status.HTTP_201_CREATED,
    response_model=OpenedCloseout,
    dependencies=[ACTIVE],
)
def close_out_job(
    report_id: ReportId,
    caller: FleetDep,
    users: UsersDep,
    submissions: SubmissionsDep,
    vehicles: Vehicles,
    reports: ReportsDep,
    forms: UploadFormsDep,
    body: UploadRequest | None = None,
) -> OpenedCloseout:
    """Opens the close-out of a job dispatched to your vehicle (an admin: to any vehicle) and returns the form for
    its `after` photo. The photo is verified as the "after" of the report's own photo; once the close-out is
    approved, the report is resolved and the vehicle freed. A close-out earns no reward. A new form for a form
    that expired: `POST /submissions/{id}/uploads/after`."""
    opened = open_closeout(
        submissions, users, vehicles, reports, caller.tenant, caller.user_id, caller.username, caller.email,
        list(caller.groups), report_id, closes_any=caller.is_in(Group.ADMIN),
    )  # fmt: skip
    content_type = (body or UploadRequest(content_type=ImageType.JPEG)).content_type.value
    after = UploadKey(caller.tenant, caller.user_id, opened.submission_id, AFTER_PHOTO)
    return OpenedCloseout(
        submission=SubmissionOut.of(opened), uploads={AFTER_PHOTO: upload_form(forms, after, content_type)}
    )
