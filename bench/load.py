"""Load on `ecopulse local`: citizen and admin traffic mixed at a constant arrival rate, then a burst of cleanup
uploads through the whole pipeline; with --hot-city, instead, one city's writes at the API's throttle limit.

Run: .venv/bin/python bench/load.py [--rate 20] [--duration 30] [--burst 30] [--json PATH] [--state-dir DIR]
     .venv/bin/python bench/load.py --hot-city [--rate 100] [--duration 60] [--approvals 40]
Without --state-dir it starts its own runtime on free ports; with it, it loads the `ecopulse local` already running
with that state folder (`.ecopulse/local` unless it was started with another), signing tokens with its key.
Exits 1 if any request failed or any burst submission was not minted (with --hot-city: any 5xx, lost write, or
aggregate that differs from a recount).

Mixed traffic is an open model. Request n is due at n / rate seconds whatever the earlier ones are doing, and waits
for one of a bounded pool of workers; its latency runs from when it was due, so time queued for a worker counts. A
closed loop, sending only after the last answer, would slow down with the system and leave the slow periods out of
its numbers (coordinated omission). Each route is called once, untimed, before the clock starts, so the first cold
start of its function is not counted; the ones that come as the runtime adds workers under load are.

The hot city is one tenant taking reports, votes and admins' approvals at once, offered at the template's
`ThrottlingRateLimit` (100 requests/s) for 60 s, open model as above. Before the clock: 200 reports to vote on and
N cleanups waiting in review (their "after" photo verified, each by a citizen of its own). It prints each kind's
requests, 5xx and writes lost (acknowledged but not stored: reports and votes by Query, approvals once the
workflow has recorded them), DynamoDB's refusals counted by the runtime's call hook (transaction conflicts,
failed conditions, throttles) for the API's functions and for the stream's aggregator apart, and whether the
aggregates (totals, zones, heat cells) equal a recount of the items by Query, and how long after the burst.

The upload burst opens N cleanup submissions, each in a tenant of its own that trusts the rules (the same photos twice
in one tenant are duplicates), posts every honest before/after pair at once (each submission's "before" photo first),
and follows each through verify → approve → mint → notify without polling the API: whenever a mint invocation
ends (the runtime's `/local-runtime/calls/next` answers then), the pending submissions are read once; a submission is
minted when the invocation that set its transaction ended, approved when the decision changed it. It counts as
minted only when its citizen's ledger holds exactly one entry for it, paid, with the submission's tx hash.
"""

import argparse
import json
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_system import (  # noqa: E402
    Target,
    after_warm_up,
    call_records,
    ended_after,
    invocations_so_far,
    notified,
    running_target,
    started_target,
)
from pipeline import UPLOADS, mints_ended, open_cleanup, post_photos, upload_until_minted  # noqa: E402
from stats import Rows, print_table, spread  # noqa: E402

from ecopulse.store.models import SubmissionItem  # noqa: E402
from ecopulse.waste import WasteType  # noqa: E402
from tests.aggregation import aggregated, point_models_at, recount  # noqa: E402
from tests.integration.citizens import reviewed_by_a_human  # noqa: E402
from tests.integration.photos import ambiguous_scene, honest_pair  # noqa: E402

LAHORE = (31.5204, 74.3587)
MIXED_COLUMNS = ("requests", "offered/s", "achieved/s", "p50", "p95", "p99", "max", "bad status", "no answer")
BURST_COLUMNS = ("requests", "minted", "p50", "p95", "p99", "max", "minted/s")
HOT_COLUMNS = ("requests", "achieved/s", "p50", "p95", "p99", "5xx", "other bad", "no answer", "acknowledged", "lost")
REFUSAL_COLUMNS = ("TransactionConflict", "ConditionalCheckFailed", "throttled", "other")
THROTTLING_RATE_LIMIT = 100  # template.yaml, HttpApi's DefaultRouteSettings


class Request(NamedTuple):
    path: str
    headers: dict[str, str]
    json: dict | None = None
    params: dict | None = None


