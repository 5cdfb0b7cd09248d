"""A report's road to being fixed through the running system's API: a citizen files it with a photo, an admin
sends a driver's vehicle, the driver finds the job and closes it out with a photo."""

import uuid
from dataclasses import dataclass

import httpx

from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.image import load_photo
from tests.integration.citizens import Citizen
from tests.support import wait_until


def taken_at(photo: bytes) -> GeoPoint:
    """Where the photo's EXIF says it was taken."""
    where = load_photo(photo, len(photo), 50_000_000).exif.location
    assert where is not None, "the photo carries no position"
    return where


def file_report_with_photo(
    citizen: Citizen, photo: bytes, at: GeoPoint | None = None, waste_type: str = "mixed"
) -> str:
    """The citizen uploads ``photo`` through the report photo form and files a report with it, placed ``at`` or
    where the photo says it was taken (as the app does with the phone's position)."""
    form = citizen.api("POST", "/uploads", json={"content_type": "image/jpeg"})
    assert form.status_code == 201, form.text
    upload = form.json()
    posted = httpx.post(upload["url"], data=upload["fields"], files={"file": ("report.jpg", photo, "image/jpeg")})
    assert posted.status_code in (200, 204), posted.text
    where = at or taken_at(photo)
    body = {"waste_type": waste_type, "lat": where.lat, "lng": where.lng, "photo_keys": [upload["key"]]}
    filed = citizen.api("POST", "/reports", json=body)
    assert filed.status_code == 201, filed.text
    report_id: str = filed.json()["report_id"]
    return report_id


class Driver:
    """A driver of the city, signed in with the driver role."""

    def __init__(self, system, tenant: str) -> None:
        self.system, self.tenant = system, tenant
        self.headers = system.bearer(f"driver-{uuid.uuid4().hex[:8]}", "driver", tenant)
        self.user_id: str = self.api("GET", "/whoami").json()["user_id"]

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, self.system.api + path, headers=self.headers, timeout=30, **kwargs)

    def jobs(self) -> list[dict]:
        answer = self.api("GET", "/driver/jobs")
        assert answer.status_code == 200, answer.text
        items: list[dict] = answer.json()["items"]
        return items

    def close_out(self, report_id: str, photo: bytes) -> str:
        """Opens the job's close-out and posts its "after" photo through the form it returned: the submission."""
        opened = self.api("POST", f"/driver/jobs/{report_id}/closeout", json={"content_type": "image/jpeg"})
        assert opened.status_code == 201, opened.text
        form = opened.json()["uploads"]["after"]
        posted = httpx.post(form["url"], data=form["fields"], files={"file": ("after.jpg", photo, "image/jpeg")})
        assert posted.status_code in (200, 204), posted.text
        submission_id: str = opened.json()["submission"]["submission_id"]
        return submission_id

    def submission_once(self, submission_id: str, until: tuple[str, ...]) -> dict:
        """The close-out once its status is one of ``until``."""
        seen: list[dict] = []

        def decided() -> dict | None:
            seen.append(self.api("GET", f"/submissions/{submission_id}").json())
            return seen[-1] if seen[-1]["status"] in until else None

        try:
            return wait_until(decided, timeout=30)
        except AssertionError as error:
            raise AssertionError(f"close-out never reached {until}: {seen[-1]}") from error


@dataclass(frozen=True)
class DispatchedJob:
    report_id: str
    vehicle_id: str
    driver: Driver


def dispatch_to_a_new_driver(citizen: Citizen, report_id: str) -> DispatchedJob:
    """The city's admin adds a vehicle driven by a new driver and sends it to the report."""
    driver = Driver(citizen.system, citizen.tenant)
    vehicle_id = f"truck-{uuid.uuid4().hex[:6]}"
    vehicle = {"vehicle_id": vehicle_id, "name": "Truck", "driver_id": driver.user_id}
    added = citizen.api("POST", "/fleet/vehicles", admin=True, json=vehicle)
    assert added.status_code == 201, added.text
    sent = citizen.api("POST", f"/admin/reports/{report_id}/dispatch", admin=True, json={"vehicle_id": vehicle_id})
    assert sent.status_code == 200, sent.text
    return DispatchedJob(report_id, vehicle_id, driver)


def vehicle(citizen: Citizen, vehicle_id: str) -> dict:
    """The vehicle as the city's admin sees it in the fleet."""
    listed = citizen.api("GET", "/fleet/vehicles", admin=True, params={"limit": 100}).json()["items"]
    found: dict = next(item for item in listed if item["vehicle_id"] == vehicle_id)
    return found


def resolved_by(citizen: Citizen, report_id: str, submission_id: str) -> dict:
    """The report once its history says the cleanup ``submission_id`` resolved it (the workflow records the
    approval a moment after the submission shows it)."""

    def resolution() -> dict | None:
        history = citizen.api("GET", f"/reports/{report_id}/history").json()
        named = [
            entry for entry in history if entry["action"] == "resolved" and submission_id in (entry["reason"] or "")
        ]
        return named[-1] if named else None

    wait_until(resolution, timeout=30)
    report: dict = citizen.api("GET", f"/reports/{report_id}").json()
    return report
