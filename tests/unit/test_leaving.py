"""Leaving, in process: what ``DELETE /me`` erases, what it keeps under a pseudonym, and that asking twice is
harmless. In-memory ports stand in for the table, the uploads bucket and the user pool, injected into the me routes
through FastAPI's dependency overrides."""

import importlib.util
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecopulse.api.auth import Caller, Group, current_caller
from ecopulse.api.dependencies import device_repository, personal_data, photo_originals, push, sign_ins, user_repository
from ecopulse.leaving import DELETION_RECORD_RETENTION, AccountDeleted, Erasure, leave, originals_prefix
from ecopulse.report_notices import Platform, register_device
from ecopulse.report_photos import copies_prefix
from ecopulse.users import User
from tests.unit.function_apps import signed_in_client
from tests.unit.notice_fakes import MemoryDevices, MemoryPush
from tests.unit.user_fakes import MemoryUsers

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
APPROVED = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # a reward granted in November's first ISO week
BUCKET = "uploads-bucket"


class ErasableUsers(MemoryUsers):
    """Profiles as the adapter keeps them: an erased account's token gets no new one."""

    def __init__(self) -> None:
        super().__init__()
        self.erased: set[tuple[str, str]] = set()

    def ensure(self, tenant: str, user_id: str, username: str, email: str | None, groups: Sequence[str]) -> User:
        if (tenant, user_id) not in self.users and (tenant, user_id) in self.erased:
            raise AccountDeleted(user_id)
        return super().ensure(tenant, user_id, username, email, groups)


class MemoryPersonalData:
    """A person's items as the table keeps them: their own partition (profile, inbox, earnings, ledger), and what
    lists them elsewhere (leaderboards, zone subscriptions, event attendances, submissions, reports)."""

    def __init__(self, users: ErasableUsers) -> None:
        self.users = users
        self.partitions: dict[tuple[str, str], set[str]] = {}
        self.ledger: dict[tuple[str, str], list[datetime]] = {}
        self.deletions: dict[tuple[str, str], tuple[datetime, datetime]] = {}
        self.boards: set[tuple[str, str, str]] = set()
        self.subscriptions: set[tuple[str, str, str]] = set()
        self.attendees: dict[tuple[str, str, str], str] = {}
        self.evidence: dict[tuple[str, str], tuple[str, dict[str, object]]] = {}
        self.report_photos: dict[tuple[str, str], tuple[str, list[str]]] = {}
        self.photo_records: dict[tuple[str, str], list[str]] = {}

    def mark_deleted(self, tenant: str, user_id: str, at: datetime, keep_until: datetime) -> None:
        self.deletions[(tenant, user_id)] = (at, keep_until)
        self.users.erased.add((tenant, user_id))

    def ledger_moments(self, tenant: str, user_id: str) -> list[datetime]:
        return self.ledger.get((tenant, user_id), [])

    def leave_leaderboards(self, tenant: str, user_id: str, periods: list[str]) -> None:
        self.boards -= {(tenant, period, user_id) for period in periods}

    def unsubscribe_everywhere(self, tenant: str, user_id: str) -> int:
        mine = {entry for entry in self.subscriptions if (entry[0], entry[2]) == (tenant, user_id)}
        self.subscriptions -= mine
        return len(mine)

    def forget_attendance_names(self, tenant: str, user_id: str) -> int:
        mine = [key for key in self.attendees if (key[0], key[2]) == (tenant, user_id)]
        self.attendees.update({key: user_id for key in mine})
        return len(mine)

    def strip_evidence(self, tenant: str, user_id: str) -> int:
        mine = [key for key, (owner, _) in self.evidence.items() if (key[0], owner) == (tenant, user_id)]
        self.evidence.update({key: (user_id, {}) for key in mine})
        return len(mine)

    def unlink_report_photos(self, tenant: str, user_id: str) -> int:
        mine = [
            key for key, (owner, keys) in self.report_photos.items() if (key[0], owner) == (tenant, user_id) and keys
        ]
        self.report_photos.update({key: (user_id, []) for key in mine})
        return len(mine)

    def report_photo_copies(self, tenant: str, user_id: str) -> list[str]:
        return [copies_prefix(key) for key in self.photo_records.get((tenant, user_id), [])]

    def erase_own_items(self, tenant: str, user_id: str) -> int:
        self.photo_records.pop((tenant, user_id), None)
        kept = {sk for sk in self.partitions.get((tenant, user_id), set()) if sk.startswith("LEDGER#")}
        erased = self.partitions.get((tenant, user_id), set()) - kept
        self.partitions[(tenant, user_id)] = kept
        erased_profile = self.users.users.pop((tenant, user_id), None)
        return len(erased) + (erased_profile is not None)