@dataclass
class Traffic:
    """Who calls, and what exists before the clock starts, so that no timed request waits on setup."""

    citizens: list[dict[str, str]]
    admin: dict[str, str]
    report_ids: list[str]
    voters: dict[int, dict[str, str]]

    def citizen(self, n: int) -> dict[str, str]:
        return self.citizens[n % len(self.citizens)]

    def report(self, n: int) -> str:
        return self.report_ids[n % len(self.report_ids)]


def new_report(n: int) -> dict:
    waste_types = list(WasteType)
    return {"waste_type": waste_types[n % len(waste_types)], "lat": LAHORE[0] + (n % 40) * 5e-4, "lng": LAHORE[1]}


# Route → (percent of requests, the request for the nth one). Reads dominate, as in a civic app; votes come from a
# citizen of their own each, since a citizen votes on a report once.
MIX: dict[str, tuple[int, Callable[[Traffic, int], Request]]] = {
    "GET /me": (15, lambda t, n: Request("/me", t.citizen(n))),
    "GET /reports": (10, lambda t, n: Request("/reports", t.citizen(n))),
    "GET /reports/{id}": (15, lambda t, n: Request(f"/reports/{t.report(n)}", t.citizen(n))),
    "GET /reports/nearby": (
        10,
        lambda t, n: Request("/reports/nearby", t.citizen(n), params={"lat": LAHORE[0], "lng": LAHORE[1]}),
    ),
    "GET /leaderboard": (10, lambda t, n: Request("/leaderboard", t.citizen(n))),
    "GET /me/ledger": (10, lambda t, n: Request("/me/ledger", t.citizen(n))),
    "POST /reports": (8, lambda t, n: Request("/reports", t.citizen(n), json=new_report(n))),
    "POST /submissions": (5, lambda t, n: Request("/submissions", t.citizen(n), json={"task": "cleanup"})),
    "POST /reports/{id}/votes": (
        7,
        lambda t, n: Request(f"/reports/{t.report(n)}/votes", t.voters[n], json={"agrees": n % 4 != 0}),
    ),
    "GET /admin/review-queue": (4, lambda t, n: Request("/admin/review-queue", t.admin)),
    "GET /analytics/summary": (3, lambda t, n: Request("/analytics/summary", t.admin)),
    "GET /fleet/vehicles": (3, lambda t, n: Request("/fleet/vehicles", t.admin)),
}


@dataclass
class Phase:
    rows: Rows
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    route: str
    latency_ms: float
    status: int | None
    problem: str | None


def plan(rate: float, duration: float, seed: int) -> list[str]:
    """The routes of the requests to send, in order: the same for the same seed, so runs compare."""
    shares = [share for share, _ in MIX.values()]
    return random.Random(seed).choices(list(MIX), weights=shares, k=round(rate * duration))


def prepare(target: Target, routes: list[str]) -> Traffic:
    tenant = f"load-{uuid.uuid4().hex[:8]}"
    admin = target.bearer("load-admin", "admin", tenant)
    reporter = target.bearer("load-reporter", "citizen", tenant)
    with httpx.Client(base_url=target.api, timeout=30) as client:
        report_ids = [
            client.post("/reports", json=new_report(n), headers=reporter).raise_for_status().json()["report_id"]
            for n in range(20)
        ]
        for n in range(3):
            vehicle = {"vehicle_id": f"truck-{n}", "name": f"Truck {n}", "lat": LAHORE[0], "lng": LAHORE[1]}
            client.post("/fleet/vehicles", json=vehicle, headers=admin).raise_for_status()
    return Traffic(
        citizens=[target.bearer(f"load-citizen-{n}", "citizen", tenant) for n in range(20)],
        admin=admin,
        report_ids=report_ids,
        voters={
            n: target.bearer(f"load-voter-{n}", "citizen", tenant)
            for n, route in enumerate(routes)
            if route == "POST /reports/{id}/votes"
        },
    )


def send(client: httpx.Client, traffic: Traffic, route: str, n: int, due: float) -> Outcome:
    method = route.split(" ", 1)[0]
    request = MIX[route][1](traffic, n)
    try:
        response = client.request(
            method, request.path, headers=request.headers, json=request.json, params=request.params
        )
    except httpx.TransportError as error:
        return Outcome(route, (time.perf_counter() - due) * 1000, None, f"{route}: {type(error).__name__} {error}")
    latency_ms = (time.perf_counter() - due) * 1000
    expected = 201 if method == "POST" else 200
    problem = f"{route}: {response.status_code} {response.text[:200]}" if response.status_code != expected else None
    return Outcome(route, latency_ms, response.status_code, problem)


