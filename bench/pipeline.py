"""Upload → minted latency through `ecopulse local`: an honest before/after pair from the first presigned POST
to the reward on chain, with no human (verify both, evidence model, workflow, approve, FIFO queue, single
minter, notify), each in a tenant that trusts the rules (tests/integration/citizens.py).

The bench does not poll the API: it waits on the runtime for the mint function's invocations to end
(`/local-runtime/calls/next`), then reads the submission once. A submission is minted when the invocation that set
its transaction ended, and approved when the decision changed it (its `updated_at`).

Run: .venv/bin/python bench/pipeline.py [--submissions 20] [--concurrency 4]
     .venv/bin/python bench/pipeline.py --burst 30     (30 cleanups uploaded at once, bench/load.py's burst)
     .venv/bin/python bench/pipeline.py --burst 30 --warm-workers 4     (after 4 at once: every pool warm)
"""

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_system import (  # noqa: E402
    Target,
    after_warm_up,
    ended_after,
    invocations_so_far,
    notified,
    started_target,
)
from stats import Rows, print_table, spread  # noqa: E402

from tests.integration.citizens import trusting_the_rules  # noqa: E402
from tests.integration.photos import honest_pair  # noqa: E402


@dataclass(frozen=True)
class Cleanup:
    """An open cleanup submission of a citizen with a wallet, in a tenant that trusts the rules, waiting for its
    photos."""

    headers: dict[str, str]
    submission_id: str
    forms: dict


def open_cleanup(target: Target, user: str, tenant: str) -> Cleanup:
    trusting_the_rules(target, tenant)
    headers = target.bearer(user, "citizen", tenant)
    with httpx.Client(base_url=target.api, headers=headers, timeout=60) as client:
        client.put("/me/wallet", json={"address": Account.create().address}).raise_for_status()
        opened = client.post("/submissions", json={"task": "cleanup"}).raise_for_status().json()
    return Cleanup(headers, opened["submission"]["submission_id"], opened["uploads"])


# The citizens' uploads, shared by a burst's threads (why one client: local_system.RUNTIME_RECORDS).
UPLOADS = httpx.Client(timeout=60)


def post_photos(cleanup: Cleanup, pair: tuple[bytes, bytes]) -> None:
    """The "before" photo, then the "after" photo, each with its own form, as the app sends them."""
    for slot, photo in zip(("before", "after"), pair, strict=True):
        form = cleanup.forms[slot]
        files = {"file": (f"{slot}.jpg", photo, "image/jpeg")}
        UPLOADS.post(form["url"], data=form["fields"], files=files).raise_for_status()


MINTER = "MintFunction"


def mints_ended(records: list[dict]) -> list[float]:
    """When each mint invocation among ``records`` ended, in seconds since the epoch."""
    return [record["ended_at"] for record in records if record["function"] == MINTER]


def changed_at(submission: dict) -> float:
    return datetime.fromisoformat(submission["updated_at"]).timestamp()


def upload_until_minted(target: Target, user: str, tenant: str, pair: tuple[bytes, bytes]) -> tuple[float, float]:
    """Seconds from the start of the first upload until the submission is approved, and until its reward is
    minted."""
    cleanup = open_cleanup(target, user, tenant)
    seen = invocations_so_far(target)
    started = time.time()
    post_photos(cleanup, pair)
    with httpx.Client(base_url=target.api, headers=cleanup.headers, timeout=60) as client:
        while time.time() - started < 120:
            seen, records = ended_after(target, seen, wait=10)
            mints = mints_ended(records)
            if not mints:
                continue
            submission = client.get(f"/submissions/{cleanup.submission_id}").json()
            if submission["mint_tx"]:
                return changed_at(submission) - started, max(mints) - started
    raise TimeoutError(f"{cleanup.submission_id} was not minted within 120 s")


def measure(target: Target, submissions: int = 20, concurrency: int = 4) -> Rows:
    """`concurrency` submissions at a time, after one warm-up."""
    pair = honest_pair()

    def one(n: int) -> tuple[float, float]:
        # A tenant per submission: the same photos in one tenant would be caught as duplicates.
        return upload_until_minted(target, f"bench-{n}", f"bench-{n}", pair)

    earlier = notified(target)
    one(-1)
    after_warm_up(target, earlier)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(submissions)))
    elapsed = time.perf_counter() - started
    return {
        "upload -> approved (s)": spread([approved for approved, _ in results]),
        "upload -> minted (s)": spread([minted for _, minted in results]),
        "minted per second": {"value": submissions / elapsed},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--burst", type=int, help="instead, this many cleanups uploaded at once")
    parser.add_argument(
        "--warm-workers", type=int, default=1, help="with --burst: first this many cleanups at once, untimed"
    )
    args = parser.parse_args()
    if args.burst:
        from load import upload_burst  # bench/load.py imports this module

        with started_target() as target:
            phase = upload_burst(target, args.burst, warm_workers=args.warm_workers)
        print(f"{args.burst} confident cleanups uploaded at once, after {args.warm_workers} at once as a warm-up")
        print_table(phase.rows, ("requests", "minted", "p50", "p95", "max", "minted/s"))
        for problem in phase.problems:
            print(f"  problem: {problem}")
        return
    with started_target() as target:
        rows = measure(target, args.submissions, args.concurrency)
    print(f"{args.submissions} confident submissions, {args.concurrency} at a time, after one warm-up")
    print_table(rows, ("p50", "p95", "max", "value"))


if __name__ == "__main__":
    main()