class MemoryBucket:
    """Object versions by key, as a versioned bucket keeps them."""

    def __init__(self) -> None:
        self.versions: dict[str, list[str]] = {}

    def erase_all_versions(self, bucket: str, prefix: str) -> int:
        erased = [key for key in self.versions if key.startswith(prefix)]
        count = sum(len(self.versions.pop(key)) for key in erased)
        return count


class MemoryUserPool:
    def __init__(self, *usernames: str) -> None:
        self.usernames = set(usernames)

    def delete_sign_in(self, username: str) -> bool:
        if username not in self.usernames:
            return False
        self.usernames.remove(username)
        return True


ALICES = "uploads/lahore/alice/0123abcd-0000/"
# Copies of report photos are named by the upload's random id, never by the person.
UPLOAD_IDS = {
    ("lahore", "alice"): "a11ce000-0001", ("lahore", "bob"): "b0b00000-0001", ("karachi", "alice"): "a11ce000-0002",
}  # fmt: skip


@pytest.fixture
def users() -> ErasableUsers:
    users = ErasableUsers()
    for tenant, user in [("lahore", "alice"), ("lahore", "bob"), ("karachi", "alice")]:
        users.ensure(tenant, user, user, f"{user}@example.org", ["citizen"])
        users.set_wallet(tenant, user, "0x52908400098527886E0F7030069857D2E4169EE7")
    return users


@pytest.fixture
def data(users: ErasableUsers) -> MemoryPersonalData:
    """Alice of lahore has a bit of everything; bob of lahore and alice of karachi have the same, untouched."""
    data = MemoryPersonalData(users)
    for tenant, user in [("lahore", "alice"), ("lahore", "bob"), ("karachi", "alice")]:
        data.partitions[(tenant, user)] = {"INBOX#1", "INBOX#2", "EARNED#2026-11-02", "LEDGER#sub-1"}
        data.ledger[(tenant, user)] = [APPROVED]
        data.boards |= {(tenant, period, user) for period in ("all", "2026-11", "2026-W45", "2026-12")}
        data.subscriptions |= {(tenant, "canal", user), (tenant, "old-town", user)}
        data.attendees[(tenant, "event-1", user)] = f"{user} the volunteer"
        data.evidence[(tenant, f"sub-1-{user}")] = (user, {"gps": [31.52, 74.36], "camera": "Pixel 8"})
        data.report_photos[(tenant, f"report-{user}")] = (user, [f"uploads/{tenant}/{user}/0123abcd-0000/report.jpg"])
        data.photo_records[(tenant, user)] = [f"uploads/{tenant}/{user}/{UPLOAD_IDS[tenant, user]}/report.jpg"]
    return data


@pytest.fixture
def bucket() -> MemoryBucket:
    bucket = MemoryBucket()
    bucket.versions = {
        ALICES + "report.jpg": ["v1", "v2"], ALICES + "after.jpg": ["v1", "delete-marker"],
        "uploads/lahore/bob/0123abcd-0000/report.jpg": ["v1"], "uploads/karachi/alice/0123abcd-0000/report.jpg": ["v1"],
        **{f"copies/{tenant}/{upload_id}/{size}.jpg": ["v1"]
           for (tenant, _), upload_id in UPLOAD_IDS.items() for size in ("thumbnail", "display")},
    }  # fmt: skip
    return bucket


