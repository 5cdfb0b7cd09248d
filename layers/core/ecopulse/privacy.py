"""Who sees what of a report. The reporter and the city's staff see it as it was filed; another citizen and the
public (Open311) see no reporter, its place rounded to about 100 m and its times to the hour, so that nobody can
follow a person from the reports they file. Text the staff hid shows to staff only.

Staff are the city's admins and drivers: a driver sent to the litter needs the exact place.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from ecopulse import geo, priority
from ecopulse.report_photos import PENDING, PhotoResult, PhotoStatus
from ecopulse.reports import HistoryEntry, Report, Reports, ReportStatus, TimelineEntry
from ecopulse.uploads import UploadKey, UploadRejected

# A thousandth of a degree: 111 m of latitude, and as much of longitude or less away from the equator.
PLACE_DECIMALS = 3
# The farthest a rounded place lies from the true one: half the diagonal of a 0.001° cell is under 79 m.
ROUNDING_MARGIN_M = 80.0
HOUR = timedelta(hours=1)


class Audience(StrEnum):
    REPORTER = "reporter"
    STAFF = "staff"
    CITIZEN = "citizen"
    PUBLIC = "public"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a signed-in person of the city (staff or not), or anyone at all (no user id)."""

    user_id: str | None
    staff: bool = False


PUBLIC = Viewer(None)


@dataclass(frozen=True)
class ShownPhoto:
    """One of a report's photos as a viewer may see it: the key (its uploader in it) is for building links only."""

    photo_key: str
    result: PhotoResult


@dataclass(frozen=True)
class ReportView:
    """A report as one audience may see it; ``exact`` says whether its place and times are as filed."""

    report_id: str
    reporter_id: str | None
    waste_type: str
    status: ReportStatus
    lat: float
    lng: float
    geohash: str
    zone: str | None
    description: str | None
    address: str | None
    photo_keys: tuple[str, ...]
    priority: str
    ai_type: str | None
    ai_confidence: float | None
    votes_up: int
    votes_down: int
    vehicle_id: str | None
    created_at: datetime
    updated_at: datetime
    text_hidden: bool
    exact: bool
    resolved_at: datetime | None = None
    merged_into: str | None = None
    priority_points: int = 0
    duplicates_merged: int = 0
    photos: tuple[ShownPhoto, ...] = ()


def audience_of(report: Report, viewer: Viewer) -> Audience:
    if viewer.staff:
        return Audience.STAFF
    if viewer.user_id is None:
        return Audience.PUBLIC
    return Audience.REPORTER if viewer.user_id == report.reporter_id else Audience.CITIZEN


def sees_exactly(audience: Audience) -> bool:
    return audience in (Audience.REPORTER, Audience.STAFF)


def rounded_place(lat: float, lng: float) -> tuple[float, float]:
    return round(lat, PLACE_DECIMALS), round(lng, PLACE_DECIMALS)


def to_the_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def hour_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The hours from ``start``'s to ``end``'s, whole: whether a report falls inside depends on its hour alone, so
    moving the window's ends a second at a time cannot find the second it was filed."""
    return to_the_hour(start), to_the_hour(end) + HOUR - timedelta(microseconds=1)


def shown_photos(report: Report, exact: bool) -> tuple[ShownPhoto, ...]:
    """The reporter and staff see every photo and how it fared. Anyone else sees the verified ones, through their
    resized copies (no EXIF, named by a random id), unless staff hid the report's text: a hidden report's photos
    are hidden with it."""
    photos = tuple(ShownPhoto(key, report.photos.get(key, PENDING)) for key in report.photo_keys)
    if exact:
        return photos
    if report.text_hidden:
        return ()
    return tuple(photo for photo in photos if photo.result.status is PhotoStatus.VERIFIED)


