"""What each route and each pipeline step asks of AWS: DynamoDB round trips (waits one after another: queries sent
together wait once) and calls, read and write capacity units, other AWS calls and handler time, as the local runtime
counts them per invocation (ecopulse_local.calls).

Every route runs once, warm, with data it can find (a report, a cleanup, an event); then a report is filed with a
photo and verified and resolved by the city, one cleanup goes through the pipeline with no human (approved and
minted) and one through an admin's review, each journey with every invocation it set off (followed with the
runtime's long poll until none ends for a few seconds: the photos' verification, the workflow, the aggregates' and
the notices' stream batches), counted by function. `--json FILE` also writes the figures for bench/cost.py.

Run: .venv/bin/python bench/calls.py [--json bench/calls.json]
"""

import argparse
import json
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_system import Target, call_records, ended_after, invocations_so_far, started_target  # noqa: E402
from pipeline import UPLOADS, Cleanup, open_cleanup, post_photos  # noqa: E402

from ecopulse.geo import MAX_NEARBY_RADIUS_M  # noqa: E402
from tests.integration.citizens import reviewed_by_a_human  # noqa: E402
from tests.integration.photos import honest_pair, littered_scene  # noqa: E402

LAHORE = (31.5204, 74.3587)
# How long no invocation may end before a journey's work is taken as done: the stream's batches (AggregateFunction,
# ReportNoticesFunction) and the workflow's last notices end after the journey's last API call.
QUIET_SECONDS = 5.0
Figures = dict[str, Any]


def totals(records: list[dict[str, Any]]) -> Figures:
    """The sum of some invocations' records: round trips, calls by operation, capacity, other calls, time."""
    dynamodb: Counter[str] = Counter()
    aws: Counter[str] = Counter()
    for record in records:
        dynamodb.update(record["dynamodb"])
        aws.update(record["aws"])
    return {
        "invocations": len(records),
        "round_trips": sum(record["dynamodb_round_trips"] for record in records),
        "calls": sum(dynamodb.values()),
        "dynamodb": dict(dynamodb),
        "rcu": round(sum(record["rcu"] for record in records), 2),
        "wcu": round(sum(record["wcu"] for record in records), 2),
        "transaction_items": sum(record.get("transaction_items", 0) for record in records),
        "aws": dict(aws),
        "aws_calls": sum(aws.values()),
        "handler_ms": round(sum(record["handler_ms"] for record in records), 1),
        "peak_memory_mb": max((record["peak_memory_mb"] for record in records), default=0.0),
        "functions": sorted({record["function"] for record in records}),
    }


class Counted:
    """Calls routes of a running system and reads what each one cost from the runtime's call records."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.client = httpx.Client(base_url=target.api, timeout=60)

    def records(self, request_id: str | None = None) -> list[dict[str, Any]]:
        return call_records(self.target, **({"request_id": request_id} if request_id else {}))

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, headers=headers, **kwargs)

    def cost(self, response: httpx.Response) -> Figures:
        """What the request that got ``response`` cost, with its status."""
        assert response.status_code < 500, response.text  # noqa: S101  # a failed route's figures mean nothing
        return {**totals(self.records(response.headers["apigw-requestid"])), "status": response.status_code}

    def settled(self, seen: int, timeout: float = 180) -> list[dict[str, Any]]:
        """The records of every invocation that ended after the first ``seen``, once none has ended for
        ``QUIET_SECONDS``: followed with the runtime's long poll, so the work a journey set off is all counted."""
        records: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen, ended = ended_after(self.target, seen, QUIET_SECONDS)
            if not ended:
                return records
            records.extend(ended)
        raise TimeoutError(f"invocations still ended after {timeout} s")

    def quiet(self) -> int:
        """Waits until earlier work has ended; the count to follow the next journey from."""
        seen = invocations_so_far(self.target)
        return seen + len(self.settled(seen))


