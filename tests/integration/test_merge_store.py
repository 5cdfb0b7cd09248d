"""The ``Merges`` adapter against moto and DynamoDB Local: a merge's transaction (and its sequence past 100 items),
votes that count once, the queue index ordered by priority, and a report stored before points were kept."""

import pytest

from ecopulse import priority
from ecopulse.duplicates import merge_reports
from ecopulse.fleet import NewVehicle
from ecopulse.reports import MergedReport, ReportStatus, cast_vote, dispatch_vehicle, file_report
from ecopulse.store import duplicates as duplicate_store
from ecopulse.store.duplicates import MergeRepository
from ecopulse.store.fleet import FleetRepository
from ecopulse.store.models import ReportCounters, ReportItem
from ecopulse.store.report_notices import FollowerRepository
from ecopulse.store.report_photos import ReportPhotoBoard
from ecopulse.store.reports import ReportRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.transactions import ConcurrentChange
from ecopulse.tenants import TenantSettings

pytestmark = pytest.mark.system
CANAL = (31.52, 74.36)
BOBS_PHOTO = "uploads/merges/bob/0123abcd-0001/report.jpg"
TENANT = "merges"


@pytest.fixture(scope="module")
def stores(app_table):
    tenants = TenantRepository()
    tenants.save(TENANT, TenantSettings())
    return ReportRepository(), MergeRepository(), FleetRepository(), FollowerRepository(), tenants


def _file(stores, reporter, tenant=TENANT, **options):
    reports, *_, tenants = stores
    return file_report(reports, tenants, tenant, reporter, "plastic", *CANAL, **options)


def test_a_merge_moves_votes_followers_and_photos_in_one_transaction(stores):
    reports, merges, fleet, followers, _ = stores
    master, duplicate = _file(stores, "alice"), _file(stores, "bob", photo_keys=[BOBS_PHOTO])
    cast_vote(reports, TENANT, master.report_id, "carol", agrees=True)
    for voter, agrees in (("carol", True), ("dan", False), ("alice", True)):
        cast_vote(reports, TENANT, duplicate.report_id, voter, agrees=agrees)
    followers.subscribe(TENANT, duplicate.report_id, "erin")
    fleet.add(TENANT, NewVehicle("truck-merge", "Truck"))
    dispatch_vehicle(reports, fleet, TENANT, duplicate.report_id, "truck-merge", "amina", None)

    merged = merge_reports(
        reports, merges, fleet, ReportPhotoBoard(), TENANT, duplicate.report_id, master.report_id, "amina", None
    )

    assert (merged.status, merged.merged_into) == (ReportStatus.DUPLICATE, master.report_id)
    kept = reports.get(TENANT, master.report_id)
    assert (kept.votes_up, kept.votes_down, kept.duplicates_merged, kept.photo_keys) == (1, 1, 1, (BOBS_PHOTO,))
    assert kept.priority_points == 2 + 1 + (0 - 1) + priority.WITNESS_POINTS
    assert sorted(followers.voters(TENANT, master.report_id)) == ["carol", "dan"]
    assert sorted(followers.subscribers(TENANT, master.report_id)) == ["bob", "erin"]
    assert fleet.get(TENANT, "truck-merge").status == "available"
    assert [e.action for e in reports.history(TENANT, duplicate.report_id)][-1] == "duplicate"
    assert [(e.action, e.old) for e in reports.history(TENANT, master.report_id)][-1] == (
        "merged", duplicate.report_id,
    )  # fmt: skip
    with pytest.raises(MergedReport):
        cast_vote(reports, TENANT, duplicate.report_id, "frank", agrees=True)
    again = merge_reports(
        reports, merges, fleet, ReportPhotoBoard(), TENANT, duplicate.report_id, master.report_id, "amina", None
    )
    assert again == merged and reports.get(TENANT, master.report_id) == kept


def test_a_merge_past_one_transactions_items_is_written_in_steps_and_counts_each_vote_once(stores, monkeypatch):
    reports, merges, fleet, followers, _ = stores
    master, duplicate = _file(stores, "alice"), _file(stores, "bob")
    for number in range(7):
        cast_vote(reports, TENANT, duplicate.report_id, f"voter-{number}", agrees=True)
    monkeypatch.setattr(duplicate_store, "TRANSACTION_ITEMS", 7)

    merge_reports(
        reports, merges, fleet, ReportPhotoBoard(), TENANT, duplicate.report_id, master.report_id, "amina", None
    )

    kept = reports.get(TENANT, master.report_id)
    assert (kept.votes_up, kept.priority_points) == (7, 2 + 7 + priority.WITNESS_POINTS)
    assert len(followers.voters(TENANT, master.report_id)) == 7


