"""A city's people in process: the signed-in caller's profile and wallet, their ledger and inbox, zone alerts and
the leaderboard. In-memory ports stand in for DynamoDB and the minter's queue, injected into the routes through
FastAPI's dependency overrides."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecopulse.api.auth import Group
from ecopulse.api.dependencies import (
    community_repository,
    reward_queue,
    tenant_repository,
    unpaid_rewards,
    user_pool,
    user_repository,
)
from ecopulse.community import Alert, AlertSeverity, InboxMessage, LedgerEntry, Standing, ranking
from ecopulse.paging import Page
from ecopulse.tenants import TenantSettings, ZoneSettings
from ecopulse.users import AccountDisabled, User, change_wallet, signed_in
from tests.unit.function_apps import signed_in_client
from tests.unit.test_reports import MemoryTenants
from tests.unit.user_fakes import MemoryUserPool, MemoryUsers

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"


class MemoryRewards:
    """The unpaid rewards, per tenant and citizen."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], list[LedgerEntry]] = {}

    def grant(self, tenant: str, user_id: str, submission_id: str, amount: int, state: str = "pending") -> None:
        entry = LedgerEntry(submission_id, amount, "cleanup approved", state, None, NOW)
        self.entries.setdefault((tenant, user_id), []).append(entry)

    def unpaid(self, tenant: str, user_id: str) -> list[LedgerEntry]:
        return [entry for entry in self.entries.get((tenant, user_id), []) if entry.state != "paid"]


class RecordingQueue:
    """The minter's queue, keeping what it was asked to pay."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, str, int]] = []

    def enqueue(self, tenant: str, user_id: str, submission_id: str, wallet: str, amount: int) -> None:
        self.sent.append((tenant, user_id, submission_id, wallet, amount))


class MemoryCommunity:
    """The ``Community`` port in memory, per tenant."""

    def __init__(self) -> None:
        self.ledgers: dict[tuple[str, str], list[LedgerEntry]] = {}
        self.inboxes: dict[tuple[str, str], list[InboxMessage]] = {}
        self.boards: dict[tuple[str, str], list[Standing]] = {}
        self.subscribers: set[tuple[str, str, str]] = set()

    def ledger(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[LedgerEntry]:
        return Page(self.ledgers.get((tenant, user_id), [])[:limit], None)

    def inbox(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[InboxMessage]:
        return Page(self.inboxes.get((tenant, user_id), [])[:limit], None)

    def leaderboard(self, tenant: str, period: str, limit: int) -> list[Standing]:
        board = self.boards.get((tenant, period), [])
        return sorted(board, key=lambda standing: standing.points, reverse=True)[:limit]

    def subscribe(self, tenant: str, zone: str, user_id: str) -> None:
        self.subscribers.add((tenant, zone, user_id))

    def unsubscribe(self, tenant: str, zone: str, user_id: str) -> None:
        self.subscribers.discard((tenant, zone, user_id))

    def broadcast(self, tenant: str, zone: str, message: str, severity: AlertSeverity, sender: str) -> Alert:
        reached = sorted(user for owner, subscribed, user in self.subscribers if (owner, subscribed) == (tenant, zone))
        for user_id in reached:
            note = InboxMessage(f"alert-{zone}", f"Alert: {zone}", message, None, False, NOW)
            self.inboxes.setdefault((tenant, user_id), []).insert(0, note)
        return Alert(zone, message, severity, sender, len(reached), NOW)


@pytest.fixture
def users() -> MemoryUsers:
    return MemoryUsers()


def alice(users: MemoryUsers, tenant: str = "lahore") -> User:
    return signed_in(users, tenant, "alice", "alice", "alice@example.org", ["citizen"])


def test_a_first_contact_creates_the_profile_from_the_token_and_a_later_one_reads_it(users):
    first = alice(users)
    assert (first.user_id, first.email, first.groups, first.active) == (
        "alice",
        "alice@example.org",
        ("citizen",),
        True,
    )
    users.set_profile("lahore", "alice", "Alice K.")
    assert alice(users).display_name == "Alice K."


def test_a_disabled_account_is_refused(users):
    alice(users)
    users.set_active("lahore", "alice", False)
    with pytest.raises(AccountDisabled):
        alice(users)


def test_a_new_wallet_is_sent_each_unpaid_reward_once(users):
    rewards, queue = MemoryRewards(), RecordingQueue()
    rewards.grant("lahore", "alice", "sub-1", 10)
    rewards.grant("lahore", "alice", "sub-2", 5, state="mint_failed")
    rewards.grant("lahore", "alice", "sub-3", 7, state="paid")
    rewards.grant("karachi", "alice", "sub-4", 9)
    changed = change_wallet(users, rewards, queue, alice(users), WALLET)
    assert changed.wallet_address == WALLET
    assert queue.sent == [("lahore", "alice", "sub-1", WALLET, 10), ("lahore", "alice", "sub-2", WALLET, 5)]


def test_a_wallet_without_unpaid_rewards_queues_nothing(users):
    queue = RecordingQueue()
    assert change_wallet(users, MemoryRewards(), queue, alice(users), WALLET).wallet_address == WALLET
    assert queue.sent == []


def test_the_leaderboard_is_ranked_from_one_in_the_boards_order():
    community = MemoryCommunity()
    community.boards[("lahore", "all")] = [Standing("bob", "Bob", 5), Standing("alice", "Alice", 20)]
    community.boards[("karachi", "all")] = [Standing("omar", "Omar", 99)]
    rows = ranking(community, "lahore", "all", 10)
    assert [(row.rank, row.user_id, row.points) for row in rows] == [(1, "alice", 20), (2, "bob", 5)]
    assert ranking(community, "lahore", "2026-W49", 10) == []


def client(
    function: str, user: str, group: Group, overrides: dict[object, object], tenant: str = "lahore"
) -> TestClient:
    """The function's app as ``user`` of ``tenant``, with the ports in ``overrides`` (provider: fake) replaced."""
    ports = {user_repository: MemoryUsers(), **overrides}
    return signed_in_client(function, user, group, ports, tenant, email=f"{user}@example.org")


