"""Joining a city in process: the sign-up rules the user pool's triggers apply, staff invited by admins, roles and
disabled accounts, with in-memory profiles, pool, directory and invite codes; the triggers' handlers on Cognito's
events, and the accounts routes through FastAPI's dependency overrides."""

import importlib.util
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from starlette.testclient import TestClient

from ecopulse.accounts import (
    AlreadyMember,
    City,
    ClosedToSignups,
    InvalidInviteCode,
    InviteCode,
    NoCity,
    Role,
    SelfRoleChange,
    UnknownCity,
    admit_citizen,
    change_role,
    check_sign_up,
    check_staff_account,
    hash_invite_code,
    invite_staff,
    new_invite_code,
    set_account_active,
    token_claims,
)
from ecopulse.api.auth import Group, current_caller
from ecopulse.api.dependencies import city_directory, invite_code_repository, user_pool, user_repository
from ecopulse.users import AccountDisabled, SelfDisable, StaleRole, signed_in
from tests.conftest import ROOT
from tests.unit.function_apps import signed_in_client
from tests.unit.user_fakes import MemoryCities, MemoryInviteCodes, MemoryUserPool, MemoryUsers, PoolDown

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
LAHORE = City("lahore", "Lahore", "open")
KARACHI = City("karachi", "Karachi", "invite")
QUETTA = City("quetta", "Quetta", "closed")
CONTEXT = SimpleNamespace(
    function_name="trigger",
    memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:trigger",
    aws_request_id="request-1",
)


@pytest.fixture
def directory() -> MemoryCities:
    return MemoryCities(LAHORE, KARACHI, QUETTA)


@pytest.fixture
def codes() -> MemoryInviteCodes:
    return MemoryInviteCodes()


def karachi_code(codes: MemoryInviteCodes, code: str = "WELCOME-1", expires_in: timedelta = timedelta(days=7)) -> str:
    codes.add(InviteCode("karachi", hash_invite_code(code), NOW + expires_in, None), "amina")
    return code


# --- sign-up ---------------------------------------------------------------------------------------------------


def test_an_open_city_takes_any_sign_up(directory, codes):
    assert check_sign_up(directory, codes, "lahore", "alice@example.org", None, NOW) == LAHORE


@pytest.mark.parametrize("tenant", [None, "", "atlantis"], ids=["no city", "empty", "unknown city"])
def test_a_sign_up_into_no_city_or_an_unknown_one_is_refused(directory, codes, tenant):
    with pytest.raises(UnknownCity):
        check_sign_up(directory, codes, tenant, "alice@example.org", None, NOW)


def test_a_city_closed_to_sign_ups_refuses_even_an_invite_code(directory, codes):
    with pytest.raises(ClosedToSignups, match="Quetta does not take sign-ups"):
        check_sign_up(directory, codes, "quetta", "alice@example.org", "WELCOME-1", NOW)


def test_an_invite_only_city_takes_a_valid_code_once(directory, codes):
    code = karachi_code(codes)
    assert check_sign_up(directory, codes, "karachi", "alice@example.org", code.lower(), NOW) == KARACHI
    assert codes.find("karachi", hash_invite_code(code)).used_by == "alice@example.org"
    assert check_sign_up(directory, codes, "karachi", "alice@example.org", code, NOW) == KARACHI, "a retried sign-up"
    with pytest.raises(InvalidInviteCode, match="has been used"):
        check_sign_up(directory, codes, "karachi", "bob@example.org", code, NOW)


@pytest.mark.parametrize(
    ("code", "expires_in", "message"),
    [
        (None, timedelta(days=7), "enter your invite code"),
        ("NOT-A-CODE", timedelta(days=7), "not valid"),
        ("WELCOME-1", timedelta(seconds=0), "not valid"),
    ],
    ids=["missing", "unknown", "expired"],
)
def test_an_invite_only_city_refuses_a_missing_unknown_or_expired_code(directory, codes, code, expires_in, message):
    karachi_code(codes, expires_in=expires_in)
    with pytest.raises(InvalidInviteCode, match=message):
        check_sign_up(directory, codes, "karachi", "alice@example.org", code, NOW)
    assert codes.find("karachi", hash_invite_code("WELCOME-1")).used_by is None


