"""Joining a city through the running `ecopulse local`: a newcomer signs up, confirms with the code the pool sent
and signs in, and the ID token that came out of the user pool's triggers files a report; an invited driver sets
their own password and moves their vehicle; a citizen the city disabled files nothing and cannot sign in."""

import re
import subprocess
import sys
import uuid

import httpx
import jwt

LAHORE = (31.5204, 74.3587)
PASSWORD = "Correct-Horse-42"


class City:
    """A city of its own for each test, opened to sign-ups by its first admin (an operator's account)."""

    def __init__(self, system, signups: str = "open") -> None:
        self.system, self.tenant = system, f"city-{uuid.uuid4().hex[:8]}"
        self.admin = system.bearer(f"admin-{self.tenant}", "admin", self.tenant)
        settings = self.call("GET", "/admin/settings", self.admin).json()
        opened = self.call("PUT", "/admin/settings", self.admin, json={**settings, "signups": signups})
        assert opened.status_code == 200, opened.text

    def call(self, method: str, path: str, headers: dict | None = None, **kwargs) -> httpx.Response:
        return httpx.request(method, self.system.api + path, headers=headers or {}, timeout=30, **kwargs)

    def auth(self, action: str, **body) -> httpx.Response:
        return httpx.post(f"{self.system.dashboard}/local-auth/{action}", json=body, timeout=30)

    def outbox(self, email: str) -> list[dict]:
        return httpx.get(f"{self.system.dashboard}/local-auth/outbox", params={"to": email}).json()

    def citizen(self) -> tuple[str, dict[str, str], dict]:
        """A newcomer signed up, confirmed and signed in: their address, bearer header and token claims."""
        email = f"{uuid.uuid4().hex[:10]}@example.org"
        signed_up = self.auth("sign-up", email=email, password=PASSWORD, tenant=self.tenant)
        assert (signed_up.status_code, signed_up.json()["confirmed"]) == (200, False), signed_up.text
        (message,) = self.outbox(email)
        code = re.search(r"\b(\d{6})\b", message["body"]).group(1)
        assert self.auth("confirm", email=email, code=code).status_code == 200
        token = self.auth("sign-in", email=email, password=PASSWORD).json()["id_token"]
        return email, {"Authorization": f"Bearer {token}"}, jwt.decode(token, options={"verify_signature": False})

    def report(self, headers: dict[str, str]) -> httpx.Response:
        body = {"waste_type": "plastic", "lat": LAHORE[0], "lng": LAHORE[1], "description": "bags by the canal"}
        return self.call("POST", "/reports", headers, json=body)


def test_a_newcomer_signs_up_into_an_open_city_confirms_signs_in_and_files_a_report(local_system):
    city = City(local_system)
    listed = city.call("GET", "/tenants")
    assert {"tenant": city.tenant, "name": city.tenant, "signups": "open"} in listed.json()

    email, citizen, claims = city.citizen()
    assert (claims["custom:tenant"], claims["cognito:groups"], claims["email"]) == (city.tenant, ["citizen"], email)
    me = city.call("GET", "/me", citizen).json()
    assert (me["user_id"], me["groups"], me["tenant"]) == (claims["sub"], ["citizen"], city.tenant)
    filed = city.report(citizen)
    assert (filed.status_code, filed.json()["reporter_id"]) == (201, claims["sub"])

    cli = subprocess.run(
        [sys.executable, "-m", "ecopulse_local.cli", "local", "--state-dir", str(local_system.state_dir),
         "sign-in", "--email", email, "--password", PASSWORD],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    again = jwt.decode(cli.stdout.strip(), options={"verify_signature": False})
    assert (again["sub"], again["custom:tenant"], again["cognito:groups"]) == (claims["sub"], city.tenant, ["citizen"])


def test_a_sign_up_is_refused_by_the_trigger_for_an_unknown_or_closed_city_and_leaves_no_account(local_system):
    closed = City(local_system, signups="closed")
    for tenant, reason in ((closed.tenant, "does not take sign-ups"), ("atlantis", "there is no city")):
        email = f"{uuid.uuid4().hex[:10]}@example.org"
        refused = closed.auth("sign-up", email=email, password=PASSWORD, tenant=tenant)
        assert (refused.status_code, refused.json()["code"]) == (400, "UserLambdaValidationException")
        assert reason in refused.json()["message"]
        assert closed.outbox(email) == []
        unknown = closed.auth("sign-in", email=email, password=PASSWORD)
        assert unknown.json()["code"] in ("UserNotFoundException", "NotAuthorizedException")
    assert closed.tenant not in {city["tenant"] for city in closed.call("GET", "/tenants").json()}


def test_a_wrong_confirmation_code_confirms_nothing(local_system):
    city = City(local_system)
    email = f"{uuid.uuid4().hex[:10]}@example.org"
    assert city.auth("sign-up", email=email, password=PASSWORD, tenant=city.tenant).status_code == 200
    wrong = city.auth("confirm", email=email, code="000000")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "CodeMismatchException")
    unconfirmed = city.auth("sign-in", email=email, password=PASSWORD)
    assert unconfirmed.json()["code"] == "UserNotConfirmedException"