def routes(counted: Counted, tenant: str) -> dict[str, Callable[[], httpx.Response]]:
    """Each route once, in an order that gives the later ones something to read."""
    citizen = counted.target.bearer(f"calls-citizen-{tenant}", "citizen", tenant)
    neighbour = counted.target.bearer(f"calls-neighbour-{tenant}", "citizen", tenant)
    admin = counted.target.bearer(f"calls-admin-{tenant}", "admin", tenant)
    call = counted.call
    # A city serves Open311 and takes alerts only for zones it has set: one zone around the reports.
    lat, lng = LAHORE
    centre = [[[lng - 0.05, lat - 0.05], [lng + 0.05, lat - 0.05], [lng + 0.05, lat + 0.05], [lng - 0.05, lat - 0.05]]]
    zone = {"zone_id": "center", "name": "Centre", "area": {"type": "Polygon", "coordinates": centre}}
    call("PUT", "/admin/settings", admin, json={"display_name": "Calls", "zones": [zone]}).raise_for_status()
    for n in range(20):  # neighbours' reports, for the lists and nearby to find
        body = {"waste_type": "plastic", "lat": LAHORE[0] + n * 0.0005, "lng": LAHORE[1]}
        call("POST", "/reports", neighbour, json=body).raise_for_status()
    call("GET", "/me", citizen).raise_for_status()
    report = call("POST", "/reports", citizen, json={"waste_type": "glass", "lat": LAHORE[0], "lng": LAHORE[1]}).json()
    report_id = report["report_id"]
    opened = call("POST", "/submissions", citizen, json={"task": "cleanup"}).json()
    submission_id = opened["submission"]["submission_id"]
    event = call(
        "POST",
        "/events",
        admin,
        json={
            "title": "Canal sweep",
            "lat": LAHORE[0],
            "lng": LAHORE[1],
            "starts_at": "2030-01-01T09:00:00Z",
            "ends_at": "2030-01-01T12:00:00Z",
            "capacity": 50,
        },
    )
    event_id = event.json().get("event_id", "none")
    open311 = f"/open311/{tenant}/v2"
    return {
        "citizen: GET /me": lambda: call("GET", "/me", citizen),
        "citizen: PATCH /me": lambda: call("PATCH", "/me", citizen, json={"display_name": "Calls"}),
        "citizen: PUT /me/wallet": lambda: call(
            "PUT", "/me/wallet", citizen, json={"address": "0x" + uuid.uuid4().hex + "00000000"}
        ),
        "citizen: POST /uploads": lambda: call("POST", "/uploads", citizen, json={"content_type": "image/jpeg"}),
        "citizen: POST /reports": lambda: call(
            "POST", "/reports", citizen, json={"waste_type": "metal", "lat": LAHORE[0], "lng": LAHORE[1]}
        ),
        "citizen: GET /reports": lambda: call("GET", "/reports", citizen),
        "citizen: GET /reports/{id}": lambda: call("GET", f"/reports/{report_id}", citizen),
        "citizen: GET /reports/nearby": lambda: call(  # the widest search: the most index cells
            "GET",
            "/reports/nearby",
            citizen,
            params={"lat": LAHORE[0], "lng": LAHORE[1], "radius_m": MAX_NEARBY_RADIUS_M},
        ),
        "citizen: POST /reports/{id}/votes": lambda: call(
            "POST", f"/reports/{report_id}/votes", neighbour, json={"agrees": True}
        ),
        "citizen: GET /reports/{id}/history": lambda: call("GET", f"/reports/{report_id}/history", citizen),
        "citizen: POST /submissions": lambda: call("POST", "/submissions", citizen, json={"task": "cleanup"}),
        "citizen: GET /submissions": lambda: call("GET", "/submissions", citizen),
        "citizen: GET /submissions/{id}": lambda: call("GET", f"/submissions/{submission_id}", citizen),
        "citizen: GET /me/reports": lambda: call("GET", "/me/reports", citizen),
        "citizen: GET /me/submissions": lambda: call("GET", "/me/submissions", citizen),
        "citizen: GET /me/ledger": lambda: call("GET", "/me/ledger", citizen),
        "citizen: GET /me/inbox": lambda: call("GET", "/me/inbox", citizen),
        "citizen: PUT /me/alerts/{zone}": lambda: call("PUT", "/me/alerts/center", citizen),
        "citizen: GET /events": lambda: call("GET", "/events", citizen),
        "citizen: POST /events/{id}/join": lambda: call("POST", f"/events/{event_id}/join", citizen),
        "citizen: GET /leaderboard": lambda: call("GET", "/leaderboard", citizen),
        "admin: GET /admin/review-queue": lambda: call("GET", "/admin/review-queue", admin),
        "admin: GET /admin/submissions/{id}": lambda: call("GET", f"/admin/submissions/{submission_id}", admin),
        "admin: GET /admin/users": lambda: call("GET", "/admin/users", admin),
        "admin: GET /admin/settings": lambda: call("GET", "/admin/settings", admin),
        "admin: POST /admin/reports/{id}/status": lambda: call(
            "POST", f"/admin/reports/{report_id}/status", admin, json={"status": "verified", "reason": "seen by a crew"}
        ),
        "admin: GET /analytics/summary": lambda: call("GET", "/analytics/summary", admin),
        "admin: GET /analytics/daily": lambda: call("GET", "/analytics/daily", admin),
        "admin: GET /analytics/zones": lambda: call("GET", "/analytics/zones", admin),
        "admin: GET /analytics/heatmap": lambda: call("GET", "/analytics/heatmap", admin),
        "admin: GET /fleet/vehicles": lambda: call("GET", "/fleet/vehicles", admin),
        "open311: GET services.json": lambda: call("GET", f"{open311}/services.json"),
        "open311: GET requests.json": lambda: call("GET", f"{open311}/requests.json"),
        "open311: GET requests/{id}.json": lambda: call("GET", f"{open311}/requests/{report_id}.json"),
    }


