"""A citizen and their city's admin, as the reward suites drive them through the running system's API."""

import json
import uuid
from pathlib import Path

import httpx
from eth_account import Account
from web3 import HTTPProvider, Web3
from web3.contract import Contract

from tests.integration.photos import SERVICE_AREA, ambiguous_scene
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[2]
TOKEN = 10**18
DECIDED = ("in_review", "approved", "rejected")


def ecocoin(system) -> Contract:
    """The deployed EcoCoin, read straight from the local chain."""
    chain = system.described["chain"]
    abi = json.loads((ROOT / "contracts" / "build" / "EcoCoin.json").read_text())["abi"]
    return Web3(HTTPProvider(chain["rpc_url"])).eth.contract(address=chain["token_address"], abi=abi)


def trusting_the_rules(system, tenant: str, **more_settings) -> None:
    """Gives the tenant the honest pairs' service area and an approval threshold that the first honest pair
    (``photos.honest_pair``) reaches, so that it is approved with no human."""
    admin = system.bearer("amina", "admin", tenant)
    settings = httpx.get(system.api + "/admin/settings", headers=admin, timeout=60).json()
    settings.update(service_area=SERVICE_AREA, auto_approve_confidence=0.5, **more_settings)
    saved = httpx.put(system.api + "/admin/settings", headers=admin, json=settings, timeout=60)
    assert saved.status_code == 200, saved.text


def reviewed_by_a_human(system, tenant: str, **more_settings) -> None:
    """Sets the tenant's thresholds so that no verdict is confident enough to decide alone."""
    admin = system.bearer("amina", "admin", tenant)
    settings = httpx.get(system.api + "/admin/settings", headers=admin, timeout=60).json()
    settings.update(auto_approve_confidence=1.0, auto_reject_confidence=0.0, **more_settings)
    assert httpx.put(system.api + "/admin/settings", headers=admin, json=settings, timeout=60).status_code == 200


class Citizen:
    def __init__(self, system, tenant: str) -> None:
        self.system, self.tenant = system, tenant
        self.name = f"citizen-{uuid.uuid4().hex[:8]}"
        self.headers = system.bearer(self.name, "citizen", tenant)
        self.admin = system.bearer("amina", "admin", tenant)
        self.wallet = Account.create().address

    def api(self, method: str, path: str, admin: bool = False, **kwargs) -> httpx.Response:
        headers = self.admin if admin else self.headers
        return httpx.request(method, self.system.api + path, headers=headers, timeout=30, **kwargs)

    @classmethod
    def with_wallet(cls, system, tenant: str) -> "Citizen":
        """A citizen who has signed in once and added a wallet: ready to be paid."""
        citizen = cls(system, tenant)
        citizen.me()
        citizen.add_wallet()
        return citizen

    def add_wallet(self) -> None:
        assert self.api("PUT", "/me/wallet", json={"address": self.wallet}).status_code == 200

    def submit(self, photo: bytes | None = None, until: str = "in_review") -> str:
        opened = self.api("POST", "/submissions", json={"task": "cleanup"}).json()
        form = opened["uploads"]["after"]
        files = {"file": ("after.jpg", photo or ambiguous_scene(), "image/jpeg")}
        assert httpx.post(form["url"], data=form["fields"], files=files).status_code in (200, 204)
        submission_id = opened["submission"]["submission_id"]
        wait_until(lambda: self.submission(submission_id)["status"] == until, timeout=30)
        return submission_id

    def submit_cleanup(
        self, before: bytes | None, after: bytes, until: tuple[str, ...] = DECIDED, report_id: str | None = None
    ) -> dict:
        """Opens a cleanup (of the report ``report_id`` when given) and posts its photos through the forms it
        returned, "before" first as the app does; the submission once its status is one of ``until``."""
        task = {"task": "report", "report_id": report_id} if report_id else {"task": "cleanup"}
        opened = self.api("POST", "/submissions", json=task)
        assert opened.status_code == 201, opened.text
        forms = opened.json()["uploads"]
        for photo, data in (("before", before), ("after", after)):
            if data is not None:
                posted = httpx.post(forms[photo]["url"], data=forms[photo]["fields"], files={"file": (photo, data)})
                assert posted.status_code in (200, 204), posted.text
        submission_id = opened.json()["submission"]["submission_id"]
        seen: list[dict] = []

        def decided() -> dict | None:
            seen.append(self.submission(submission_id))
            return seen[-1] if seen[-1]["status"] in until else None

        try:
            return wait_until(decided, timeout=30)
        except AssertionError as error:
            raise AssertionError(f"submission never reached {until}: {seen[-1]}") from error

    def submission(self, submission_id: str) -> dict:
        return self.api("GET", f"/submissions/{submission_id}").json()

    def evidence(self, submission_id: str) -> dict:
        """The submission as an admin sees it, with the verifier's full verdict."""
        return self.api("GET", f"/admin/submissions/{submission_id}", admin=True).json()

    def approve(self, submission_id: str) -> httpx.Response:
        return self.api(
            "POST", f"/admin/submissions/{submission_id}/decision", admin=True,
            json={"outcome": "approved", "reason": "litter gone"},
        )  # fmt: skip

    def me(self) -> dict:
        return self.api("GET", "/me").json()

    def ledger(self) -> list[dict]:
        return self.api("GET", "/me/ledger").json()["items"]

    # --- a report's life: filed, moved by staff, answered by its reporter -----------------------------------

    def file_report(self, lat: float = 31.5204, lng: float = 74.3587, waste_type: str = "plastic") -> str:
        filed = self.api("POST", "/reports", json={"waste_type": waste_type, "lat": lat, "lng": lng})
        assert filed.status_code == 201, filed.text
        report_id: str = filed.json()["report_id"]
        return report_id

    def report(self, report_id: str) -> dict:
        return self.api("GET", f"/reports/{report_id}").json()

    def history(self, report_id: str) -> list[str]:
        """The report's history, as its actions."""
        return [entry["action"] for entry in self.api("GET", f"/reports/{report_id}/history").json()]

    def staff_moves(self, report_id: str, *statuses: str) -> dict:
        """The city's admin moves the report through ``statuses`` in turn; the report as it ends."""
        moved: dict = {}
        for status in statuses:
            answer = self.api(
                "POST", f"/admin/reports/{report_id}/status", admin=True, json={"status": status, "reason": "seen"}
            )
            assert answer.status_code == 200, answer.text
            moved = answer.json()
        return moved

    def confirms(self, report_id: str) -> httpx.Response:
        return self.api("POST", f"/reports/{report_id}/confirmation")

    def reopens(self, report_id: str, reason: str = "still there") -> httpx.Response:
        return self.api("POST", f"/reports/{report_id}/reopening", json={"reason": reason})

    def inbox_titles(self) -> list[str]:
        return [message["title"] for message in self.api("GET", "/me/inbox").json()["items"]]