@pytest.fixture
def ports(users):
    return {
        user_repository: users,
        community_repository: MemoryCommunity(),
        unpaid_rewards: MemoryRewards(),
        reward_queue: RecordingQueue(),
        tenant_repository: MemoryTenants(),
    }


def test_the_profile_route_answers_the_signed_in_callers_profile(ports):
    answer = client("me_api", "alice", Group.CITIZEN, ports).get("/me")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "user_id": "alice", "username": "alice", "tenant": "lahore", "email": "alice@example.org",
        "display_name": None, "groups": ["citizen"], "active": True, "wallet_address": None, "points": 0,
        "balance_pending": 0.0, "balance_minted": 0.0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/me", None),
        ("PATCH", "/me", {"display_name": "Someone"}),
        ("PUT", "/me/wallet", {"address": WALLET}),
        ("PUT", "/me/alerts/canal", None),
    ],
)
def test_a_disabled_account_is_refused_by_the_routes_and_changes_nothing(ports, method, path, body):
    ports[user_repository].ensure("lahore", "alice", "alice", None, ["citizen"])
    ports[user_repository].set_active("lahore", "alice", False)
    ports[unpaid_rewards].grant("lahore", "alice", "sub-1", 10)
    answer = client("me_api", "alice", Group.CITIZEN, ports).request(method, path, json=body)
    assert (answer.status_code, answer.json()["error"]) == (
        403,
        {"code": "account_disabled", "message": "this account has been disabled by the city", "details": None},
    )
    profile = ports[user_repository].get("lahore", "alice")
    assert (profile.display_name, profile.wallet_address) == (None, None)
    assert ports[reward_queue].sent == []
    assert ports[community_repository].subscribers == set()


def test_the_wallet_route_stores_the_checksummed_address_and_pays_unpaid_rewards_to_it(ports):
    ports[unpaid_rewards].grant("lahore", "alice", "sub-1", 10)
    answer = client("me_api", "alice", Group.CITIZEN, ports).put("/me/wallet", json={"address": WALLET.lower()})
    assert answer.status_code == 200, answer.text
    assert answer.json()["wallet_address"] == WALLET
    assert ports[reward_queue].sent == [("lahore", "alice", "sub-1", WALLET, 10)]