def test_a_code_of_another_city_is_not_valid(directory, codes):
    codes.add(InviteCode("lahore", hash_invite_code("LAHORE-1"), NOW + timedelta(days=1), None), "amina")
    with pytest.raises(InvalidInviteCode):
        check_sign_up(directory, codes, "karachi", "alice@example.org", "LAHORE-1", NOW)


def test_an_admin_makes_single_use_codes_kept_only_hashed(directory, codes):
    code, stored = new_invite_code(codes, "karachi", "amina", 14, NOW)
    assert stored.code_hash == hash_invite_code(code) != code
    assert stored.expires_at == NOW + timedelta(days=14)
    assert codes.created_by[("karachi", stored.code_hash)] == "amina"
    check_sign_up(directory, codes, "karachi", "alice@example.org", code, NOW)
    with pytest.raises(InvalidInviteCode):
        check_sign_up(directory, codes, "karachi", "bob@example.org", code, NOW)


def test_an_account_made_by_an_admin_or_operator_must_name_its_city():
    with pytest.raises(NoCity):
        check_staff_account(None)
    assert check_staff_account("lahore") == "lahore"


def test_a_confirmed_sign_up_becomes_a_citizen_in_the_pool_and_in_its_profile():
    users, pool = MemoryUsers(), MemoryUserPool()
    admitted = admit_citizen(users, pool, "lahore", "sub-1", "sub-1", "alice@example.org")
    assert (admitted.groups, admitted.tenant, admitted.email) == (("citizen",), "lahore", "alice@example.org")
    assert pool.groups["sub-1"] == ["citizen"]


# --- tokens ----------------------------------------------------------------------------------------------------


def test_the_token_carries_the_tenant_and_the_groups_the_profile_records():
    users = MemoryUsers()
    users.ensure("lahore", "sub-1", "sub-1", None, ["citizen"])
    users.set_groups("lahore", "sub-1", ["driver"])
    claims = token_claims(users, "lahore", "sub-1", "sub-1", None, ["citizen"])
    assert (claims.tenant, claims.groups) == ("lahore", ("driver",))


def test_a_first_token_makes_the_missing_profile_from_the_pools_groups():
    users = MemoryUsers()
    assert token_claims(users, "lahore", "sub-2", "sub-2", "x@example.org", ["admin"]).groups == ("admin",)
    assert users.get("lahore", "sub-2").groups == ("admin",)


def test_a_disabled_account_or_one_without_a_city_gets_no_token():
    users = MemoryUsers()
    users.ensure("lahore", "sub-1", "sub-1", None, ["citizen"])
    users.set_active("lahore", "sub-1", False)
    with pytest.raises(AccountDisabled):
        token_claims(users, "lahore", "sub-1", "sub-1", None, ["citizen"])
    with pytest.raises(NoCity):
        token_claims(users, None, "sub-3", "sub-3", None, ["citizen"])


def test_a_token_naming_a_role_the_account_lost_is_refused_until_it_signs_in_again():
    users = MemoryUsers()
    signed_in(users, "lahore", "amina", "amina", None, ["admin"])
    users.set_groups("lahore", "amina", ["citizen"])
    with pytest.raises(StaleRole):
        signed_in(users, "lahore", "amina", "amina", None, ["admin"])
    assert signed_in(users, "lahore", "amina", "amina", None, ["citizen"]).groups == ("citizen",)


# --- staff -----------------------------------------------------------------------------------------------------


def test_an_admin_invites_a_driver_who_gets_the_pools_invitation_a_group_and_a_profile():
    users, pool = MemoryUsers(), MemoryUserPool()
    driver = invite_staff(users, pool, "lahore", "dina@example.org", Role.DRIVER)
    assert (driver.user_id, driver.groups, driver.tenant) == ("sub-dina@example.org", ("driver",), "lahore")
    assert pool.invitations == ["dina@example.org"]
    assert pool.groups["dina@example.org"] == ["driver"]


