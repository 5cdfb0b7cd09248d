"""The report photos' ``PhotoBoard`` against moto and DynamoDB Local: a photo verified before its report is filed
and one verified after both reach the report, a stale result never overwrites a newer one, and a verdict arriving
is no change a copy of the report read before it conflicts with."""

import uuid

import pytest

from ecopulse.report_photos import PhotoResult, PhotoStatus, attach_photos, copies_prefix, publish
from ecopulse.reports import ReportStatus, change_status, file_report
from ecopulse.store.fleet import FleetRepository
from ecopulse.store.leaving import PersonalDataRepository
from ecopulse.store.models import ReportPhotoItem
from ecopulse.store.report_photos import ReportPhotoBoard
from ecopulse.store.reports import ReportRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.tenants import TenantSettings
from ecopulse.uploads import UploadKey

CANAL = (31.52, 74.36)


@pytest.fixture(scope="module")
def stores(app_table):
    tenants = TenantRepository()
    tenants.save("lahore", TenantSettings())
    return ReportRepository(), tenants, ReportPhotoBoard()


def photo_key(user: str = "alice") -> str:
    return f"uploads/lahore/{user}/{uuid.uuid4()}/report.jpg"


def verified(confidence: float, revision: int = 1) -> PhotoResult:
    return PhotoResult(PhotoStatus.VERIFIED, "v1", "etag", "plastic", confidence, ("blur",), revision)


def filed_with(stores, *keys: str):
    reports, tenants, board = stores
    report = file_report(reports, tenants, "lahore", "alice", "plastic", *CANAL, photo_keys=list(keys))
    return report.with_photos(attach_photos(board, "lahore", report.report_id, keys))


def test_a_photo_verified_before_its_report_is_filed_shows_on_it(stores):
    reports, _, board = stores
    key = photo_key()
    assert publish(board, key, verified(0.8), {"confidence": 0.8}) == ()
    filed = filed_with(stores, key)
    assert (filed.ai_type, filed.ai_confidence, filed.photos[key].status) == ("plastic", 0.8, PhotoStatus.VERIFIED)
    read = reports.get("lahore", filed.report_id)
    assert (read.ai_type, read.ai_confidence, read.photos) == ("plastic", 0.8, {key: verified(0.8)})
    assert board.result_of(key) == verified(0.8)
    publish(board, key, verified(0.8), None)
    upload = UploadKey.parse(key)
    stored = ReportPhotoItem.get(*ReportPhotoItem.keys("lahore", "alice", upload.submission_id), consistent_read=True)
    assert stored.detail.as_dict() == {"confidence": 0.8}, "a result published again keeps the verdict's detail"


def test_a_photo_verified_after_its_report_is_filed_shows_on_it(stores):
    reports, _, board = stores
    first, second = photo_key(), photo_key()
    filed = filed_with(stores, first, second)
    assert (filed.ai_type, filed.photos[first].status) == (None, PhotoStatus.PENDING)
    assert publish(board, second, verified(0.4), {}) == (filed.report_id,)
    assert publish(board, first, verified(0.9), {}) == (filed.report_id,)
    read = reports.get("lahore", filed.report_id)
    assert (read.ai_type, read.ai_confidence, set(read.photos)) == ("plastic", 0.9, {first, second})


def test_an_older_result_never_replaces_a_newer_one_on_the_report(stores):
    reports, _, board = stores
    key = photo_key()
    filed = filed_with(stores, key)
    refused = PhotoResult(PhotoStatus.REFUSED, "v1", "etag", reasons=("replaced",), revision=2)
    board.show("lahore", filed.report_id, key, refused)
    board.show("lahore", filed.report_id, key, verified(0.9, revision=1))
    read = reports.get("lahore", filed.report_id)
    assert (read.photos[key], read.ai_type, read.ai_confidence) == (refused, None, None)


def test_a_verdict_arriving_does_not_make_a_staff_copy_of_the_report_stale(stores):
    reports, _, board = stores
    key = photo_key()
    filed = filed_with(stores, key)
    publish(board, key, verified(0.7), {})
    changed = change_status(reports, FleetRepository(), "lahore", filed.report_id, ReportStatus.VERIFIED, "amina", None)
    assert (changed.status, changed.ai_confidence) == (ReportStatus.VERIFIED, 0.7)


def test_a_result_for_a_report_that_does_not_exist_writes_nothing(stores):
    reports, _, board = stores
    board.show("lahore", "no-such-report", photo_key(), verified(0.5))
    with pytest.raises(Exception, match="no-such-report"):
        reports.get("lahore", "no-such-report")


def test_leaving_finds_the_copies_of_every_report_photo_and_unlinks_them_from_reports(stores):
    reports, _, board = stores
    user = f"leaver-{uuid.uuid4().hex[:8]}"
    kept, unused = photo_key(user), photo_key(user)
    publish(board, unused, verified(0.5), {})
    filed = file_report(reports, stores[1], "lahore", user, "plastic", *CANAL, photo_keys=[kept])
    attach_photos(board, "lahore", filed.report_id, [kept])
    publish(board, kept, verified(0.8), {})
    personal = PersonalDataRepository()
    assert sorted(personal.report_photo_copies("lahore", user)) == sorted(copies_prefix(key) for key in (kept, unused))
    assert personal.unlink_report_photos("lahore", user) == 1
    unlinked = reports.get("lahore", filed.report_id)
    assert (unlinked.photo_keys, unlinked.photos, unlinked.ai_type) == ((), {}, None)
    personal.erase_own_items("lahore", user)
    assert personal.report_photo_copies("lahore", user) == []