def view_report(report: Report, viewer: Viewer) -> ReportView:
    """The report as ``viewer`` may see it. Photo keys name their uploader, so only the exact audiences get them;
    others see the copies of its verified photos (``shown_photos``), and only staff the originals."""
    audience = audience_of(report, viewer)
    exact = sees_exactly(audience)
    text_shown = audience is Audience.STAFF or not report.text_hidden
    lat, lng = (report.lat, report.lng) if exact else rounded_place(report.lat, report.lng)
    return ReportView(
        report_id=report.report_id,
        reporter_id=report.reporter_id if exact else None,
        waste_type=report.waste_type,
        status=report.status,
        lat=lat,
        lng=lng,
        geohash=report.geohash if exact else geo.geohash(lat, lng, geo.HEAT_PRECISION),
        zone=report.zone,
        description=report.description if text_shown else None,
        address=report.address if text_shown else None,
        photo_keys=_photos_for(report, audience),
        priority=report.priority,
        ai_type=report.ai_type,
        ai_confidence=report.ai_confidence,
        votes_up=report.votes_up,
        votes_down=report.votes_down,
        vehicle_id=report.vehicle_id,
        created_at=report.created_at if exact else to_the_hour(report.created_at),
        updated_at=report.updated_at if exact else to_the_hour(report.updated_at),
        text_hidden=report.text_hidden,
        exact=exact,
        resolved_at=report.resolved_at if exact or report.resolved_at is None else to_the_hour(report.resolved_at),
        merged_into=report.merged_into,
        priority_points=priority.points_of(report),
        duplicates_merged=report.duplicates_merged,
        photos=shown_photos(report, exact),
    )


def _photos_for(report: Report, audience: Audience) -> tuple[str, ...]:
    """Staff see every photo; the reporter their own (a merged duplicate's photos are its reporter's); nobody else
    any."""
    if audience is Audience.STAFF:
        return report.photo_keys
    if audience is Audience.REPORTER:
        return tuple(key for key in report.photo_keys if not _uploaded_by_another(key, report.reporter_id))
    return ()


def _uploaded_by_another(key: str, user_id: str) -> bool:
    try:
        return UploadKey.parse(key).user_id != user_id
    except UploadRejected:
        return False


def reports_nearby(
    reports: Reports, tenant: str, viewer: Viewer, lat: float, lng: float, radius_m: float, limit: int
) -> list[tuple[ReportView, float]]:
    """The reports within ``radius_m`` of the point as ``viewer`` sees them, nearest first, with the distance to
    the place shown. A rounded place is measured and kept or left out by its rounded position only: exact
    distances, or a radius that includes a report by its true place, would give the true place away to anyone
    measuring from three points."""
    margin = 0.0 if viewer.staff else ROUNDING_MARGIN_M
    found = []
    for report, _ in reports.nearby(tenant, lat, lng, radius_m + margin, 2 * limit):
        view = view_report(report, viewer)
        distance = geo.distance_m(lat, lng, view.lat, view.lng)
        if distance <= radius_m:
            found.append((view, distance))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


def public_actor(report: Report, actor: str) -> str:
    """Who acted, as anyone but the reporter and staff read it: a role."""
    return Audience.REPORTER.value if actor == report.reporter_id else Audience.STAFF.value


def view_timeline_entry(report: Report, entry: TimelineEntry, viewer: Viewer) -> TimelineEntry:
    """An entry of the report's timeline as ``viewer`` may see it: as ``report_history`` shows a change, and a
    comment's text, once staff hid it, to staff only. Internal comments are never shown to anyone but staff."""
    if entry.internal and not viewer.staff:
        raise PermissionError("internal comments are for staff only")
    shown = entry if viewer.staff or not entry.text_hidden else replace(entry, text=None)
    if sees_exactly(audience_of(report, viewer)):
        return shown
    return replace(shown, at=to_the_hour(entry.at), actor=public_actor(report, entry.actor))


def report_history(reports: Reports, tenant: str, report_id: str, viewer: Viewer) -> list[HistoryEntry]:
    """The report's trail. Anyone but its reporter and staff reads who acted as a role (the reporter or staff),
    and when to the hour."""
    report = reports.get(tenant, report_id)
    trail = reports.history(tenant, report_id)
    if sees_exactly(audience_of(report, viewer)):
        return trail
    return [
        HistoryEntry(
            at=to_the_hour(entry.at),
            actor=public_actor(report, entry.actor),
            action=entry.action,
            old=entry.old,
            new=entry.new,
            reason=entry.reason,
        )
        for entry in trail
    ]