def summarised(outcomes: list[Outcome], duration: float, elapsed: float) -> dict[str, float]:
    """Achieved counts the answers with the expected status over the offered duration, or longer if the last
    answers came after it."""
    answered = [outcome.latency_ms for outcome in outcomes if outcome.status is not None]
    return {
        "requests": len(outcomes),
        "offered/s": len(outcomes) / duration,
        "achieved/s": sum(1 for outcome in outcomes if outcome.problem is None) / max(duration, elapsed),
        **(spread(answered) if answered else {}),
        "bad status": sum(1 for outcome in outcomes if outcome.status is not None and outcome.problem),
        "no answer": sum(1 for outcome in outcomes if outcome.status is None),
    }


def mixed_traffic(
    target: Target, rate: float = 20, duration: float = 30, workers: int = 16, timeout: float = 30, seed: int = 6
) -> Phase:
    """Latencies in ms, per route and for all routes together."""
    warm_up, routes = list(MIX), plan(rate, duration, seed)
    traffic = prepare(target, warm_up + routes)
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    with httpx.Client(base_url=target.api, timeout=timeout, limits=limits) as client:
        for n, route in enumerate(warm_up):
            send(client, traffic, route, n, time.perf_counter())
        futures = []
        with ThreadPoolExecutor(workers) as pool:
            start = time.perf_counter()
            for k, route in enumerate(routes):
                due = start + k / rate
                time.sleep(max(0.0, due - time.perf_counter()))
                futures.append(pool.submit(send, client, traffic, route, len(warm_up) + k, due))
        elapsed = time.perf_counter() - start
    outcomes = [future.result() for future in futures]
    rows = {
        route: summarised([outcome for outcome in outcomes if outcome.route == route], duration, elapsed)
        for route in MIX
        if route in routes
    }
    rows["all routes"] = summarised(outcomes, duration, elapsed)
    return Phase(rows, [outcome.problem for outcome in outcomes if outcome.problem])


