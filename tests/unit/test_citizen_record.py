"""A citizen's record for the city's admins, in process: profile, reports, cleanups and how they were decided,
rewards and near-duplicate matches, with every refusal of the route."""

from datetime import UTC, datetime

import pytest

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import (
    community_repository,
    report_repository,
    submission_repository,
    user_repository,
)
from ecopulse.citizen_record import DuplicateMatch, citizen_record
from ecopulse.community import LedgerEntry
from ecopulse.reports import NewReport
from ecopulse.submissions import Status
from tests.unit.function_apps import signed_in_client
from tests.unit.submission_fakes import MemorySubmissions, a_submission
from tests.unit.test_people import MemoryCommunity
from tests.unit.test_reports import MemoryReports
from tests.unit.user_fakes import MemoryUsers

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
MATCHED = {
    "signals": [
        {"name": "near_duplicate", "flagged": True, "value": {"matches": [
            {"submission_id": "sub-old", "photo_key": "uploads/lahore/bob/old/after.jpg", "distance": 3},
        ]}},
    ]
}  # fmt: skip


@pytest.fixture
def ports() -> dict[object, object]:
    users, reports, submissions, community = MemoryUsers(), MemoryReports(), MemorySubmissions(), MemoryCommunity()
    users.ensure("lahore", "alice", "alice", "alice@example.org", ["citizen"])
    users.ensure("karachi", "zara", "zara", None, ["citizen"])
    reports.create("lahore", NewReport("r-1", "alice", "plastic", 31.52, 74.36, "bags", None, (), "high", None))
    reports.create("lahore", NewReport("r-2", "bob", "glass", 31.52, 74.36, None, None, (), "normal", None))
    submissions.add(a_submission("s-1", status=Status.APPROVED, verdict=MATCHED))
    submissions.add(a_submission("s-2", status=Status.REJECTED, rejection_reason="the same photo as before"))
    submissions.add(a_submission("s-3", status=Status.IN_REVIEW))
    submissions.add(a_submission("s-bob", user_id="bob", status=Status.APPROVED))
    community.ledgers[("lahore", "alice")] = [LedgerEntry("s-1", 10, "cleanup approved", "pending", None, NOW)]
    return {
        user_repository: users,
        report_repository: reports,
        submission_repository: submissions,
        community_repository: community,
    }


def test_the_record_holds_the_citizens_own_reports_cleanups_rewards_and_matches(ports):
    record = citizen_record(
        ports[user_repository], ports[report_repository], ports[submission_repository],  # type: ignore[arg-type]
        ports[community_repository], "lahore", "alice",  # type: ignore[arg-type]
    )  # fmt: skip
    assert [report.report_id for report in record.reports] == ["r-1"]
    assert sorted(s.submission_id for s in record.submissions) == ["s-1", "s-2", "s-3"]
    assert (record.approved, record.rejected) == (1, 1)
    assert record.duplicates == [DuplicateMatch("s-1", "sub-old", 3)]
    assert [entry.submission_id for entry in record.rewards] == ["s-1"]


def test_an_admin_reads_a_citizens_record(ports):
    answer = signed_in_client("admin_api", "amina", Group.ADMIN, ports).get("/admin/users/alice/record")
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert record["profile"]["email"] == "alice@example.org"
    assert [report["report_id"] for report in record["reports"]] == ["r-1"]
    assert record["reports"][0]["priority"] == "high"
    assert (record["approved"], record["rejected"]) == (1, 1)
    assert record["duplicates"] == [{"submission_id": "s-1", "matched_submission_id": "sub-old", "distance": 3}]
    assert record["rewards"][0]["amount"] == 10
    rejected = next(s for s in record["submissions"] if s["submission_id"] == "s-2")
    assert rejected["rejection_reason"] == "the same photo as before"


@pytest.mark.parametrize("group", [Group.CITIZEN, Group.DRIVER])
def test_only_admins_read_a_record(ports, group):
    answer = signed_in_client("admin_api", "bob", group, ports).get("/admin/users/alice/record")
    assert answer.status_code == 403, answer.text


@pytest.mark.parametrize("user_id", ["zara", "nobody"], ids=["another city's user", "unknown user"])
def test_a_user_outside_the_city_is_not_found(ports, user_id):
    answer = signed_in_client("admin_api", "amina", Group.ADMIN, ports).get(f"/admin/users/{user_id}/record")
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "user_not_found"