def test_the_queue_lists_a_status_by_priority_and_a_vote_moves_a_report_up(stores):
    reports, merges, *_ = stores
    city = "queue-order"
    first, second = _file(stores, "q1", city), _file(stores, "q2", city)
    urgent = _file(stores, "q3", city, priority="urgent")

    def queue() -> list[str]:
        return [r.report_id for r in merges.by_priority(city, ReportStatus.SUBMITTED, 100, None).items]

    assert queue() == [urgent.report_id, first.report_id, second.report_id]
    cast_vote(reports, city, second.report_id, "q4", agrees=True)
    assert queue() == [urgent.report_id, second.report_id, first.report_id]


def test_a_report_stored_before_points_were_kept_gets_them_with_its_first_vote(stores):
    reports, merges, *_ = stores
    legacy = _file(stores, "old-timer", priority="high")
    ReportCounters(*ReportItem.keys(TENANT, legacy.report_id)).update(
        actions=[ReportCounters.priority_points.remove(), ReportCounters.queue_rank.remove()]
    )
    assert reports.get(TENANT, legacy.report_id).priority_points is None
    counted = cast_vote(reports, TENANT, legacy.report_id, "neighbour", agrees=True)
    assert counted.priority_points == reports.get(TENANT, legacy.report_id).priority_points == 6
    listed = merges.by_priority(TENANT, ReportStatus.SUBMITTED, 100, None).items
    assert legacy.report_id in {r.report_id for r in listed}


def test_the_backfill_ranks_open_reports_stored_before_points_were_kept_once(stores):
    reports, merges, *_ = stores
    city = "queue-backfill"
    legacy, ranked = _file(stores, "older-timer", city, priority="urgent"), _file(stores, "newer", city)
    ReportCounters(*ReportItem.keys(city, legacy.report_id)).update(
        actions=[ReportCounters.priority_points.remove(), ReportCounters.queue_rank.remove()]
    )
    assert [r.report_id for r in merges.by_priority(city, ReportStatus.SUBMITTED, 10, None).items] == [ranked.report_id]
    assert duplicate_store.rank_unranked(city) == 1
    assert duplicate_store.rank_unranked(city) == 0
    assert reports.get(city, legacy.report_id).priority_points == 10
    assert [r.report_id for r in merges.by_priority(city, ReportStatus.SUBMITTED, 10, None).items] == [
        legacy.report_id, ranked.report_id,
    ]  # fmt: skip


def test_a_merge_in_steps_repeated_after_a_failure_adds_only_what_is_missing(stores, monkeypatch):
    reports, merges, fleet, followers, _ = stores
    master, duplicate = _file(stores, "alice"), _file(stores, "bob")
    for number in range(7):
        cast_vote(reports, TENANT, duplicate.report_id, f"again-{number}", agrees=True)
    monkeypatch.setattr(duplicate_store, "TRANSACTION_ITEMS", 7)
    write = MergeRepository._write

    def lost_before_the_status_change(self, tenant, master, moves, plan=None, actor=""):
        if plan is not None:
            raise ConcurrentChange("the connection dropped")
        return write(self, tenant, master, moves, plan, actor)

    monkeypatch.setattr(MergeRepository, "_write", lost_before_the_status_change)
    with pytest.raises(ConcurrentChange):
        merge_reports(
            reports, merges, fleet, ReportPhotoBoard(), TENANT, duplicate.report_id, master.report_id, "amina", None
        )
    assert reports.get(TENANT, duplicate.report_id).status == ReportStatus.SUBMITTED
    monkeypatch.setattr(MergeRepository, "_write", write)

    merge_reports(
        reports, merges, fleet, ReportPhotoBoard(), TENANT, duplicate.report_id, master.report_id, "amina", None
    )

    kept = reports.get(TENANT, master.report_id)
    assert (kept.votes_up, kept.priority_points) == (7, 2 + 7 + priority.WITNESS_POINTS)
    assert reports.get(TENANT, duplicate.report_id).merged_into == master.report_id