def upload_burst(target: Target, uploads: int = 30, timeout: float = 180, warm_workers: int = 1) -> Phase:
    """Upload in ms; upload → approved and → minted in s, from the start of each citizen's upload. First
    ``warm_workers`` submissions go through at once, untimed, so that many workers of each function in the pipeline
    are warm (1: the burst grows every pool from one worker, its cold starts counted).

    The bench reads the burst's submissions from the table in one BatchGetItem after each mint invocation ends:
    asking the API for each (an invocation of the citizens' API apiece, 144 in one burst) took CPU from the
    pipeline it measures."""
    pair = honest_pair()
    run = uuid.uuid4().hex[:8]
    earlier = notified(target)
    with ThreadPoolExecutor(warm_workers) as pool:
        list(
            pool.map(
                lambda n: upload_until_minted(target, f"warm-up-{n}", f"burst-{run}-warm-{n}", pair),
                range(warm_workers),
            )
        )
    after_warm_up(target, earlier + warm_workers - 1)
    # Two at a time: the set-up is not measured, and more at once got 500s from the API on a busy machine.
    with ThreadPoolExecutor(2) as pool:
        cleanups = list(pool.map(lambda n: open_cleanup(target, f"citizen-{n}", f"burst-{run}-{n}"), range(uploads)))
    point_models_at(target.dynamodb, target.table)
    keys = {SubmissionItem.keys(f"burst-{run}-{n}", cleanup.submission_id): n for n, cleanup in enumerate(cleanups)}

    def stored(numbers: set[int]) -> dict[int, SubmissionItem]:
        wanted = [key for key, n in keys.items() if n in numbers]
        fields = ["pk", "sk", "status", "mint_tx", "updated_at", "rejection_reason"]
        return {keys[(item.pk, item.sk)]: item for item in SubmissionItem.batch_get(wanted, attributes_to_get=fields)}

    def upload(n: int) -> tuple[float, float, str | None]:
        started = time.time()
        try:
            post_photos(cleanups[n], pair)
        except httpx.HTTPError as error:
            return started, time.time() - started, f"{cleanups[n].submission_id}: upload failed: {error}"
        return started, time.time() - started, None

    seen = invocations_so_far(target)
    with ThreadPoolExecutor(uploads) as pool:
        posted = list(pool.map(upload, range(uploads)))
    started = [when for when, _, _ in posted]
    problems = [problem for _, _, problem in posted if problem]
    pending = {n for n, (_, _, problem) in enumerate(posted) if problem is None}
    approved: dict[int, float] = {}
    minted: dict[int, tuple[float, str]] = {}
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        seen, records = ended_after(target, seen, wait=min(10.0, max(0.0, deadline - time.time())))
        mints = mints_ended(records)
        if records and not mints:
            continue  # other steps ended: nothing to read yet (an idle wait still reads, to find the refused)
        for n, submission in stored(pending).items():
            cleanup = cleanups[n]
            if submission.mint_tx:
                approved[n] = submission.updated_at.timestamp() - started[n]
                minted[n] = max(mints, default=time.time()) - started[n], submission.mint_tx
                pending.discard(n)
            elif submission.status == "rejected":
                problems.append(f"{cleanup.submission_id}: rejected: {submission.rejection_reason}")
                pending.discard(n)
            elif submission.status == "in_review":
                problems.append(f"{cleanup.submission_id}: not confident enough, waits for a human")
                pending.discard(n)
    problems += [f"{cleanups[n].submission_id}: not minted within {timeout:.0f} s" for n in pending]
    paid = {}
    with httpx.Client(base_url=target.api, timeout=30) as client:
        for n, (took, tx_hash) in minted.items():
            cleanup = cleanups[n]
            ledger = client.get("/me/ledger", headers=cleanup.headers).json()["items"]
            entries = [(e["state"], e["tx_hash"]) for e in ledger if e["submission_id"] == cleanup.submission_id]
            if entries == [("paid", tx_hash)]:
                paid[n] = took
            else:
                problems.append(f"{cleanup.submission_id}: minted in {tx_hash} but its ledger says {entries}")
    rows = {"presigned POST upload (ms)": {"requests": uploads, **spread([s * 1000 for _, s, _ in posted])}}
    if approved:
        rows["upload -> approved (s)"] = {"requests": uploads, **spread(list(approved.values()))}
    if paid:
        last_minted = max(started[n] + took for n, took in paid.items())
        rows["upload -> minted (s)"] = {
            "requests": uploads,
            "minted": len(paid),
            **spread(list(paid.values())),
            "minted/s": len(paid) / (last_minted - min(started)),
        }
    return Phase(rows, problems)


@dataclass
class HotCity:
    """One tenant ready for its burst: reports to vote on, cleanups waiting for an admin."""

    tenant: str
    admin: dict[str, str]
    reporters: list[dict[str, str]]
    report_ids: list[str]
    in_review: list[str]


def set_up(client: httpx.Client, path: str, **options) -> httpx.Response:
    """A set-up request, not measured: one that failed (a cold start timing out on a busy machine) is sent again."""
    for _ in range(3):
        answer = client.post(path, **options)
        if answer.status_code < 500:
            break
    return answer.raise_for_status()


def waiting_for_review(target: Target, tenant: str, n: int) -> str:
    """A cleanup whose "after" photo was verified and waits for an admin (the e2e seeder's way)."""
    headers = target.bearer(f"hot-cleaner-{n}", "citizen", tenant)
    with httpx.Client(base_url=target.api, headers=headers, timeout=60) as client:
        opened = set_up(client, "/submissions", json={"task": "cleanup"}).json()
        form = opened["uploads"]["after"]
        files = {"file": ("after.jpg", ambiguous_scene(), "image/jpeg")}
        UPLOADS.post(form["url"], data=form["fields"], files=files).raise_for_status()
        submission_id = opened["submission"]["submission_id"]
        deadline = time.monotonic() + 120
        while client.get(f"/submissions/{submission_id}").json()["status"] != "in_review":
            if time.monotonic() > deadline:
                raise RuntimeError(f"{submission_id} did not reach the review queue")
            time.sleep(0.2)
    return submission_id


