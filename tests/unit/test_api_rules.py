"""Rules the API enforces, in the domain: no vote on your own report, no admin disabling themselves, thresholds
in order; and each refusal as the API answers it, through the routes with their repositories faked."""

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import (
    report_repository,
    tenant_repository,
    user_pool,
    user_repository,
    versioned_settings,
)
from ecopulse.reports import OwnReportVote, check_vote
from ecopulse.tenants import InvalidThresholds, TenantSettings, check_policy
from ecopulse.uploads import ForeignPhoto, check_report_photos
from ecopulse.users import SelfDisable, check_status_change
from tests.unit.function_apps import signed_in_client
from tests.unit.user_fakes import MemoryUsers

ROOT = Path(__file__).resolve().parents[2]


def test_a_reporter_cannot_vote_on_their_own_report():
    with pytest.raises(OwnReportVote):
        check_vote("alice", "alice")
    check_vote("alice", "bob")


@pytest.mark.parametrize(
    "key",
    [
        "uploads/lahore/bob/0123abcd-0000/report.jpg",
        "uploads/karachi/alice/0123abcd-0000/report.jpg",
        "uploads/lahore/alice/0123abcd-0000/after.jpg",
    ],
    ids=["another citizen's", "another city's", "a cleanup's"],
)
def test_a_report_shows_only_its_reporters_own_report_photos(key):
    with pytest.raises(ForeignPhoto):
        check_report_photos("lahore", "alice", ["uploads/lahore/alice/0123abcd-0000/report.jpg", key])
    check_report_photos("lahore", "alice", ["uploads/lahore/alice/0123abcd-0000/report.heic"])


def test_an_admin_may_disable_anyone_but_themselves():
    with pytest.raises(SelfDisable):
        check_status_change("amina", "amina", active=False)
    check_status_change("amina", "amina", active=True)
    check_status_change("amina", "bob", active=False)


@pytest.mark.parametrize(("reject", "approve", "refused"), [(0.3, 0.2, True), (0.2, 0.2, False), (0.0, 1.0, False)])
def test_a_confidence_cannot_be_both_rejected_and_approved(reject, approve, refused):
    settings = TenantSettings(auto_reject_confidence=reject, auto_approve_confidence=approve)
    if refused:
        with pytest.raises(InvalidThresholds):
            check_policy(settings)
    else:
        check_policy(settings)


def client(function: str, user: str, group: Group, overrides: dict | None = None) -> TestClient:
    """The function's app as ``user``, with the ports in ``overrides`` (provider: fake) replaced."""
    return signed_in_client(function, user, group, {user_repository: MemoryUsers(), **(overrides or {})})


class Report:
    reporter_id = "alice"


class FakeReports:
    def get(self, tenant: str, report_id: str) -> Report:
        return Report()

    def vote(self, *arguments):
        raise AssertionError("a refused vote is never stored")


class Nobody:
    def __getattr__(self, name):
        raise AssertionError(f"a refused change never reaches the store ({name})")


def test_the_api_refuses_a_vote_on_your_own_report():
    reports_client = client("reports_api", "alice", Group.CITIZEN, {report_repository: FakeReports()})
    answer = reports_client.post("/reports/r-1/votes", json={"agrees": True})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "own_report")


def test_the_api_refuses_an_admin_disabling_themselves():
    users = MemoryUsers()
    admin_client = client("accounts_api", "amina", Group.ADMIN, {user_repository: users, user_pool: Nobody()})
    answer = admin_client.patch("/admin/users/amina", json={"active": False})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "cannot_disable_self")
    assert users.get("lahore", "amina").active


def test_the_api_refuses_thresholds_out_of_order():
    settings = TenantSettings(auto_reject_confidence=0.5, auto_approve_confidence=0.4).model_dump(mode="json")
    admin_client = client("admin_api", "amina", Group.ADMIN, {versioned_settings: Nobody()})
    answer = admin_client.put("/admin/settings", json=settings)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_thresholds")


def test_the_api_refuses_a_report_showing_another_citizens_photo():
    overrides = {report_repository: Nobody(), tenant_repository: Nobody()}
    body = {
        "waste_type": "paper",
        "lat": 31.5,
        "lng": 74.3,
        "photo_keys": ["uploads/lahore/bob/0123abcd-0000/report.jpg"],
    }
    answer = client("reports_api", "alice", Group.CITIZEN, overrides).post("/reports", json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_photo")
