"""Load on `ecopulse local`: citizen and admin traffic mixed at a constant arrival rate, then a burst of cleanup
uploads through the whole pipeline.

Run: .venv/bin/python bench/load.py [--rate 20] [--duration 30] [--burst 30] [--json PATH] [--state-dir DIR]
Without --state-dir it starts its own runtime on free ports; with it, it loads the `ecopulse local` already running
with that state folder (`.ecopulse/local` unless it was started with another), signing tokens with its key.
Exits 1 if any request failed or any burst submission was not minted.

Mixed traffic is an open model. Request n is due at n / rate seconds whatever the earlier ones are doing, and waits
for one of a bounded pool of workers; its latency runs from when it was due, so time queued for a worker counts. A
closed loop, sending only after the last answer, would slow down with the system and leave the slow periods out of
its numbers (coordinated omission). Each route is called once, untimed, before the clock starts, so the first cold
start of its function is not counted; the ones that come as the runtime adds workers under load are.

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
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_system import (  # noqa: E402
    Target,
    after_warm_up,
    ended_after,
    invocations_so_far,
    notified,
    running_target,
    started_target,
)
from pipeline import changed_at, mints_ended, open_cleanup, post_photos, upload_until_minted  # noqa: E402
from stats import Rows, print_table, spread  # noqa: E402

from ecopulse.waste import WasteType  # noqa: E402
from tests.integration.photos import honest_pair  # noqa: E402

LAHORE = (31.5204, 74.3587)
MIXED_COLUMNS = ("requests", "offered/s", "achieved/s", "p50", "p95", "p99", "max", "bad status", "no answer")
BURST_COLUMNS = ("requests", "minted", "p50", "p95", "p99", "max", "minted/s")


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


def upload_burst(target: Target, uploads: int = 30, timeout: float = 180) -> Phase:
    """Upload in ms; upload → approved and → minted in s, from the start of each citizen's upload. One submission
    goes through first, untimed, so the first cold start of each function in the pipeline is not counted."""
    pair = honest_pair()
    run = uuid.uuid4().hex[:8]
    earlier = notified(target)
    upload_until_minted(target, "warm-up", f"burst-{run}-warm-up", pair)
    after_warm_up(target, earlier)
    # Two at a time: the set-up is not measured, and more at once got 500s from the API on a busy machine.
    with ThreadPoolExecutor(2) as pool:
        cleanups = list(pool.map(lambda n: open_cleanup(target, f"citizen-{n}", f"burst-{run}-{n}"), range(uploads)))

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
    with httpx.Client(base_url=target.api, timeout=30) as client:
        while pending and time.time() < deadline:
            seen, records = ended_after(target, seen, wait=min(10.0, max(0.0, deadline - time.time())))
            mints = mints_ended(records)
            if records and not mints:
                continue  # other steps ended: nothing to read yet (an idle wait still reads, to find the refused)
            for n in sorted(pending):
                cleanup = cleanups[n]
                submission = client.get(f"/submissions/{cleanup.submission_id}", headers=cleanup.headers).json()
                if submission["mint_tx"]:
                    approved[n] = changed_at(submission) - started[n]
                    minted[n] = max(mints, default=time.time()) - started[n], submission["mint_tx"]
                    pending.discard(n)
                elif submission["status"] == "rejected":
                    problems.append(f"{cleanup.submission_id}: rejected: {submission['rejection_reason']}")
                    pending.discard(n)
                elif submission["status"] == "in_review":
                    problems.append(f"{cleanup.submission_id}: not confident enough, waits for a human")
                    pending.discard(n)
        problems += [f"{cleanups[n].submission_id}: not minted within {timeout:.0f} s" for n in pending]
        paid = {}
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
    args = parser.parse_args()
    running = nullcontext(running_target(args.state_dir)) if args.state_dir else started_target()
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