def test_the_profile_route_changes_the_display_name(ports):
    answer = client("me_api", "alice", Group.CITIZEN, ports).patch("/me", json={"display_name": "Alice K."})
    assert (answer.status_code, answer.json()["display_name"]) == (200, "Alice K.")
    assert ports[user_repository].get("lahore", "alice").display_name == "Alice K."


def test_the_ledger_and_inbox_routes_show_the_callers_own(ports):
    community = ports[community_repository]
    community.ledgers[("lahore", "alice")] = [LedgerEntry("sub-1", 10, "cleanup approved", "paid", "0xabc", NOW)]
    community.ledgers[("karachi", "alice")] = [LedgerEntry("sub-9", 99, "cleanup approved", "pending", None, NOW)]
    community.inboxes[("lahore", "alice")] = [InboxMessage("m-1", "Cleanup approved", "10 ECO", "sub-1", False, NOW)]
    citizen = client("me_api", "alice", Group.CITIZEN, ports)
    assert citizen.get("/me/ledger").json() == {
        "items": [{"submission_id": "sub-1", "amount": 10.0, "reason": "cleanup approved", "state": "paid",
                   "tx_hash": "0xabc", "created_at": "2026-12-06T09:00:00Z"}],
        "cursor": None,
    }  # fmt: skip
    assert citizen.get("/me/inbox").json() == {
        "items": [{"message_id": "m-1", "title": "Cleanup approved", "body": "10 ECO", "submission_id": "sub-1",
                   "report_id": None, "read": False, "created_at": "2026-12-06T09:00:00Z"}],
        "cursor": None,
    }  # fmt: skip


def test_a_zone_alert_reaches_the_inbox_of_its_subscribers_until_they_unsubscribe(ports):
    canal = ZoneSettings(zone_id="canal", name="Canal", min_lat=31.5, min_lng=74.3, max_lat=31.6, max_lng=74.4)
    ports[tenant_repository].save("lahore", TenantSettings(zones=[canal]))
    citizen = client("me_api", "alice", Group.CITIZEN, ports)
    admin = client("admin_api", "amina", Group.ADMIN, ports)
    assert citizen.put("/me/alerts/canal").status_code == 204
    sent = admin.post("/admin/alerts", json={"zone": "canal", "message": "Road closed", "severity": "warning"})
    assert sent.status_code == 201, sent.text
    assert sent.json() == {
        "zone": "canal", "message": "Road closed", "severity": "warning", "recipients": 1,
        "sent_at": "2026-12-06T09:00:00Z",
    }  # fmt: skip
    assert [m["body"] for m in citizen.get("/me/inbox").json()["items"]] == ["Road closed"]
    assert citizen.delete("/me/alerts/canal").status_code == 204
    assert admin.post("/admin/alerts", json={"zone": "canal", "message": "Open again"}).json()["recipients"] == 0


def test_the_leaderboard_route_ranks_the_callers_city(ports):
    ports[community_repository].boards[("lahore", "2026-12")] = [Standing("bob", "Bob", 5), Standing("al", "Al", 9)]
    answer = client("community_api", "alice", Group.CITIZEN, ports).get("/leaderboard?period=2026-12")
    assert answer.json() == [
        {"rank": 1, "user_id": "al", "username": "Al", "points": 9},
        {"rank": 2, "user_id": "bob", "username": "Bob", "points": 5},
    ]


def test_an_admin_lists_and_disables_the_citys_users_only(ports):
    users, pool = ports[user_repository], MemoryUserPool()
    users.ensure("lahore", "bob", "bob", None, ["citizen"])
    users.ensure("karachi", "omar", "omar", None, ["citizen"])
    admin = client("admin_api", "amina", Group.ADMIN, ports)
    assert [user["user_id"] for user in admin.get("/admin/users").json()["items"]] == ["bob"]
    accounts = client("accounts_api", "amina", Group.ADMIN, {**ports, user_pool: pool})
    disabled = accounts.patch("/admin/users/bob", json={"active": False})
    assert disabled.status_code == 200, disabled.text
    assert (users.get("lahore", "bob").active, pool.enabled.get("bob"), pool.signed_out) == (False, False, ["bob"])
    other = accounts.patch("/admin/users/omar", json={"active": False})
    assert (other.status_code, other.json()["error"]["code"]) == (404, "user_not_found")
    assert users.get("karachi", "omar").active is True