def prepare_hot_city(target: Target, approvals: int, reports: int = 200) -> HotCity:
    tenant = f"hot-{uuid.uuid4().hex[:8]}"
    reviewed_by_a_human(target, tenant, review_timeout_action="wait")
    reporters = [target.bearer(f"hot-reporter-{n}", "citizen", tenant) for n in range(20)]
    with httpx.Client(base_url=target.api, timeout=60) as client, ThreadPoolExecutor(4) as pool:

        def filed(n: int) -> str:
            answer = set_up(client, "/reports", json=new_report(n), headers=reporters[n % len(reporters)])
            return str(answer.json()["report_id"])

        first = filed(0)  # one cold start before the workers' own
        report_ids = [first, *pool.map(filed, range(1, reports))]
    with ThreadPoolExecutor(4) as pool:
        in_review = list(pool.map(lambda n: waiting_for_review(target, tenant, n), range(approvals)))
    return HotCity(tenant, target.bearer("hot-admin", "admin", tenant), reporters, report_ids, in_review)


HOT_KINDS = ("POST /reports", "POST /reports/{id}/votes", "POST /admin/submissions/{id}/decision")
ROUTE_KEYS = dict(
    zip(
        HOT_KINDS,
        ("POST /reports", "POST /reports/{report_id}/votes", "POST /admin/submissions/{submission_id}/decision"),
        strict=True,
    )
)  # as the runtime's call records name them


