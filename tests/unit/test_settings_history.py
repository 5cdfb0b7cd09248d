"""A city's settings with their history, in process: an in-memory ``VersionedSettings`` that refuses a version
written over anything but the one before it, as the adapter's conditional write does, injected into the admin
routes."""

import importlib.util
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecopulse.api.auth import Caller, Group, current_caller
from ecopulse.api.dependencies import user_repository, versioned_settings
from ecopulse.paging import Page
from ecopulse.settings_history import (
    SettingChange,
    SettingsChanged,
    SettingsVersion,
    change_settings,
    differences,
)
from ecopulse.tenants import InvalidThresholds, TenantSettings
from ecopulse.users import User
from tests.unit.user_fakes import MemoryUsers

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


class MemorySettings:
    """Each city's settings at their version, and the versions in order."""

    def __init__(self) -> None:
        self.saved: dict[str, tuple[TenantSettings, int]] = {}
        self.versions: dict[str, list[SettingsVersion]] = {}

    def current(self, tenant: str) -> tuple[TenantSettings, int]:
        return self.saved.get(tenant, (TenantSettings(display_name=tenant), 0))

    def commit(self, tenant: str, settings: TenantSettings, change: SettingsVersion) -> None:
        version = self.current(tenant)[1]
        if version != change.version - 1:
            raise SettingsChanged(version)
        self.saved[tenant] = (settings, change.version)
        self.versions.setdefault(tenant, []).append(change)

    def history(self, tenant: str, limit: int, cursor: str | None) -> Page[SettingsVersion]:
        return Page(list(reversed(self.versions.get(tenant, [])))[:limit], None)


@pytest.fixture
def store() -> MemorySettings:
    return MemorySettings()


def with_changes(settings: TenantSettings, **changes: object) -> TenantSettings:
    return settings.model_copy(update=changes)


# --- the rules -------------------------------------------------------------------------------------------------


def test_each_save_is_a_version_with_who_changed_which_setting_from_what_to_what(store):
    defaults = store.current("lahore")[0]
    first, version = change_settings(store, "lahore", with_changes(defaults, daily_reward_cap=50), "amina", NOW)
    assert (first.daily_reward_cap, version) == (50, 1)
    second = with_changes(first, daily_reward_cap=80, display_name="Lahore", auto_approve_confidence=0.95)
    assert change_settings(store, "lahore", second, "bilal", NOW)[1] == 2
    assert store.versions["lahore"] == [
        SettingsVersion(1, "amina", NOW, (SettingChange("daily_reward_cap", 100, 50),)),
        SettingsVersion(
            2,
            "bilal",
            NOW,
            (
                SettingChange("display_name", "lahore", "Lahore"),
                SettingChange("daily_reward_cap", 50, 80),
                SettingChange("auto_approve_confidence", 0.9, 0.95),
            ),
        ),
    ]
    assert store.current("lahore") == (second, 2)


def test_saving_the_settings_as_they_are_adds_no_version(store):
    change_settings(store, "lahore", TenantSettings(display_name="Lahore"), "amina", NOW)
    assert change_settings(store, "lahore", TenantSettings(display_name="Lahore"), "bilal", NOW)[1] == 1
    assert [version.changed_by for version in store.versions["lahore"]] == ["amina"]


def test_a_save_over_settings_changed_since_they_were_read_is_refused_and_loses_nothing(store):
    read_version = store.current("lahore")[1]
    change_settings(store, "lahore", TenantSettings(daily_reward_cap=50), "amina", NOW, read_version)
    with pytest.raises(SettingsChanged) as refused:
        change_settings(store, "lahore", TenantSettings(daily_reward_cap=70), "bilal", NOW, read_version)
    assert refused.value.details == [{"version": 1}]
    assert store.current("lahore")[0].daily_reward_cap == 50
    assert [version.changed_by for version in store.versions["lahore"]] == ["amina"]


def test_two_saves_built_on_the_same_version_cannot_both_be_written(store):
    """The store's conditional write is what holds when both admins read before either wrote."""
    change = SettingsVersion(1, "amina", NOW, (SettingChange("daily_reward_cap", 100, 50),))
    store.commit("lahore", TenantSettings(daily_reward_cap=50), change)
    with pytest.raises(SettingsChanged):
        store.commit("lahore", TenantSettings(daily_reward_cap=70), SettingsVersion(1, "bilal", NOW, ()))
    assert store.current("lahore") == (TenantSettings(daily_reward_cap=50), 1)


def test_a_policy_that_rejects_what_it_approves_is_refused_and_adds_no_version(store):
    with pytest.raises(InvalidThresholds):
        change_settings(
            store, "lahore", TenantSettings(auto_approve_confidence=0.5, auto_reject_confidence=0.6), "amina", NOW
        )
    assert store.versions == {}


def test_differences_name_only_the_settings_that_changed():
    before = TenantSettings(display_name="Lahore")
    assert differences(before, before) == ()
    assert differences(before, with_changes(before, review_timeout_action="wait")) == (
        SettingChange("review_timeout_action", "reject", "wait"),
    )


# --- the routes ------------------------------------------------------------------------------------------------


