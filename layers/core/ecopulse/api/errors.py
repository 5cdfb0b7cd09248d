"""One error shape for every 4xx and 5xx the API gives: {"error": {"code", "message", "details"}}."""

from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from ecopulse.accounts import AlreadyMember, InvalidAddress, SelfRoleChange
from ecopulse.analytics import MAX_DAYS, InvalidRange
from ecopulse.api import open311_answers
from ecopulse.duplicates import AlreadyMerged, CategoryMismatch, MasterNotOpen, MergeIntoItself
from ecopulse.events import AlreadyJoined, EventFull, EventNotFound, EventOver, NotAttending, NotRunning, TooFar
from ecopulse.exports import MAX_EXPORT_DAYS, MAX_EXPORT_ROWS, ExportTooLarge, InvalidExportRange
from ecopulse.fleet import NotYourVehicle, VehicleBusy, VehicleExists, VehicleNotFound
from ecopulse.follow_up import NotReporterOrVoter, ResponseWindowClosed
from ecopulse.impact import (
    AllocationRaced,
    AlreadyReviewed,
    CreditRequestNotFound,
    InsufficientImpact,
    InvalidCreditRequest,
    RetirementMismatch,
    RetirementUnavailable,
)
from ecopulse.jobs import JobNotDispatched, NotYourJob
from ecopulse.leaving import AccountDeleted
from ecopulse.observability import logger
from ecopulse.paging import InvalidCursor
from ecopulse.report_notices import DeviceNotFound, InvalidDeviceToken, PlatformUnavailable
from ecopulse.reports import AlreadyVoted, InvalidReportTransition, MergedReport, OwnReportVote, ReportNotFound
from ecopulse.settings_history import SettingsChanged
from ecopulse.store.transactions import ConcurrentChange
from ecopulse.submissions import DecisionConflict, InvalidTransition, ReviewClosed, SlotTaken, SubmissionNotFound
from ecopulse.tenants import (
    CategoryDisabled,
    CategoryNotFound,
    InvalidThresholds,
    InvalidZone,
    PhotoRequired,
    ZoneNotFound,
)
from ecopulse.timeline import CommentNotAllowed, CommentNotFound, InternalCommentNotAllowed
from ecopulse.uploads import ForeignPhoto
from ecopulse.users import AccountDisabled, SelfDisable, StaleRole, UserNotFound


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class GatewayMessage(BaseModel):
    """What API Gateway answers itself, before any function runs: a missing or invalid token, throttling."""

    message: str


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