def measure_routes(counted: Counted, tenant: str | None = None) -> dict[str, Figures]:
    """Each route called once, with what that call cost, after every GET route was called once: its function's
    worker is warm, and a write is measured the first time, not refused as a repeat."""
    tenant = tenant or f"calls-{uuid.uuid4().hex[:6]}"
    requests = routes(counted, tenant)
    for name, request in requests.items():
        if ": GET " in name:
            request()
    return {name: counted.cost(request()) for name, request in requests.items()}


def by_function(records: list[dict[str, Any]]) -> dict[str, Figures]:
    """The records of a journey's asynchronous steps (not API routes), summed per function."""
    functions: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if not record["trigger"].split(" ")[0].isupper():
            functions.setdefault(record["function"], []).append(record)
    return {name: totals(records) for name, records in functions.items()}


def measure_report(counted: Counted) -> dict[str, Figures]:
    """A report filed with a photo, as the app files it (the upload form, the photo, the report), then verified and
    resolved by the city, with everything they set off (the photo's verification and copies, the aggregates' and
    the notices' stream batches), by function."""
    tenant = f"calls-report-{uuid.uuid4().hex[:6]}"
    citizen = counted.target.bearer("calls-reporter", "citizen", tenant)
    admin = counted.target.bearer("calls-admin", "admin", tenant)
    counted.call("GET", "/me", citizen).raise_for_status()  # a citizen who has signed in before, as most reporters
    seen = counted.quiet()
    form = counted.call("POST", "/uploads", citizen, json={"content_type": "image/jpeg"}).raise_for_status()
    upload = form.json()
    files = {"file": ("report.jpg", littered_scene(), "image/jpeg")}
    UPLOADS.post(upload["url"], data=upload["fields"], files=files).raise_for_status()
    body = {"waste_type": "organic", "lat": LAHORE[0], "lng": LAHORE[1], "photo_keys": [upload["key"]]}
    filed = counted.call("POST", "/reports", citizen, json=body).raise_for_status()
    changes = {}
    for status in ("verified", "resolved"):
        path = f"/admin/reports/{filed.json()['report_id']}/status"
        change = {"status": status, "reason": "seen by the city's crew"}
        changes[f"admin: POST /admin/reports/{{id}}/status ({status})"] = counted.call(
            "POST", path, admin, json=change
        ).raise_for_status()
    steps = by_function(counted.settled(seen))
    api = {"citizen: POST /uploads": form, "citizen: POST /reports": filed, **changes}
    return {**{name: counted.cost(response) for name, response in api.items()}, **steps}