def test_inviting_again_while_the_invitation_is_pending_resends_it_and_may_change_the_role():
    users, pool = MemoryUsers(), MemoryUserPool()
    invite_staff(users, pool, "lahore", "dina@example.org", Role.DRIVER)
    again = invite_staff(users, pool, "lahore", "dina@example.org", Role.ADMIN)
    assert pool.invitations == ["dina@example.org", "dina@example.org"]
    assert (again.groups, pool.groups["dina@example.org"]) == (("admin",), ["admin"])


def test_an_invitation_a_failure_left_half_done_is_completed_by_the_same_invitation_again():
    users, pool = MemoryUsers(), MemoryUserPool(failing=["set_groups"])
    with pytest.raises(PoolDown):
        invite_staff(users, pool, "lahore", "dina@example.org", Role.DRIVER)
    pool.failing.clear()
    invite_staff(users, pool, "lahore", "dina@example.org", Role.DRIVER)
    assert pool.groups["dina@example.org"] == ["driver"]


@pytest.mark.parametrize(
    ("tenant", "pending", "profile"), [("karachi", True, False), ("lahore", False, True)], ids=["elsewhere", "member"]
)
def test_an_address_with_an_account_elsewhere_or_already_a_member_is_not_invited(tenant, pending, profile):
    users, pool = MemoryUsers(), MemoryUserPool()
    account = pool.add("omar@example.org", tenant, invitation_pending=pending)
    if profile:
        users.ensure(tenant, account.user_id, account.username, account.username, ["citizen"])
    with pytest.raises(AlreadyMember):
        invite_staff(users, pool, "lahore", "omar@example.org", Role.ADMIN)
    assert pool.groups == {} and pool.invitations == []
    assert not profile or users.get(tenant, account.user_id).groups == ("citizen",)


def test_an_admin_changes_anothers_role_in_the_pool_then_in_the_profile():
    users, pool = MemoryUsers(), MemoryUserPool()
    users.ensure("lahore", "bob", "bob-name", None, ["citizen"])
    changed = change_role(users, pool, "lahore", "amina", "bob", Role.DRIVER)
    assert (changed.groups, pool.groups["bob-name"]) == (("driver",), ["driver"])


def test_a_role_change_the_pool_failed_leaves_the_profiles_role_and_so_every_tokens():
    users, pool = MemoryUsers(), MemoryUserPool(failing=["set_groups"])
    users.ensure("lahore", "bob", "bob", None, ["admin"])
    with pytest.raises(PoolDown):
        change_role(users, pool, "lahore", "amina", "bob", Role.CITIZEN)
    assert token_claims(users, "lahore", "bob", "bob", None, ["citizen"]).groups == ("admin",)


def test_an_admin_cannot_change_their_own_role():
    users, pool = MemoryUsers(), MemoryUserPool()
    users.ensure("lahore", "amina", "amina", None, ["admin"])
    with pytest.raises(SelfRoleChange):
        change_role(users, pool, "lahore", "amina", "amina", Role.CITIZEN)
    assert (users.get("lahore", "amina").groups, pool.groups) == (("admin",), {})


def test_a_disabled_account_is_disabled_and_signed_out_in_the_pool_and_enabled_again():
    users, pool = MemoryUsers(), MemoryUserPool()
    users.ensure("lahore", "bob", "bob", None, ["citizen"])
    assert set_account_active(users, pool, "lahore", "amina", "bob", False).active is False
    assert (pool.enabled["bob"], pool.signed_out) == (False, ["bob"])
    assert set_account_active(users, pool, "lahore", "amina", "bob", True).active is True
    assert pool.enabled["bob"] is True


def test_a_disable_the_pool_failed_still_refuses_the_account_everywhere():
    users, pool = MemoryUsers(), MemoryUserPool(failing=["disable"])
    users.ensure("lahore", "bob", "bob", None, ["citizen"])
    with pytest.raises(PoolDown):
        set_account_active(users, pool, "lahore", "amina", "bob", False)
    with pytest.raises(AccountDisabled):
        signed_in(users, "lahore", "bob", "bob", None, ["citizen"])