_DOMAIN_ERRORS: dict[type[Exception], tuple[int, str, str]] = {
    ReportNotFound: (404, "report_not_found", "no such report"),
    SubmissionNotFound: (404, "submission_not_found", "no such submission"),
    EventNotFound: (404, "event_not_found", "no such event"),
    VehicleNotFound: (404, "vehicle_not_found", "no such vehicle"),
    UserNotFound: (404, "user_not_found", "no such user"),
    CreditRequestNotFound: (404, "credit_request_not_found", "no such impact-credit request"),
    AlreadyReviewed: (409, "already_reviewed", "the request has been decided otherwise already"),
    InsufficientImpact: (409, "insufficient_impact", "not enough unallocated verified cleanups in the zone and period"),
    AllocationRaced: (409, "conflict", "other approvals kept taking the same cleanups; retry"),
    RetirementMismatch: (409, "retirement_mismatch", "the chain holds another retirement under this request's id"),
    RetirementUnavailable: (503, "chain_unavailable", "the chain did not take the retirement; approve again to retry"),
    InvalidCreditRequest: (422, "invalid_credit_request", "the request names no zone of the city or a backward period"),
    DeviceNotFound: (404, "device_not_found", "no such device"),
    InvalidDeviceToken: (422, "invalid_device_token", "the push service does not take this device token"),
    PlatformUnavailable: (409, "push_unavailable", "this deployment cannot push to this platform"),
    NotAttending: (409, "not_attending", "join the event before checking in"),
    AlreadyVoted: (409, "already_voted", "you have voted on this report already"),
    AlreadyJoined: (409, "already_joined", "you have joined this event already"),
    EventFull: (409, "event_full", "the event is full"),
    EventOver: (409, "event_over", "the event is over"),
    NotRunning: (409, "not_running", "check-in opens when the event starts and closes when it ends"),
    TooFar: (409, "too_far", "you are too far from the meeting point"),
    VehicleBusy: (409, "vehicle_busy", "the vehicle is not available"),
    VehicleExists: (409, "vehicle_exists", "the city has a vehicle with this id already"),
    NotYourVehicle: (403, "not_your_vehicle", "drivers report positions for their own vehicle only"),
    NotYourJob: (403, "not_your_job", "drivers see and close out the jobs of their own vehicles only"),
    JobNotDispatched: (409, "job_not_dispatched", "the report is not dispatched to a vehicle"),
    InvalidReportTransition: (409, "invalid_transition", "the report's status does not allow this"),
    NotReporterOrVoter: (
        403,
        "not_reporter_or_voter",
        "only the reporter and the citizens who agreed with the report confirm or reopen it",
    ),
    ResponseWindowClosed: (409, "reopen_window_closed", "the time to confirm or reopen this resolution has passed"),
    CommentNotFound: (404, "comment_not_found", "no such comment on this report"),
    CommentNotAllowed: (403, "comment_not_allowed", "only the city's staff and the reporter comment on a report"),
    InternalCommentNotAllowed: (403, "internal_comment_not_allowed", "only the city's staff write internal comments"),
    InvalidTransition: (409, "invalid_transition", "the submission's status does not allow this"),
    DecisionConflict: (409, "decision_conflict", "the submission was decided otherwise or is not in review"),
    ReviewClosed: (409, "review_closed", "the review has timed out or was decided already"),
    SlotTaken: (409, "photo_slot_taken", "this photo of the submission was uploaded and verified, or is closed"),
    InvalidCursor: (400, "invalid_cursor", "the cursor is not valid"),
    InvalidRange: (422, "invalid_range", f"from must not be after to, and the range at most {MAX_DAYS} days"),
    InvalidExportRange: (
        400,
        "invalid_range",
        f"from must not be after to, and an export spans at most {MAX_EXPORT_DAYS} days",
    ),
    ExportTooLarge: (400, "export_too_large", f"more than {MAX_EXPORT_ROWS} rows: export a shorter range"),
    OwnReportVote: (409, "own_report", "you cannot vote on your own report"),
    MergedReport: (409, "merged", "this report was merged into another: act on that one"),
    MergeIntoItself: (422, "merge_into_self", "a report cannot be merged into itself"),
    MasterNotOpen: (409, "master_closed", "the report to merge into is closed or a duplicate itself"),
    CategoryMismatch: (409, "category_mismatch", "the reports are of different categories: give a reason to merge"),
    AlreadyMerged: (409, "already_merged", "the report was merged into another report already"),
    SelfDisable: (409, "cannot_disable_self", "an admin cannot disable their own account"),
    AccountDisabled: (403, "account_disabled", "this account has been disabled by the city"),
    AccountDeleted: (410, "account_deleted", "this account has been deleted"),
    StaleRole: (403, "role_changed", "your role has changed since you signed in; sign in again"),
    SelfRoleChange: (409, "cannot_change_own_role", "an admin cannot change their own role"),
    AlreadyMember: (409, "already_member", "this address has an account already; change its role instead"),
    InvalidAddress: (422, "invalid_email", "the user pool does not take this e-mail address"),
    ForeignPhoto: (422, "invalid_photo", "photo keys must come from your own report uploads"),
    InvalidThresholds: (422, "invalid_thresholds", "the auto-reject threshold must not exceed the auto-approve one"),
    ConcurrentChange: (409, "conflict", "someone else changed this at the same moment; read it again and retry"),
    SettingsChanged: (409, "settings_changed", "the settings were changed since you read them; read them again"),
    ZoneNotFound: (404, "zone_not_found", "the city has no such zone"),
    InvalidZone: (422, "invalid_zone", "the service area or a zone is not a valid polygon"),
    CategoryNotFound: (422, "unknown_category", "the city takes no reports of this category"),
    CategoryDisabled: (422, "category_disabled", "the city no longer takes reports of this category"),
    PhotoRequired: (422, "photo_required", "a report of this category needs a photo"),
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **{status: {"model": ErrorResponse} for status in (400, 403, 404, 409, 410, 422)},
    401: {"model": GatewayMessage | ErrorResponse, "description": "No valid token, or one without a tenant"},
    503: {"model": ErrorResponse, "description": "A dependency is throttling or unreachable; retry after Retry-After"},
}
# The gateway throttles the whole stage: any route may answer 429 before its function runs.
GATEWAY_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {"model": GatewayMessage, "description": "Throttled by the gateway; retry in a moment"},
}


RETRY_AFTER_SECONDS = 1
_THROTTLED = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
    }
)


def _busy(error: BaseException | None) -> bool:
    """A dependency throttling or out of reach, past the SDK's own retries: the client may retry, it is no bug.
    pynamodb keeps the botocore error as ``cause``; everything else chains it as ``__cause__``."""
    while error is not None:
        if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in _THROTTLED:
            return True
        if isinstance(error, EndpointUnreachable | HTTPClientError):
            return True
        error = getattr(error, "cause", None) or error.__cause__
    return False


def _body(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details}}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if request.url.path.startswith(open311_answers.OPEN311_PREFIX):
            problems = [f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()]
            return open311_answers.error(open311_answers.answer_format(request.url.path), 400, *problems)
        details = [
            {"field": ".".join(str(part) for part in item["loc"]), "problem": item["msg"]} for item in error.errors()
        ]
        return _body(422, "invalid_request", "the request is not valid", details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if request.url.path.startswith(open311_answers.OPEN311_PREFIX):
            # GeoReport v2 knows 400, 403 and 404: a path or method it does not define is not found.
            status = 404 if error.status_code in (404, 405) else error.status_code
            return open311_answers.error(open311_answers.answer_format(request.url.path), status, str(error.detail))
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
            error.status_code, "error"
        )
        return _body(error.status_code, code, str(error.detail))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        return _body(error.status, error.code, error.message, error.details)

    # A domain error may say more through a ``details`` attribute (a conflict says what the state is now), and
    # put its own ``message`` in place of the table's (a check-in too far says how far).
    for exception_type, (status, code, message) in _DOMAIN_ERRORS.items():

        async def domain_error(
            request: Request, error: Exception, status: int = status, code: str = code, message: str = message
        ) -> JSONResponse:
            return _body(status, code, getattr(error, "message", message), getattr(error, "details", None))

        app.add_exception_handler(exception_type, domain_error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        if _busy(error):
            logger.warning("a dependency is throttling or unreachable", exc_info=error)
            answer = _body(503, "service_busy", "the service is busy; retry in a moment")
            answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return answer
        logger.exception("unhandled error")
        return _body(500, "internal_error", "something went wrong; it has been logged")