def minted(counted: Counted, cleanup: Cleanup, records: list[dict[str, Any]]) -> bool:
    """Whether the submission has its transaction, asked only once the minter has run."""
    if not any(record["function"] == "MintFunction" for record in records):
        return False
    submission = counted.call("GET", f"/submissions/{cleanup.submission_id}", cleanup.headers).json()
    return bool(submission.get("mint_tx"))


def measure_pipeline(counted: Counted, reviewed: bool) -> dict[str, Figures]:
    """One honest cleanup from its photos to its reward on chain, by function: with no human, or through an
    admin's review (the admin's queue, the submission and the decision included)."""
    tenant = f"calls-{'reviewed' if reviewed else 'auto'}-{uuid.uuid4().hex[:6]}"
    target = counted.target
    seen = counted.quiet()
    cleanup = open_cleanup(target, "calls-cleaner", tenant)  # in a tenant that trusts the rules
    if reviewed:
        reviewed_by_a_human(target, tenant)
    post_photos(cleanup, honest_pair())
    admin = target.bearer("calls-admin", "admin", tenant)
    decided: list[httpx.Response] = []
    records: list[dict[str, Any]] = []
    position, deadline = seen, time.monotonic() + 120
    while not minted(counted, cleanup, records):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{cleanup.submission_id} was not minted")
        position, ended = ended_after(target, position, 10)
        records.extend(ended)
        if reviewed and not decided and any(record["function"] == "RequestReviewFunction" for record in records):
            decided.append(counted.call("GET", "/admin/review-queue", admin))
            decided.append(counted.call("GET", f"/admin/submissions/{cleanup.submission_id}", admin))
            decided.append(counted.call("GET", f"/admin/submissions/{cleanup.submission_id}/photos", admin))
            decision = {"outcome": "approved", "reason": "a clean canal bank"}
            path = f"/admin/submissions/{cleanup.submission_id}/decision"
            decided.append(counted.call("POST", path, admin, json=decision))
    steps = by_function(records + counted.settled(position))  # the submission's opening set off the aggregates too
    for response in decided:
        request = response.request
        steps[f"admin: {request.method} {request.url.path.replace(cleanup.submission_id, '{id}')}"] = counted.cost(
            response
        )
    return steps


def journeys(counted: Counted) -> dict[str, dict[str, Figures]]:
    """Every route, then each cleanup journey after one that is not counted, so that every step runs warm."""
    routes_figures = measure_routes(counted)
    measure_pipeline(counted, reviewed=True)
    measure_report(counted)
    return {
        "routes": routes_figures,
        "report filed and resolved": measure_report(counted),
        "cleanup auto-approved": measure_pipeline(counted, reviewed=False),
        "cleanup reviewed": measure_pipeline(counted, reviewed=True),
    }


def print_figures(title: str, figures: dict[str, Figures]) -> None:
    print(f"\n{title}")
    width = max(len(name) for name in figures) + 2
    header = f"{'round trips':>12}{'calls':>7}{'RCU':>8}{'WCU':>8}{'other AWS':>10}{'handler ms':>11}"
    print(f"{'':<{width}}{header}  operations")
    for name, figure in figures.items():
        operations = ", ".join(f"{op} {n}" for op, n in sorted({**figure["dynamodb"], **figure["aws"]}.items()))
        print(
            f"{name:<{width}}{figure['round_trips']:>12}{figure['calls']:>7}{figure['rcu']:>8.1f}{figure['wcu']:>8.1f}"
            f"{figure['aws_calls']:>10}{figure['handler_ms']:>11.1f}  {operations}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the figures here, for bench/cost.py")
    args = parser.parse_args()
    with started_target() as target:
        measured = journeys(Counted(target))
    for title, figures in measured.items():
        print_figures(title, figures)
    if args.json:
        args.json.write_text(json.dumps(measured, indent=2) + "\n")


if __name__ == "__main__":
    main()