def test_an_invite_only_city_takes_one_sign_up_per_code(local_system):
    city = City(local_system, signups="invite")
    code = city.call("POST", "/admin/invite-codes", city.admin, json={}).json()["code"]
    first, second = (f"{uuid.uuid4().hex[:10]}@example.org" for _ in range(2))
    signed_up = city.auth("sign-up", email=first, password=PASSWORD, tenant=city.tenant, invite_code=code)
    assert signed_up.status_code == 200, signed_up.text
    used = city.auth("sign-up", email=second, password=PASSWORD, tenant=city.tenant, invite_code=code)
    assert (used.status_code, used.json()["code"]) == (400, "UserLambdaValidationException")
    assert "has been used" in used.json()["message"]


def test_an_invited_driver_sets_a_password_and_moves_their_vehicle(local_system):
    city = City(local_system)
    email = f"driver-{uuid.uuid4().hex[:8]}@example.org"
    for group in ("citizen", "driver"):
        staff = local_system.bearer(f"{group}-{city.tenant}", group, city.tenant)
        refused = city.call("POST", "/admin/staff", staff, json={"email": email, "role": "driver"})
        assert refused.status_code == 403, refused.text
    invited = city.call("POST", "/admin/staff", city.admin, json={"email": email, "role": "driver"})
    assert invited.status_code == 201, invited.text
    driver_id = invited.json()["user_id"]
    (invitation,) = city.outbox(email)
    temporary = re.search(r"temporary password (\S+)", invitation["body"]).group(1)
    challenged = city.auth("sign-in", email=email, password=temporary)
    assert challenged.json() == {"challenge": "NEW_PASSWORD_REQUIRED"}
    token = city.auth("sign-in", email=email, password=temporary, new_password=PASSWORD).json()["id_token"]
    driver = {"Authorization": f"Bearer {token}"}
    assert jwt.decode(token, options={"verify_signature": False})["cognito:groups"] == ["driver"]

    truck = f"truck-{uuid.uuid4().hex[:6]}"
    added = city.call(
        "POST", "/fleet/vehicles", city.admin, json={"vehicle_id": truck, "name": "T", "driver_id": driver_id}
    )
    assert added.status_code == 201, added.text
    moved = city.call("PUT", f"/fleet/vehicles/{truck}/position", driver, json={"lat": LAHORE[0], "lng": LAHORE[1]})
    assert (moved.status_code, moved.json()["lat"]) == (200, LAHORE[0]), moved.text
    assert city.report(driver).status_code == 403, "a driver files no citizen report"

    elsewhere = City(local_system)
    taken = elsewhere.call("POST", "/admin/staff", elsewhere.admin, json={"email": email, "role": "admin"})
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "already_member")
    foreign = elsewhere.call("PUT", f"/admin/users/{driver_id}/role", elsewhere.admin, json={"role": "admin"})
    assert foreign.status_code == 404


def test_a_citizen_the_city_disables_files_nothing_and_cannot_sign_in(local_system):
    city = City(local_system)
    email, citizen, claims = city.citizen()
    assert city.report(citizen).status_code == 201
    disabled = city.call("PATCH", f"/admin/users/{claims['sub']}", city.admin, json={"active": False})
    assert (disabled.status_code, disabled.json()["active"]) == (200, False), disabled.text
    refused = city.report(citizen)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "account_disabled")
    signed_out = city.auth("sign-in", email=email, password=PASSWORD)
    assert (signed_out.status_code, signed_out.json()["code"]) == (400, "NotAuthorizedException")