def alice_leaves(data, bucket, pool, devices=None, sns=None) -> Erasure:
    devices, sns = devices or MemoryDevices(), sns or MemoryPush()
    return leave(data, bucket, pool, devices, sns, BUCKET, "lahore", "alice", "alice", NOW)


def test_leaving_deletes_the_push_endpoint_of_every_device_and_leaves_others_alone(data, bucket):
    devices, sns = MemoryDevices(), MemoryPush()
    for tenant, user, token in [
        ("lahore", "alice", "a1" * 32),
        ("lahore", "alice", "b2" * 32),
        ("lahore", "bob", "c3" * 32),
    ]:
        register_device(devices, sns, tenant, user, Platform.APNS, token, NOW)
    (bobs,) = devices.devices("lahore", "bob")

    erased = alice_leaves(data, bucket, MemoryUserPool("alice"), devices, sns)

    assert erased.devices == 2
    assert list(sns.endpoints) == [bobs.endpoint_arn]
    assert sns.topics["lahore"] == {bobs.endpoint_arn}
    assert devices.devices("lahore", "alice") == []
    assert alice_leaves(data, bucket, MemoryUserPool(), devices, sns).devices == 0


def test_leaving_erases_what_identifies_the_person_and_keeps_the_ledger(users, data, bucket):
    pool = MemoryUserPool("alice", "bob")
    erased = alice_leaves(data, bucket, pool)
    assert erased == Erasure(
        items=4,
        subscriptions=2,
        submissions=1,
        reports=1,
        attendances=1,
        photo_versions=6,
        devices=0,
        sign_in_deleted=True,
    )
    assert ("lahore", "alice") not in users.users
    assert data.partitions[("lahore", "alice")] == {"LEDGER#sub-1"}
    assert {entry for entry in data.boards if entry[0] == "lahore" and entry[2] == "alice"} == set()
    assert {entry for entry in data.subscriptions if entry[2] == "alice" and entry[0] == "lahore"} == set()
    assert data.attendees[("lahore", "event-1", "alice")] == "alice"
    assert data.evidence[("lahore", "sub-1-alice")] == ("alice", {})
    assert data.report_photos[("lahore", "report-alice")] == ("alice", [])
    assert not [key for key in bucket.versions if key.startswith((ALICES, "copies/lahore/a11ce000-0001/"))]
    assert pool.usernames == {"bob"}
    assert data.deletions[("lahore", "alice")] == (NOW, NOW + DELETION_RECORD_RETENTION)


def test_leaving_touches_no_one_else_in_the_city_or_the_same_id_in_another_city(users, data, bucket):
    alice_leaves(data, bucket, MemoryUserPool("alice"))
    for person in [("lahore", "bob"), ("karachi", "alice")]:
        assert person in users.users and users.users[person].email
        assert len(data.partitions[person]) == 4
        assert len([entry for entry in data.boards if (entry[0], entry[2]) == person]) == 4
        assert data.evidence[(person[0], f"sub-1-{person[1]}")][1]
    assert bucket.versions.keys() == {
        "uploads/lahore/bob/0123abcd-0000/report.jpg", "uploads/karachi/alice/0123abcd-0000/report.jpg",
        "copies/lahore/b0b00000-0001/thumbnail.jpg", "copies/lahore/b0b00000-0001/display.jpg",
        "copies/karachi/a11ce000-0002/thumbnail.jpg", "copies/karachi/a11ce000-0002/display.jpg",
    }  # fmt: skip


def test_leaving_again_erases_nothing_more_and_does_not_fail(users, data, bucket):
    pool = MemoryUserPool("alice")
    alice_leaves(data, bucket, pool)
    again = alice_leaves(data, bucket, pool)
    assert again == Erasure(
        items=0,
        subscriptions=0,
        submissions=1,
        reports=0,
        attendances=1,
        photo_versions=0,
        devices=0,
        sign_in_deleted=False,
    )
    assert data.partitions[("lahore", "alice")] == {"LEDGER#sub-1"}


