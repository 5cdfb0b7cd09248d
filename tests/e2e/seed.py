"""Data the dashboard shows, put in through the public API as citizens and an admin would, in a city of its own
for each test: what a test sees is what it made, whatever ran before it. Every call is checked."""

import uuid
from collections.abc import Callable

import httpx

from tests.integration.photos import ambiguous_scene
from tests.support import wait_until

# Lahore's canal bank: every seeded report sits within a few hundred metres of it.
CENTRE = (31.5204, 74.3587)


class Seeder:
    def __init__(self, api: str, token_for: Callable[[str, str, str], str], tenant: str, admin: str) -> None:
        self.api, self.token_for, self.tenant = api, token_for, tenant
        self.admin = token_for(admin, "admin", tenant)

    def call(self, method: str, path: str, token: str, headers: dict | None = None, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        response = httpx.request(method, self.api + path, headers=headers, timeout=30, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response

    def change_settings(self, **changes) -> dict:
        settings = self.call("GET", "/admin/settings", self.admin).json()
        saved = self.call("PUT", "/admin/settings", self.admin, json={**settings, **changes}).json()
        assert {name: saved[name] for name in changes} == changes
        return saved

    def force_human_review(self) -> None:
        self.change_settings(auto_approve_confidence=1.0, auto_reject_confidence=0.0, review_timeout_action="wait")

    def citizen(self) -> str:
        return self.token_for(f"citizen-{uuid.uuid4().hex[:8]}", "citizen", self.tenant)

    def queued_submission(self, citizen: str) -> str:
        """A cleanup whose "after" photo the model is unsure of: it waits in the review queue."""
        opened = self.call("POST", "/submissions", citizen, json={"task": "cleanup"}).json()
        form = opened["uploads"]["after"]
        files = {"file": ("after.jpg", ambiguous_scene(), "image/jpeg")}
        upload = httpx.post(form["url"], data=form["fields"], files=files)
        assert upload.status_code in (200, 204), upload.text
        submission_id = opened["submission"]["submission_id"]
        wait_until(
            lambda: self.call("GET", f"/submissions/{submission_id}", citizen).json()["status"] == "in_review",
            timeout=40,
        )
        return submission_id

    def report(self, citizen: str, waste_type: str, offset: float, description: str) -> str:
        body = {
            "waste_type": waste_type,
            "lat": CENTRE[0] + offset,
            "lng": CENTRE[1] + offset,
            "description": description,
        }
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        return self.call("POST", "/reports", citizen, json=body, headers=headers).json()["report_id"]

    def reports(self) -> list[str]:
        """Five reports of five waste types along the canal, by one citizen."""
        citizen = self.citizen()
        kinds = [("plastic", "bags by the canal"), ("glass", "broken bottles"), ("organic", "market leftovers"),
                 ("mixed", "dumped sacks"), ("e_waste", "old monitors")]  # fmt: skip
        return [self.report(citizen, kind, index * 0.0015, text) for index, (kind, text) in enumerate(kinds)]

    def counted(self, reports: list[str]) -> list[str]:
        """``reports`` once the city's aggregates (counters, heat cells) count them: they follow the table's stream."""
        wait_until(
            lambda: (
                self.call("GET", "/analytics/summary", self.admin).json()["counters"]["reports_created"] >= len(reports)
            )
        )
        return reports
