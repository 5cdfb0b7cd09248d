"""Duplicates and corroboration in process: the priority rule, possible duplicates on filing, the merge rules and
every refusal of the merge route, with in-memory ports (``ecopulse.duplicates``, ``ecopulse.priority``)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ecopulse import priority
from ecopulse.api.auth import Group
from ecopulse.api.dependencies import (
    fleet_repository,
    follower_repository,
    merge_repository,
    report_repository,
    tenant_repository,
    user_repository,
)
from ecopulse.duplicates import (
    AlreadyMerged,
    CategoryMismatch,
    MasterNotOpen,
    MergeIntoItself,
    MergePlan,
    ReportSide,
    file_report_finding_duplicates,
    merge_reports,
    plan_merge,
)
from ecopulse.fleet import NewVehicle
from ecopulse.paging import Page
from ecopulse.privacy import Viewer, view_report
from ecopulse.report_notices import ReportChange, follow, message_text
from ecopulse.report_photos import PhotoResult, PhotoStatus, publish
from ecopulse.reports import (
    HistoryEntry,
    InvalidReportTransition,
    MergedReport,
    Report,
    ReportNotFound,
    ReportStatus,
    cast_vote,
    change_status,
    dispatch_vehicle,
    file_report,
)
from ecopulse.store.transactions import ConcurrentChange
from ecopulse.tenants import TenantSettings
from tests.unit.function_apps import signed_in_client
from tests.unit.notice_fakes import MemoryFollowers
from tests.unit.report_photo_fakes import MemoryBoard as PhotoRecords
from tests.unit.test_fleet import MemoryFleet
from tests.unit.test_reports import MemoryReports, MemoryTenants
from tests.unit.user_fakes import MemoryUsers

CANAL = (31.52, 74.36)
# About 22 m north of the canal, and about 220 m.
NEXT_TO_IT = (31.5202, 74.36)
DOWN_THE_ROAD = (31.522, 74.36)
STAFF = Viewer("amina", staff=True)
BOBS_PHOTO = "uploads/lahore/bob/0123abcd-0001/report.jpg"
ALICES_PHOTO = "uploads/lahore/alice/0123abcd-0000/report.jpg"


class MemoryBoard(MemoryReports):
    """``Reports`` and ``Merges`` in memory over the same reports: votes with their value, followers (shared with
    a ``MemoryFollowers``), points as the adapter keeps them, and the queue by rank."""

    def __init__(self, followers: MemoryFollowers) -> None:
        super().__init__()
        self.followers = followers
        self.ballots: dict[tuple[str, str], dict[str, bool]] = {}

    def create(self, tenant, new):
        report = super().create(tenant, new)
        stored = replace(report, priority_points=priority.base_points(new.priority))
        self.reports[(tenant, new.report_id)] = stored
        return stored

    def vote(self, tenant, report, voter_id, agrees):
        counted = super().vote(tenant, report, voter_id, agrees)
        self.ballots.setdefault((tenant, report.report_id), {})[voter_id] = agrees
        counted = replace(counted, priority_points=priority.points_of(report) + (1 if agrees else -1))
        self.reports[(tenant, report.report_id)] = counted
        self.followers.votes.setdefault((tenant, report.report_id), []).append(voter_id)
        return counted

    def side(self, tenant, report_id):
        return ReportSide(
            self.get(tenant, report_id),
            dict(self.ballots.get((tenant, report_id), {})),
            frozenset(self.followers.subscribers(tenant, report_id)),
        )

    def merge(self, tenant: str, plan: MergePlan, actor: str) -> None:
        duplicate, master = self.get(tenant, plan.duplicate.report_id), self.get(tenant, plan.master.report_id)
        if duplicate.version != plan.duplicate.version:
            raise ConcurrentChange(duplicate.report_id)
        for voter, agrees in plan.votes:
            self.ballots.setdefault((tenant, master.report_id), {})[voter] = agrees
            self.voters.add((tenant, master.report_id, voter))
            self.followers.votes.setdefault((tenant, master.report_id), []).append(voter)
        for person in plan.followers:
            self.followers.subscribe(tenant, master.report_id, person)
        now = self._now()
        self.reports[(tenant, master.report_id)] = replace(
            master,
            votes_up=master.votes_up + plan.votes_up,
            votes_down=master.votes_down + plan.votes_down,
            priority_points=priority.points_of(master) + plan.points_added,
            duplicates_merged=master.duplicates_merged + 1,
            photo_keys=master.photo_keys + plan.photo_keys,
        )
        self.reports[(tenant, duplicate.report_id)] = replace(
            duplicate, status=ReportStatus.DUPLICATE, merged_into=master.report_id, version=duplicate.version + 1
        )
        self.trails[(tenant, duplicate.report_id)].append(
            HistoryEntry(now, actor, "duplicate", duplicate.status, "duplicate", f"merged into {master.report_id}")
        )
        self.trails[(tenant, master.report_id)].append(
            HistoryEntry(now, actor, "merged", duplicate.report_id, master.report_id, plan.reason)
        )

    def by_priority(self, tenant: str, status: ReportStatus, limit: int, cursor: str | None) -> Page[Report]:
        found = [report for report in self._of(tenant) if report.status == status]
        found.sort(key=lambda report: priority.queue_rank(report.created_at, priority.points_of(report)))
        return Page(found[:limit], None)


@pytest.fixture
def followers() -> MemoryFollowers:
    return MemoryFollowers()


@pytest.fixture
def board(followers) -> MemoryBoard:
    return MemoryBoard(followers)


@pytest.fixture
def tenants() -> MemoryTenants:
    tenants = MemoryTenants()
    tenants.save("lahore", TenantSettings())
    return tenants


@pytest.fixture
def fleet(board) -> MemoryFleet:
    fleet = MemoryFleet(board.dispatched)
    fleet.add("lahore", NewVehicle("truck-7", "Truck 7"))
    return fleet


def filed(board, tenants, reporter="alice", waste_type="plastic", place=CANAL, **options) -> Report:
    return file_report(board, tenants, "lahore", reporter, waste_type, *place, **options)


def merge(board, fleet, duplicate: Report, master: Report, reason: str | None = None, photos=None) -> Report:
    photos = PhotoRecords() if photos is None else photos
    return merge_reports(board, board, fleet, photos, "lahore", duplicate.report_id, master.report_id, "amina", reason)


# --- the priority rule -----------------------------------------------------------------------------------------


def test_points_are_the_base_priority_plus_agreeing_minus_disputing_votes_plus_two_per_witness():
    assert [priority.points(level, 0, 0) for level in ("low", "normal", "high", "urgent")] == [0, 2, 5, 10]
    assert priority.points("normal", votes_up=4, votes_down=1, witnesses=2) == 2 + 4 - 1 + 4


def test_a_day_of_waiting_is_worth_one_point_so_the_queue_order_never_changes_with_the_clock():
    monday = datetime(2026, 12, 7, 9, tzinfo=UTC)
    older, corroborated = (monday, 2), (monday + timedelta(days=2), 5)
    assert priority.queue_rank(*corroborated) < priority.queue_rank(*older)
    for later in (monday + timedelta(days=3), monday + timedelta(days=30)):
        assert priority.score(5, corroborated[0], later) > priority.score(2, older[0], later)
    assert priority.score(2, monday, monday + timedelta(days=3)) == 5
    assert priority.queue_rank(monday, 3) - priority.queue_rank(monday, 2) == priority.rank_change(1)


def test_a_report_stored_before_points_were_kept_has_the_rules_points():
    legacy = replace(_report("old", "alice"), priority="high", votes_up=3, votes_down=1, priority_points=None)
    assert priority.points_of(legacy) == 7


def test_votes_move_a_report_up_the_queue(board, tenants):
    first = filed(board, tenants)
    second = filed(board, tenants)
    assert [r.report_id for r in board.by_priority("lahore", ReportStatus.SUBMITTED, 10, None).items] == [
        first.report_id, second.report_id,
    ]  # fmt: skip
    assert cast_vote(board, "lahore", second.report_id, "bob", agrees=True).priority_points == 3
    assert cast_vote(board, "lahore", first.report_id, "carol", agrees=False).priority_points == 1
    assert [r.report_id for r in board.by_priority("lahore", ReportStatus.SUBMITTED, 10, None).items] == [
        second.report_id, first.report_id,
    ]  # fmt: skip


# --- possible duplicates ---------------------------------------------------------------------------------------


def test_filing_finds_the_open_reports_of_its_category_within_the_citys_distance(board, tenants, fleet):
    near = filed(board, tenants, "alice")
    filed(board, tenants, "carol", place=DOWN_THE_ROAD)
    filed(board, tenants, "dan", waste_type="glass")
    closed = filed(board, tenants, "erin")
    change_status(board, fleet, "lahore", closed.report_id, ReportStatus.RESOLVED, "amina", "gone")
    report, duplicates = file_report_finding_duplicates(board, tenants, "lahore", "bob", "plastic", *NEXT_TO_IT, STAFF)
    assert board.get("lahore", report.report_id).status == ReportStatus.SUBMITTED
    assert [(view.report_id, round(distance)) for view, distance in duplicates] == [(near.report_id, 22)]
    tenants.save("lahore", TenantSettings(duplicate_distance_m=500))
    _, wider = file_report_finding_duplicates(board, tenants, "lahore", "bob", "plastic", *NEXT_TO_IT, STAFF)
    assert near.report_id in {view.report_id for view, _ in wider} and len(wider) == 3


def test_a_citizen_is_shown_a_possible_duplicate_as_other_citizens_see_it(board, tenants):
    filed(board, tenants, "alice", description="bags", photo_keys=[ALICES_PHOTO])
    _, duplicates = file_report_finding_duplicates(
        board, tenants, "lahore", "bob", "plastic", *NEXT_TO_IT, Viewer("bob", staff=False)
    )
    ((view, distance),) = duplicates
    assert (view.reporter_id, view.photo_keys, view.exact) == (None, (), False)
    assert view.created_at.minute == 0


# --- the merge rules -------------------------------------------------------------------------------------------


def _report(report_id: str, reporter: str, **fields) -> Report:
    moment = datetime(2026, 12, 7, 9, tzinfo=UTC)
    report = Report(
        report_id, reporter, "plastic", ReportStatus.SUBMITTED, *CANAL, "ttsgdp", None, None, None, (), "normal",
        None, None, 0, 0, None, moment, moment, 1,
    )  # fmt: skip
    return replace(report, **fields)


def test_a_citizen_who_voted_on_both_counts_once_and_the_masters_reporter_never_on_their_own():
    master = ReportSide(_report("m", "alice"), {"carol": True}, frozenset({"frank"}))
    duplicate = ReportSide(
        _report("d", "bob", photo_keys=(BOBS_PHOTO,)),
        {"carol": False, "alice": True, "dan": True, "erin": False},
        frozenset({"frank", "gina"}),
    )
    plan = plan_merge(duplicate, master, None)
    assert plan.votes == (("dan", True), ("erin", False))
    assert plan.followers == ("bob", "gina")
    assert plan.photo_keys == (BOBS_PHOTO,)
    assert plan.witness and plan.points_added == 1 - 1 + priority.WITNESS_POINTS


def test_a_duplicates_reporter_who_corroborated_the_master_already_is_no_second_witness():
    master = ReportSide(_report("m", "alice"), {"bob": True})
    plan = plan_merge(ReportSide(_report("d", "bob")), master, None)
    assert not plan.witness and plan.points_added == 0 and plan.followers == ("bob",)
    own = plan_merge(ReportSide(_report("d", "alice")), ReportSide(_report("m", "alice")), None)
    assert not own.witness and own.followers == ()


MERGED = {"status": ReportStatus.DUPLICATE, "merged_into": "x"}


@pytest.mark.parametrize(
    ("duplicate", "master", "refusal"),
    [
        (_report("d", "bob"), _report("d", "bob"), MergeIntoItself),
        (_report("d", "bob"), _report("m", "alice", status=ReportStatus.RESOLVED), MasterNotOpen),
        (_report("d", "bob"), _report("m", "alice", **MERGED), MasterNotOpen),
        (_report("d", "bob", status=ReportStatus.REJECTED), _report("m", "alice"), InvalidReportTransition),
        (_report("d", "bob", waste_type="glass"), _report("m", "alice"), CategoryMismatch),
        (_report("d", "bob", **MERGED), _report("m", "alice"), AlreadyMerged),
    ],
    ids=["into itself", "into a closed one", "into a duplicate", "a closed one", "another category", "merged"],
)
def test_a_merge_is_refused(duplicate, master, refusal):
    with pytest.raises(refusal):
        plan_merge(ReportSide(duplicate), ReportSide(master), None)


def test_reports_of_different_categories_merge_when_staff_say_why():
    plan = plan_merge(
        ReportSide(_report("d", "bob", waste_type="glass")), ReportSide(_report("m", "alice")), "one pile"
    )
    assert plan is not None and plan.reason == "one pile"


def test_merging_into_the_same_master_again_changes_nothing():
    duplicate = _report("d", "bob", status=ReportStatus.DUPLICATE, merged_into="m")
    assert plan_merge(ReportSide(duplicate), ReportSide(_report("m", "alice")), None) is None


def test_a_merge_moves_votes_followers_and_photos_and_the_duplicate_names_its_master(board, tenants, fleet, followers):
    master = filed(board, tenants, "alice", photo_keys=[ALICES_PHOTO])
    duplicate = filed(board, tenants, "bob", place=NEXT_TO_IT, photo_keys=[BOBS_PHOTO])
    cast_vote(board, "lahore", master.report_id, "carol", agrees=True)
    for voter, agrees in (("carol", True), ("dan", True), ("alice", True)):
        cast_vote(board, "lahore", duplicate.report_id, voter, agrees=agrees)
    follow(board, followers, "lahore", duplicate.report_id, "erin")
    dispatch_vehicle(board, fleet, "lahore", duplicate.report_id, "truck-7", "amina", None)

    merged = merge(board, fleet, board.get("lahore", duplicate.report_id), master)

    assert (merged.status, merged.merged_into) == (ReportStatus.DUPLICATE, master.report_id)
    kept = board.get("lahore", master.report_id)
    assert (kept.votes_up, kept.votes_down, kept.duplicates_merged) == (2, 0, 1)
    assert kept.priority_points == 2 + 2 + priority.WITNESS_POINTS
    assert kept.photo_keys == (ALICES_PHOTO, BOBS_PHOTO)
    assert set(followers.subscribers("lahore", master.report_id)) == {"bob", "erin"}
    assert fleet.get("lahore", "truck-7").status == "available"
    assert [e.action for e in board.history("lahore", duplicate.report_id)][-1] == "duplicate"
    assert [e.action for e in board.history("lahore", master.report_id)][-1] == "merged"
    assert merge(board, fleet, duplicate, master) == board.get("lahore", duplicate.report_id)


def test_the_master_shows_the_moved_photos_result_now_and_a_verdict_that_arrives_later(
    board, tenants, fleet, followers
):
    master = filed(board, tenants, "alice")
    duplicate = filed(board, tenants, "bob", place=NEXT_TO_IT, photo_keys=[BOBS_PHOTO])
    photos = PhotoRecords()
    photos.name_in_report(BOBS_PHOTO, duplicate.report_id)
    merge(board, fleet, duplicate, master, photos=photos)
    assert photos.records[BOBS_PHOTO]["report_ids"] == {duplicate.report_id, master.report_id}
    verdict = PhotoResult(PhotoStatus.VERIFIED, "v1", "e1", ai_type="plastic", ai_confidence=0.9, revision=1)
    publish(photos, BOBS_PHOTO, verdict, None)
    assert photos.reports[master.report_id][BOBS_PHOTO] == verdict


def test_a_duplicate_takes_no_votes_follows_or_status_changes(board, tenants, fleet, followers):
    master, duplicate = filed(board, tenants, "alice"), filed(board, tenants, "bob", place=NEXT_TO_IT)
    merge(board, fleet, duplicate, master)
    with pytest.raises(MergedReport) as refused:
        cast_vote(board, "lahore", duplicate.report_id, "carol", agrees=True)
    assert refused.value.details == [{"merged_into": master.report_id}]
    with pytest.raises(MergedReport):
        follow(board, followers, "lahore", duplicate.report_id, "carol")
    with pytest.raises(InvalidReportTransition):
        change_status(board, fleet, "lahore", master.report_id, ReportStatus.DUPLICATE, "amina", "by hand")


def test_a_merge_across_cities_finds_no_report(board, tenants, fleet):
    master = filed(board, tenants, "alice")
    duplicate = file_report(board, tenants, "karachi", "omar", "plastic", *CANAL)
    with pytest.raises(ReportNotFound):
        merge(board, fleet, duplicate, master)


def test_followers_of_a_duplicate_are_told_it_was_merged():
    change = ReportChange("lahore", "d", "e1", datetime(2026, 12, 7, tzinfo=UTC), "amina", "duplicate", "submitted",
                          "duplicate", "merged into m")  # fmt: skip
    title, body = message_text(change, "plastic", is_reporter=False)
    assert title == "Report merged" and "merged into another report" in body


def test_a_reporter_sees_their_own_photos_of_a_merged_report_and_staff_see_all():
    report = _report("m", "alice", photo_keys=(ALICES_PHOTO, BOBS_PHOTO))
    assert view_report(report, Viewer("alice", staff=False)).photo_keys == (ALICES_PHOTO,)
    assert view_report(report, STAFF).photo_keys == (ALICES_PHOTO, BOBS_PHOTO)


# --- the routes ------------------------------------------------------------------------------------------------


def _client(board, tenants, fleet, followers, user="amina", group=Group.ADMIN, tenant="lahore"):
    ports = {
        report_repository: board,
        merge_repository: board,
        tenant_repository: tenants,
        fleet_repository: fleet,
        follower_repository: followers,
        user_repository: MemoryUsers(),
    }
    function = "admin_api" if group is Group.ADMIN else "reports_api"
    return signed_in_client(function, user, group, ports, tenant=tenant)


def test_filing_answers_with_the_possible_duplicates(board, tenants, fleet, followers):
    first = filed(board, tenants, "alice")
    bob = _client(board, tenants, fleet, followers, "bob", Group.CITIZEN)
    answer = bob.post("/reports", json={"waste_type": "plastic", "lat": NEXT_TO_IT[0], "lng": NEXT_TO_IT[1]})
    assert answer.status_code == 201, answer.text
    (possible,) = answer.json()["possible_duplicates"]
    assert (possible["report_id"], possible["status"], possible["category"]) == (
        first.report_id,
        "submitted",
        "plastic",
    )
    assert possible["distance_m"] < 130


def test_the_queue_lists_a_status_most_urgent_first(board, tenants, fleet, followers):
    first, second = filed(board, tenants, "alice"), filed(board, tenants, "carol", priority="urgent")
    listed = _client(board, tenants, fleet, followers, "bob", Group.CITIZEN).get(
        "/reports", params={"status": "submitted", "order": "priority"}
    )
    assert [r["report_id"] for r in listed.json()["items"]] == [second.report_id, first.report_id]
    assert listed.json()["items"][0]["priority_points"] == 10


def test_an_admin_merges_and_the_duplicate_answers_with_its_master(board, tenants, fleet, followers):
    master, duplicate = filed(board, tenants, "alice"), filed(board, tenants, "bob", place=NEXT_TO_IT)
    admin = _client(board, tenants, fleet, followers)
    answer = admin.post(f"/admin/reports/{duplicate.report_id}/merge", json={"into": master.report_id})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["merged_into"]) == ("duplicate", master.report_id)
    again = admin.post(f"/admin/reports/{duplicate.report_id}/merge", json={"into": master.report_id})
    assert (again.status_code, again.json()["merged_into"]) == (200, master.report_id)
    carol = _client(board, tenants, fleet, followers, "carol", Group.CITIZEN)
    assert carol.get(f"/reports/{duplicate.report_id}").json()["merged_into"] == master.report_id
    for refused in (
        carol.post(f"/reports/{duplicate.report_id}/votes", json={"agrees": True}),
        carol.post(f"/reports/{duplicate.report_id}/subscription"),
    ):
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "merged"
        assert refused.json()["error"]["details"] == [{"merged_into": master.report_id}]


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ("itself", 422, "merge_into_self"),
        ("closed master", 409, "master_closed"),
        ("other category", 409, "category_mismatch"),
        ("merged elsewhere", 409, "already_merged"),
        ("closed duplicate", 409, "invalid_transition"),
        ("other city", 404, "report_not_found"),
        ("no such master", 404, "report_not_found"),
    ],
)
def test_the_merge_route_refuses(board, tenants, fleet, followers, setup, status, code):
    master = filed(board, tenants, "alice")
    duplicate = filed(board, tenants, "bob", waste_type="glass" if setup == "other category" else "plastic")
    into = master.report_id
    if setup == "itself":
        into = duplicate.report_id
    elif setup == "closed master":
        change_status(board, fleet, "lahore", master.report_id, ReportStatus.RESOLVED, "amina", "gone")
    elif setup == "merged elsewhere":
        merge(board, fleet, duplicate, filed(board, tenants, "carol"))
    elif setup == "closed duplicate":
        change_status(board, fleet, "lahore", duplicate.report_id, ReportStatus.REJECTED, "amina", "spam")
    elif setup == "other city":
        into = file_report(board, tenants, "karachi", "omar", "plastic", *CANAL).report_id
    elif setup == "no such master":
        into = "no-such-report"
    before = board.get("lahore", duplicate.report_id)
    answer = _client(board, tenants, fleet, followers).post(
        f"/admin/reports/{duplicate.report_id}/merge", json={"into": into}
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    if setup != "merged elsewhere":
        assert board.get("lahore", duplicate.report_id) == before


def test_a_citizen_cannot_merge(board, tenants, fleet, followers):
    master, duplicate = filed(board, tenants, "alice"), filed(board, tenants, "bob")
    ports = {report_repository: board, merge_repository: board, fleet_repository: fleet, user_repository: MemoryUsers()}
    citizen = signed_in_client("admin_api", "carol", Group.CITIZEN, ports)
    answer = citizen.post(f"/admin/reports/{duplicate.report_id}/merge", json={"into": master.report_id})
    assert answer.status_code == 403
    assert board.get("lahore", duplicate.report_id).status == ReportStatus.SUBMITTED


def test_a_different_category_merges_with_a_reason(board, tenants, fleet, followers):
    master, duplicate = filed(board, tenants, "alice"), filed(board, tenants, "bob", waste_type="glass")
    answer = _client(board, tenants, fleet, followers).post(
        f"/admin/reports/{duplicate.report_id}/merge", json={"into": master.report_id, "reason": "one pile"}
    )
    assert (answer.status_code, answer.json()["status"]) == (200, "duplicate")