def hot_plan(rate: float, duration: float, approvals: int, seed: int) -> list[str]:
    """Reports and votes half and half, and the approvals spread evenly over the burst."""
    total = round(rate * duration)
    picks = random.Random(seed).choices(HOT_KINDS[:2], k=total)
    for k in range(approvals):
        picks[(k * total) // approvals] = HOT_KINDS[2]
    return picks


@dataclass(frozen=True)
class Written:
    kind: str
    latency_ms: float
    status: int | None
    key: str | None  # what was written: the report's id, the vote's report and voter, the approved submission


def hot_request(client: httpx.Client, city: HotCity, target: Target, kind: str, n: int, due: float) -> Written:
    if kind == HOT_KINDS[0]:
        method, path, headers, body = "POST", "/reports", city.reporters[n % len(city.reporters)], new_report(n)
    elif kind == HOT_KINDS[1]:
        report_id = city.report_ids[(n * 7919) % len(city.report_ids)]
        voter = f"hot-voter-{n}"
        method, path, headers = "POST", f"/reports/{report_id}/votes", target.bearer(voter, "citizen", city.tenant)
        body = {"agrees": n % 4 != 0}
    else:
        submission_id = city.in_review[n]
        method, path, headers = "POST", f"/admin/submissions/{submission_id}/decision", city.admin
        body = {"outcome": "approved", "reason": "clean"}
    try:
        answer = client.request(method, path, headers=headers, json=body)
    except httpx.TransportError:
        return Written(kind, (time.perf_counter() - due) * 1000, None, None)
    latency_ms = (time.perf_counter() - due) * 1000
    key = None
    if answer.status_code in (200, 201):
        key = (
            answer.json()["report_id"]
            if kind == HOT_KINDS[0]
            else f"{report_id}/{voter}"
            if kind == HOT_KINDS[1]
            else submission_id
        )
    return Written(kind, latency_ms, answer.status_code, key)


def refusals(target: Target, since: float, seen: dict[tuple, dict]) -> None:
    """Adds the runtime's call records started since ``since`` to ``seen`` (the runtime keeps the latest 5,000, so
    the burst reads them as it goes)."""
    for record in call_records(target):
        if record["started_at"] >= since:
            seen[(record["function"], record["request_id"], record["started_at"])] = record


def refused_by(records: list[dict]) -> dict[str, float]:
    counts: dict[str, float] = dict.fromkeys(REFUSAL_COLUMNS, 0)
    for record in records:
        for code, times in (record.get("refused") or {}).items():
            column = (
                code
                if code in REFUSAL_COLUMNS
                else "ConditionalCheckFailed"
                if code == "ConditionalCheckFailedException"
                else "throttled"
                if "Throughput" in code or "Throttl" in code
                else "other"
            )
            counts[column] += times
    counts["invocations"] = len(records)
    return counts


def hot_city(
    target: Target,
    rate: float = THROTTLING_RATE_LIMIT,
    duration: float = 60,
    approvals: int = 40,
    workers: int = 48,
    settle_timeout: float = 180,
    seed: int = 17,
) -> Phase:
    """The burst, then what was stored, what DynamoDB refused, and the aggregates against a recount."""
    point_models_at(target.dynamodb, target.table)
    city = prepare_hot_city(target, approvals)
    kinds = hot_plan(rate, duration, approvals, seed)
    approval_numbers = iter(range(approvals))
    numbered = [(kind, next(approval_numbers) if kind == HOT_KINDS[2] else n) for n, kind in enumerate(kinds)]
    seen: dict[tuple, dict] = {}
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    began, burst_over = time.time(), threading.Event()

    def read_calls() -> None:
        while not burst_over.wait(5):
            refusals(target, began, seen)

    reader = threading.Thread(target=read_calls, daemon=True)
    reader.start()
    with httpx.Client(base_url=target.api, timeout=60, limits=limits) as client:
        futures = []
        with ThreadPoolExecutor(workers) as pool:
            start = time.perf_counter()
            for k, (kind, n) in enumerate(numbered):
                due = start + k / rate
                time.sleep(max(0.0, due - time.perf_counter()))
                futures.append(pool.submit(hot_request, client, city, target, kind, n, due))
        elapsed = time.perf_counter() - start
    ended = time.perf_counter()
    written = [future.result() for future in futures]

    today = datetime.now(UTC).date()
    days = [today - timedelta(days=1), today]
    acknowledged = {kind: {w.key for w in written if w.kind == kind and w.key} for kind in HOT_KINDS}
    deadline = time.monotonic() + settle_timeout
    expected = {
        "reports_created": len(city.report_ids) + len(acknowledged[HOT_KINDS[0]]),
        "votes": len(acknowledged[HOT_KINDS[1]]),
        "submissions_approved": len(acknowledged[HOT_KINDS[2]]),
    }
    caught_up = None  # cheap reads of the totals first: a recount by Query takes longer than the aggregator
    while time.monotonic() < deadline:
        totals = aggregated(city.tenant, [])["totals"]
        if all(totals[name] >= wanted for name, wanted in expected.items()):
            caught_up = time.perf_counter() - ended
            break
        time.sleep(0.25)
    counted = recount(city.tenant, days)
    while counted["totals"]["submissions_approved"] < len(acknowledged[HOT_KINDS[2]]) and time.monotonic() < deadline:
        time.sleep(1)
        counted = recount(city.tenant, days)
    stored_reports = counted["totals"]["reports_created"] - len(city.report_ids)
    stored = {
        HOT_KINDS[0]: stored_reports,
        HOT_KINDS[1]: counted["totals"]["votes"],
        HOT_KINDS[2]: counted["totals"]["submissions_approved"],
    }
    equal_after = None
    while time.monotonic() < deadline:
        if aggregated(city.tenant, counted["zones"]) == counted:
            equal_after = time.perf_counter() - ended
            break
        time.sleep(0.5)
        counted = recount(city.tenant, days)
    burst_over.set()
    reader.join()
    refusals(target, began, seen)

    rows: Rows = {}
    for kind in HOT_KINDS:
        mine = [w for w in written if w.kind == kind]
        answered = [w.latency_ms for w in mine if w.status is not None]
        rows[kind] = {
            "requests": len(mine),
            "achieved/s": len(acknowledged[kind]) / max(duration, elapsed),
            **(spread(answered) if answered else {}),
            "5xx": sum(1 for w in mine if w.status is not None and w.status >= 500),
            "other bad": sum(1 for w in mine if w.status is not None and w.status < 500 and not w.key),
            "no answer": sum(1 for w in mine if w.status is None),
            "acknowledged": len(acknowledged[kind]),
            "lost": len(acknowledged[kind]) - stored[kind],
        }
    answered = [w.latency_ms for w in written if w.status is not None]
    rows["all"] = {
        "requests": len(written),
        "achieved/s": sum(len(keys) for keys in acknowledged.values()) / max(duration, elapsed),
        **(spread(answered) if answered else {}),
        **{column: sum(rows[kind][column] for kind in HOT_KINDS) for column in HOT_COLUMNS[5:]},
    }
    records = list(seen.values())
    aggregator = [r for r in records if r["function"] == "AggregateFunction"]
    requests = [r for r in records if r["function"] != "AggregateFunction"]
    rows["refused: API and workflow functions"] = refused_by(requests)
    rows["refused: stream aggregator"] = refused_by(aggregator)
    rows["aggregates = recount"] = {
        "totals caught up (s)": -1.0 if caught_up is None else caught_up,
        "equal": int(equal_after is not None),
        "recounted after (s)": -1.0 if equal_after is None else equal_after,
    }
    for kind in HOT_KINDS:
        mine = [r["wcu"] for r in requests if r["trigger"] == ROUTE_KEYS[kind]]
        rows[kind]["WCU/request"] = sum(mine) / len(mine) if mine else 0.0
    problems = [
        f"{kind}: {rows[kind]['lost']} acknowledged writes not stored" for kind in HOT_KINDS if rows[kind]["lost"]
    ]
    problems += [f"{kind}: {rows[kind]['5xx']} answers 5xx" for kind in HOT_KINDS if rows[kind]["5xx"]]
    if equal_after is None:
        problems.append(f"the aggregates differ from a recount {settle_timeout:.0f} s after the burst")
    return Phase(rows, problems)


def report(title: str, phase: Phase, columns: tuple[str, ...]) -> None:
    print(title)
    print_table(phase.rows, columns)
    for problem in phase.problems[:10]:
        print(f"  problem: {problem}")
    if len(phase.problems) > 10:
        print(f"  ... and {len(phase.problems) - 10} more problems")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20, help="requests per second offered in mixed traffic")
    parser.add_argument("--duration", type=float, default=30, help="seconds of mixed traffic")
    parser.add_argument("--workers", type=int, default=16, help="requests in flight at most")
    parser.add_argument("--burst", type=int, default=30, help="cleanup submissions uploaded at once")
    parser.add_argument("--json", type=Path, help="also write the numbers here, for machines")
    parser.add_argument("--state-dir", type=Path, help="load the `ecopulse local` running with this state folder")
    parser.add_argument("--hot-city", action="store_true", help="one city's reports, votes and approvals at once")
    parser.add_argument("--approvals", type=int, default=40, help="approvals in the hot city's burst")
    args = parser.parse_args()
    running = nullcontext(running_target(args.state_dir)) if args.state_dir else started_target()
    if args.hot_city:
        rate = args.rate if "--rate" in sys.argv else THROTTLING_RATE_LIMIT
        duration = args.duration if "--duration" in sys.argv else 60
        with running as target:
            hot = hot_city(target, rate, duration, args.approvals)
        served = Phase({name: hot.rows[name] for name in (*HOT_KINDS, "all")}, hot.problems)
        report(f"Hot city: reports, votes and approvals in one tenant, {rate:g} req/s offered for {duration:g} s",
               served, HOT_COLUMNS)  # fmt: skip
        refused = {name: row for name, row in hot.rows.items() if name.startswith("refused")}
        print_table(refused, ("invocations", *REFUSAL_COLUMNS))
        print_table(
            {"aggregates = recount": hot.rows["aggregates = recount"]},
            ("totals caught up (s)", "equal", "recounted after (s)"),
        )
        print_table({kind: hot.rows[kind] for kind in HOT_KINDS}, ("WCU/request",))
        if args.json:
            args.json.write_text(json.dumps({"settings": vars(args), "hot city": asdict(hot)}, indent=2, default=str))
        sys.exit(1 if hot.problems else 0)
    with running as target:
        mixed = mixed_traffic(target, args.rate, args.duration, args.workers)
        burst = upload_burst(target, args.burst)
    settings = f"{args.rate:g} req/s offered for {args.duration:g} s, {args.workers} workers; latencies in ms"
    report(f"Mixed traffic: {settings}", mixed, MIXED_COLUMNS)
    report(f"Upload burst: {args.burst} confident cleanups at once", burst, BURST_COLUMNS)
    if args.json:
        numbers = {"settings": vars(args), "mixed traffic": asdict(mixed), "upload burst": asdict(burst)}
        args.json.write_text(json.dumps(numbers, indent=2, default=str))
    sys.exit(1 if mixed.problems or burst.problems else 0)


if __name__ == "__main__":
    main()
