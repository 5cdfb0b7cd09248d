"""The aggregates against moto and DynamoDB Local: a mixed sequence of reports, votes, status changes, approvals,
rejections and a payout writes no counter; the table's stream, added as the aggregator adds it, makes the
counters, zones and heat cells equal to a recount of the items; and the same records added again change nothing."""

import uuid
from datetime import timedelta

import pytest

from ecopulse.reports import ReportStatus, cast_vote, file_report
from ecopulse.store.models import utcnow
from ecopulse.store.reports import ReportRepository
from ecopulse.store.rewards import RewardRepository
from ecopulse.store.submissions import SubmissionRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.users import UserRepository
from ecopulse.submissions import Status
from ecopulse.tenants import TenantSettings, ZoneSettings
from ecopulse.uploads import UploadKey
from tests.aggregation import add_to_aggregates, aggregated, recount, stream_records

PORT = ZoneSettings(zone_id="port", name="Port", min_lat=31.50, min_lng=74.30, max_lat=31.52, max_lng=74.32)
MARKET = ZoneSettings(zone_id="market", name="Market", min_lat=31.55, min_lng=74.30, max_lat=31.57, max_lng=74.32)
VERDICT = {"confidence": 0.5, "photo": {"content_type": "image/jpeg", "bytes": 100}}


@pytest.fixture
def tenant(app_table) -> str:
    name = f"aggregates-{uuid.uuid4().hex[:6]}"
    TenantRepository().save(name, TenantSettings(zones=[PORT, MARKET]))
    return name


def a_city_at_work(tenant: str) -> None:
    reports, tenants = ReportRepository(), TenantRepository()
    filed = [
        file_report(reports, tenants, tenant, "alice", "plastic", lat, lng).report_id
        for lat, lng in ((31.51, 74.31), (31.51, 74.31), (31.56, 74.31), (31.60, 74.40))
    ]
    for voter, report_id in (("bob", filed[0]), ("carol", filed[0]), ("bob", filed[2])):
        cast_vote(reports, tenant, report_id, voter, agrees=voter == "bob")
    for report_id, target in ((filed[0], ReportStatus.VERIFIED), (filed[0], ReportStatus.RESOLVED)):
        reports.change_status(tenant, reports.get(tenant, report_id), target, "amina", "seen")
    reports.change_status(tenant, reports.get(tenant, filed[3]), ReportStatus.REJECTED, "amina", "outside the city")

    submissions, rewards = SubmissionRepository(), RewardRepository()
    UserRepository().ensure(tenant, "alice", "alice", None, ["citizen"])
    opened = []
    for n in range(4):
        upload = UploadKey(
            tenant=tenant, user_id="alice", submission_id=f"sub-{n}-{uuid.uuid4().hex[:6]}", photo="after"
        )
        submissions.create_pending(tenant, upload.submission_id, "alice", "cleanup", None)
        opened.append(upload)
    for upload in opened[:3]:
        assert submissions.mark_received(upload, f"uploads/{upload.submission_id}.jpg", "v1", VERDICT, {})
    assert submissions.mark_refused(opened[3], "uploads/x.jpg", "not a photo")
    approved = opened[0].submission_id
    grant = rewards.plan(submissions.get(tenant, approved), TenantSettings(), utcnow())
    submissions.decide(tenant, approved, Status.APPROVED, "clean", "model", grant)
    submissions.park_for_review(tenant, opened[1].submission_id, "token-1")
    submissions.decide(tenant, opened[1].submission_id, Status.REJECTED, "blurred", "amina")
    submissions.park_for_review(tenant, opened[2].submission_id, "token-2")
    second = rewards.plan(submissions.get(tenant, opened[2].submission_id), TenantSettings(), utcnow())
    submissions.decide(tenant, opened[2].submission_id, Status.APPROVED, "clean", "amina", second)
    assert rewards.record_payout(tenant, "alice", approved, "0x" + "ab" * 32)


def test_the_aggregates_follow_the_stream_equal_a_recount_and_a_replay_changes_nothing(
    tenant, dynamodb_endpoint, app_table
):
    a_city_at_work(tenant)
    today = utcnow().date()
    counted = recount(tenant, [today - timedelta(days=1), today])
    assert counted["totals"] == {
        "reports_created": 4, "reports_dispatched": 0, "reports_resolved": 1, "reports_rejected": 1, "votes": 3,
        "reports_confirmed": 0, "reports_merged": 0, "reports_reopened": 0,
        "submissions_received": 3, "submissions_approved": 2, "submissions_rejected": 1,
        "rewards_granted": 20, "rewards_minted": 10,
    }  # fmt: skip
    assert counted["zones"] == {"port": 2, "market": 1}
    before = aggregated(tenant, ["port", "market"])
    assert before == {"totals": dict.fromkeys(counted["totals"], 0), "zones": {}, "heat": {}}, "requests add nothing"

    records = stream_records(dynamodb_endpoint, app_table)
    assert add_to_aggregates(records) >= 4 + 3 + 2 + 3 + 3 + 2 + 1
    assert aggregated(tenant, ["port", "market"]) == counted

    assert add_to_aggregates(records) == 0, "every record was added already"
    assert aggregated(tenant, ["port", "market"]) == counted