def test_an_erased_account_gets_no_new_profile_from_its_token(users, data, bucket):
    alice_leaves(data, bucket, MemoryUserPool("alice"))
    with pytest.raises(AccountDeleted):
        users.ensure("lahore", "alice", "alice", "alice@example.org", ["citizen"])
    assert users.ensure("karachi", "alice", "alice", None, ["citizen"]).email == "alice@example.org"


def test_the_originals_of_a_person_are_all_under_their_own_prefix():
    assert originals_prefix("lahore", "alice") == "uploads/lahore/alice/"
    assert not "uploads/lahore/alice2/0123abcd-0000/report.jpg".startswith(originals_prefix("lahore", "alice"))


# --- the route -------------------------------------------------------------------------------------------------


def me_client(
    users, data, bucket, pool, user: str = "alice", group: Group = Group.CITIZEN, devices=None, sns=None
) -> TestClient:
    devices, sns = devices or MemoryDevices(), sns or MemoryPush()
    spec = importlib.util.spec_from_file_location("me_api_leaving", ROOT / "functions" / "me_api" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    overrides = module.app.dependency_overrides
    overrides[current_caller] = lambda: Caller(
        user_id=user, username=user, tenant="lahore", email=f"{user}@example.org", groups=frozenset({group})
    )
    overrides[user_repository] = lambda: users
    overrides[personal_data] = lambda: data
    overrides[photo_originals] = lambda: bucket
    overrides[sign_ins] = lambda: pool
    overrides[device_repository] = lambda: devices
    overrides[push] = lambda: sns
    return TestClient(module.app)


@pytest.mark.parametrize("group", [Group.CITIZEN, Group.DRIVER, Group.ADMIN])
def test_delete_me_erases_the_caller_and_their_token_is_refused_afterwards(users, data, bucket, group):
    pool = MemoryUserPool("alice")
    users.set_groups("lahore", "alice", [group])
    alice = me_client(users, data, bucket, pool, group=group)
    assert alice.get("/me").status_code == 200
    assert alice.delete("/me").status_code == 204
    assert (("lahore", "alice") in users.users, pool.usernames) == (False, set())
    for method, path in [("GET", "/me"), ("PATCH", "/me"), ("PUT", "/me/alerts/canal")]:
        refused = alice.request(method, path, json={"display_name": "Back"} if method == "PATCH" else None)
        assert (refused.status_code, refused.json()["error"]["code"]) == (410, "account_deleted"), (method, path)
    assert ("lahore", "alice") not in users.users
    assert alice.delete("/me").status_code == 204


def test_a_disabled_account_may_still_leave(users, data, bucket):
    users.set_active("lahore", "alice", False)
    alice = me_client(users, data, bucket, MemoryUserPool("alice"))
    assert alice.get("/me").json()["error"]["code"] == "account_disabled"
    assert alice.delete("/me").status_code == 204
    assert ("lahore", "alice") not in users.users


@pytest.mark.parametrize(
    ("function", "method", "path", "body"),
    [
        ("reports_api", "POST", "/reports", {"waste_type": "plastic", "lat": 31.5, "lng": 74.3}),
        ("me_api", "POST", "/submissions", {}),
        ("me_api", "PUT", "/me/wallet", {"address": "0x52908400098527886E0F7030069857D2E4169EE7"}),
    ],
)
def test_a_token_that_outlives_its_account_files_and_earns_nothing(users, data, bucket, function, method, path, body):
    """An ID token stays valid for a while after its holder leaves: every write route refuses it, not only /me."""
    assert me_client(users, data, bucket, MemoryUserPool("alice")).delete("/me").status_code == 204
    refused = signed_in_client(function, "alice", Group.CITIZEN, {user_repository: users}).request(
        method, path, json=body
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (410, "account_deleted")
    assert ("lahore", "alice") not in users.users