def test_an_enable_the_pool_failed_leaves_the_account_disabled():
    users, pool = MemoryUsers(), MemoryUserPool(failing=["enable"])
    users.ensure("lahore", "bob", "bob", None, ["citizen"])
    users.set_active("lahore", "bob", False)
    with pytest.raises(PoolDown):
        set_account_active(users, pool, "lahore", "amina", "bob", True)
    assert users.get("lahore", "bob").active is False


def test_an_admin_cannot_disable_themselves():
    users, pool = MemoryUsers(), MemoryUserPool()
    users.ensure("lahore", "amina", "amina", None, ["admin"])
    with pytest.raises(SelfDisable):
        set_account_active(users, pool, "lahore", "amina", "amina", False)
    assert users.get("lahore", "amina").active and pool.signed_out == []


# --- the user pool's triggers ----------------------------------------------------------------------------------


def trigger_module(name: str, monkeypatch: pytest.MonkeyPatch, **ports: object):
    spec = importlib.util.spec_from_file_location(f"user_pool_{name}", ROOT / "functions" / "user_pool" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for port, fake in ports.items():
        monkeypatch.setattr(module, port, fake)
    return module


def cognito_event(source: str, attributes: dict[str, str], **request: object) -> dict:
    return {
        "version": "1",
        "region": "us-east-1",
        "userPoolId": "us-east-1_Pool",
        "userName": "sub-1",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client"},
        "triggerSource": source,
        "request": {"userAttributes": {"sub": "sub-1", **attributes}, **request},
        "response": {},
    }


def test_the_pre_sign_up_trigger_refuses_an_unknown_or_closed_city_and_passes_an_open_one(monkeypatch, directory):
    module = trigger_module("pre_sign_up", monkeypatch, directory=directory, codes=MemoryInviteCodes())
    with pytest.raises(UnknownCity):
        module.handler(cognito_event("PreSignUp_SignUp", {"email": "a@example.org"}), CONTEXT)
    with pytest.raises(ClosedToSignups):
        module.handler(cognito_event("PreSignUp_SignUp", {"custom:tenant": "quetta"}), CONTEXT)
    event = cognito_event("PreSignUp_SignUp", {"custom:tenant": "lahore", "email": "a@example.org"})
    assert module.handler(event, CONTEXT) == event


def test_the_pre_sign_up_trigger_spends_the_invite_code_of_the_validation_data(monkeypatch, directory, codes):
    code = karachi_code(codes)
    module = trigger_module("pre_sign_up", monkeypatch, directory=directory, codes=codes)
    attributes = {"custom:tenant": "karachi", "email": "a@example.org"}
    module.handler(cognito_event("PreSignUp_SignUp", attributes, validationData={"invite_code": code}), CONTEXT)
    assert codes.find("karachi", hash_invite_code(code)).used_by == "a@example.org"


def test_the_pre_sign_up_trigger_lets_an_admin_create_an_account_in_a_closed_city_but_not_in_none(monkeypatch):
    module = trigger_module("pre_sign_up", monkeypatch, directory=MemoryCities(QUETTA), codes=MemoryInviteCodes())
    module.handler(cognito_event("PreSignUp_AdminCreateUser", {"custom:tenant": "quetta"}), CONTEXT)
    with pytest.raises(NoCity):
        module.handler(cognito_event("PreSignUp_AdminCreateUser", {"email": "a@example.org"}), CONTEXT)


def test_the_post_confirmation_trigger_admits_a_sign_up_and_ignores_a_password_reset(monkeypatch):
    users, pool = MemoryUsers(), MemoryUserPool()
    module = trigger_module("post_confirmation", monkeypatch, users=users, CognitoUserPool=lambda pool_id: pool)
    attributes = {"custom:tenant": "lahore", "email": "a@example.org"}
    module.handler(cognito_event("PostConfirmation_ConfirmForgotPassword", attributes), CONTEXT)
    assert users.users == {}
    module.handler(cognito_event("PostConfirmation_ConfirmSignUp", attributes), CONTEXT)
    assert (users.get("lahore", "sub-1").groups, pool.groups["sub-1"]) == (("citizen",), ["citizen"])


def test_the_pre_token_generation_trigger_overrides_the_tenant_and_the_groups(monkeypatch):
    users = MemoryUsers()
    users.ensure("lahore", "sub-1", "sub-1", None, ["driver"])
    module = trigger_module("pre_token_generation", monkeypatch, users=users)
    event = cognito_event(
        "TokenGeneration_Authentication",
        {"custom:tenant": "lahore"},
        groupConfiguration={"groupsToOverride": ["citizen"], "iamRolesToOverride": [], "preferredRole": None},
    )
    answer = module.handler(event, CONTEXT)
    assert answer["response"]["claimsOverrideDetails"] == {
        "claimsToAddOrOverride": {"custom:tenant": "lahore"},
        "groupOverrideDetails": {"groupsToOverride": ["driver"]},
    }
    users.set_active("lahore", "sub-1", False)
    with pytest.raises(AccountDisabled):
        module.handler(event, CONTEXT)


# --- the routes ------------------------------------------------------------------------------------------------


def accounts_client(user: str, group: Group, **ports: object) -> TestClient:
    providers = {"users": user_repository, "pool": user_pool, "cities": city_directory, "codes": invite_code_repository}
    return signed_in_client("accounts_api", user, group, {providers[name]: fake for name, fake in ports.items()})


def test_the_cities_that_take_sign_ups_are_listed_without_a_token(directory):
    client = accounts_client("nobody", Group.CITIZEN, cities=directory)
    client.app.dependency_overrides.pop(current_caller)
    assert client.get("/tenants").json() == [
        {"tenant": "karachi", "name": "Karachi", "signups": "invite"},
        {"tenant": "lahore", "name": "Lahore", "signups": "open"},
    ]


def test_an_admin_invites_staff_and_a_citizen_may_not():
    users, pool = MemoryUsers(), MemoryUserPool()
    body = {"email": "dina@example.org", "role": "driver"}
    refused = accounts_client("alice", Group.CITIZEN, users=users, pool=pool).post("/admin/staff", json=body)
    assert refused.status_code == 403 and pool.invitations == []
    answer = accounts_client("amina", Group.ADMIN, users=users, pool=pool).post("/admin/staff", json=body)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["groups"], answer.json()["active"]) == (["driver"], True)
    citizen = accounts_client("amina", Group.ADMIN, users=users, pool=pool).post(
        "/admin/staff", json={"email": "x@example.org", "role": "citizen"}
    )
    assert citizen.status_code == 422, "staff are drivers or admins; citizens sign themselves up"


