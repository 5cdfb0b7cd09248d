"""Data the dashboard shows, put in through the public API as citizens and an admin would."""

import uuid

import httpx

from tests.integration.photos import ambiguous_scene
from tests.support import wait_until

# Lahore's canal bank: every seeded report sits within a few hundred metres of it.
CENTRE = (31.5204, 74.3587)


class Seeder:
    def __init__(self, api: str, token_for) -> None:
        self.api, self.token_for = api, token_for

    def call(self, method: str, path: str, token: str, headers: dict | None = None, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        response = httpx.request(method, self.api + path, headers=headers, timeout=30, **kwargs)
        response.raise_for_status()
        return response

    def force_human_review(self, admin: str) -> None:
        settings = self.call("GET", "/admin/settings", admin).json()
        settings.update(auto_approve_confidence=1.0, auto_reject_confidence=0.0, review_timeout_action="wait")
        self.call("PUT", "/admin/settings", admin, json=settings)

    def citizen(self, tenant: str) -> str:
        return self.token_for(f"citizen-{uuid.uuid4().hex[:8]}", "citizen", tenant)

    def queued_submission(self, citizen: str) -> str:
        """A cleanup whose "after" photo the model is unsure of: it waits in the review queue."""
        opened = self.call("POST", "/submissions", citizen, json={"task": "cleanup"}).json()
        form = opened["uploads"]["after"]
        files = {"file": ("after.jpg", ambiguous_scene(), "image/jpeg")}
        assert httpx.post(form["url"], data=form["fields"], files=files).status_code in (200, 204)
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