def admin_client(
    store: MemorySettings,
    user: str = "amina",
    group: Group = Group.ADMIN,
    tenant: str = "lahore",
    users: MemoryUsers | None = None,
):
    spec = importlib.util.spec_from_file_location("admin_api_settings", ROOT / "functions" / "admin_api" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    overrides = module.app.dependency_overrides
    overrides[current_caller] = lambda: Caller(user_id=user, username=user, tenant=tenant, groups=frozenset({group}))
    overrides[versioned_settings] = lambda: store
    profiles = MemoryUsers() if users is None else users
    profiles.ensure(tenant, user, user, None, [group])
    overrides[user_repository] = lambda: profiles
    return TestClient(module.app)


def test_admins_save_over_the_version_they_read_and_read_the_history_newest_first(store):
    users = MemoryUsers()
    users.ensure("lahore", "amina", "amina", "amina@lahore.example", ["admin"])
    users.set_profile("lahore", "amina", "Amina Khan")
    amina, bilal = admin_client(store, users=users), admin_client(store, user="bilal", users=users)
    read = amina.get("/admin/settings")
    assert (read.status_code, read.headers["etag"]) == (200, '"0"')
    settings = read.json()
    saved = amina.put("/admin/settings", json={**settings, "daily_reward_cap": 50}, headers={"If-Match": '"0"'})
    assert (saved.status_code, saved.headers["etag"], saved.json()["daily_reward_cap"]) == (200, '"1"', 50)
    stale = bilal.put("/admin/settings", json={**settings, "daily_reward_cap": 70}, headers={"If-Match": '"0"'})
    assert (stale.status_code, stale.json()["error"]["code"], stale.json()["error"]["details"]) == (
        409, "settings_changed", [{"version": 1}],
    )  # fmt: skip
    fresh = bilal.get("/admin/settings")
    again = bilal.put("/admin/settings", json={**fresh.json(), "daily_reward_cap": 70}, headers={"If-Match": 'W/"1"'})
    assert (again.status_code, again.headers["etag"]) == (200, '"2"')
    history = amina.get("/admin/settings/history")
    assert history.status_code == 200, history.text
    items = history.json()["items"]
    assert all(datetime.fromisoformat(item.pop("changed_at")).tzinfo for item in items)
    assert items == [
        {
            "version": 2,
            "changed_by": "bilal",
            "changed_by_name": "bilal",
            "changed_by_email": None,
            "changes": [{"setting": "daily_reward_cap", "before": 50, "after": 70}],
        },
        {
            "version": 1,
            "changed_by": "amina",
            "changed_by_name": "Amina Khan",
            "changed_by_email": "amina@lahore.example",
            "changes": [{"setting": "daily_reward_cap", "before": 100, "after": 50}],
        },
    ]


class CountingUsers(MemoryUsers):
    """Profiles that count how they are read: one batch for a page of history, never one read per version."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[set[str]] = []
        self.single_reads = 0

    def named(self, tenant: str, user_ids: Collection[str]) -> dict[str, User]:
        self.batches.append(set(user_ids))
        return super().named(tenant, user_ids)

    def get(self, tenant: str, user_id: str) -> User:
        self.single_reads += 1
        return super().get(tenant, user_id)


def test_a_page_of_history_names_its_admins_in_one_batch_read_and_an_erased_one_by_id_only(store):
    users = CountingUsers()
    for admin in ("amina", "bilal"):
        users.ensure("lahore", admin, admin, f"{admin}@lahore.example", ["admin"])
    for cap, admin in ((50, "amina"), (60, "bilal"), (70, "amina"), (80, "erased")):
        change_settings(store, "lahore", TenantSettings(daily_reward_cap=cap), admin, NOW)
    users.batches.clear()
    reads_before = users.single_reads
    items = admin_client(store, users=users).get("/admin/settings/history").json()["items"]
    assert [(item["changed_by"], item["changed_by_name"], item["changed_by_email"]) for item in items] == [
        ("erased", None, None),
        ("amina", "amina", "amina@lahore.example"),
        ("bilal", "bilal", "bilal@lahore.example"),
        ("amina", "amina", "amina@lahore.example"),
    ]
    assert users.batches == [{"amina", "bilal", "erased"}]
    assert users.single_reads == reads_before


def test_a_save_without_if_match_still_becomes_a_version(store):
    saved = admin_client(store).put("/admin/settings", json={"display_name": "Lahore"})
    assert (saved.status_code, saved.headers["etag"]) == (200, '"1"')
    assert [change.setting for change in store.versions["lahore"][0].changes] == ["display_name"]


@pytest.mark.parametrize(
    ("group", "tenant", "status"),
    [(Group.CITIZEN, "lahore", 403), (Group.DRIVER, "lahore", 403), (Group.ADMIN, "karachi", 200)],
    ids=["a citizen", "a driver", "another city's admin"],
)
def test_only_the_citys_admins_read_its_history(store, group, tenant, status):
    change_settings(store, "lahore", TenantSettings(daily_reward_cap=50), "amina", NOW)
    answer = admin_client(store, user="someone", group=group, tenant=tenant).get("/admin/settings/history")
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json() == {"items": [], "cursor": None}


def test_a_malformed_if_match_is_refused_and_saves_nothing(store):
    answer = admin_client(store).put("/admin/settings", json={"display_name": "X"}, headers={"If-Match": "*"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_request")
    assert store.versions == {}


def test_a_citys_first_save_creates_it_even_with_the_default_settings(store):
    """The sign-up directory knows a city once it has saved settings, a closed one included."""
    defaults = store.current("quetta")[0]
    assert change_settings(store, "quetta", defaults, "amina", NOW)[1] == 1
    assert [(version.changed_by, version.changes) for version in store.versions["quetta"]] == [("amina", ())]