def test_an_admin_invites_a_sponsor_into_the_sponsor_group():
    users, pool = MemoryUsers(), MemoryUserPool()
    body = {"email": "funding@acme.example", "role": "sponsor"}
    answer = accounts_client("amina", Group.ADMIN, users=users, pool=pool).post("/admin/staff", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["groups"] == ["sponsor"]
    refused = accounts_client("dina", Group.DRIVER, users=users, pool=pool).post(
        "/admin/staff", json={"email": "other@acme.example", "role": "sponsor"}
    )
    assert refused.status_code == 403 and len(pool.invitations) == 1


def test_the_role_route_changes_anothers_role_and_refuses_the_admins_own():
    users, pool = MemoryUsers(), MemoryUserPool()
    users.ensure("lahore", "bob", "bob", None, ["citizen"])
    admin = accounts_client("amina", Group.ADMIN, users=users, pool=pool)
    changed = admin.put("/admin/users/bob/role", json={"role": "driver"})
    assert (changed.status_code, changed.json()["groups"]) == (200, ["driver"])
    own = admin.put("/admin/users/amina/role", json={"role": "citizen"})
    assert (own.status_code, own.json()["error"]["code"]) == (409, "cannot_change_own_role")
    assert users.get("lahore", "amina").groups == ("admin",)


def test_an_invite_code_from_the_route_signs_up_one_citizen(directory):
    codes = MemoryInviteCodes()
    answer = accounts_client("amina", Group.ADMIN, users=MemoryUsers(), codes=codes).post(
        "/admin/invite-codes", json={"valid_days": 3}
    )
    assert answer.status_code == 201, answer.text
    directory.cities["lahore"] = City("lahore", "Lahore", "invite")
    check_sign_up(directory, codes, "lahore", "alice@example.org", answer.json()["code"], datetime.now(UTC))
