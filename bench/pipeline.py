"""Upload → minted latency through `ecopulse local`: a confident cleanup photo from the presigned POST to the
reward on chain, with no human (verify, workflow, approve, FIFO queue, single minter, notify).

Run: .venv/bin/python bench/pipeline.py [--submissions 20] [--concurrency 4]
"""

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_system import started_runtime  # noqa: E402

from tests.integration.photos import clean_scene  # noqa: E402


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with started_runtime() as (runtime, issuer):
        api = runtime.endpoints.api
        photo = clean_scene()

        def one(n: int) -> tuple[float, float]:
            # A tenant per submission: the same photo in one tenant would be caught as a duplicate.
            headers = {"Authorization": "Bearer " + issuer.issue(f"bench-{n}", ["citizen"], f"bench-{n}")}
            with httpx.Client(base_url=api, headers=headers, timeout=60) as client:
                client.put("/me/wallet", json={"address": Account.create().address}).raise_for_status()
                opened = client.post("/submissions", json={"task": "cleanup"}).json()
                form, submission_id = opened["uploads"]["after"], opened["submission"]["submission_id"]
                started = time.perf_counter()
                files = {"file": ("after.jpg", photo, "image/jpeg")}
                httpx.post(form["url"], data=form["fields"], files=files).raise_for_status()
                approved = None
                while True:
                    submission = client.get(f"/submissions/{submission_id}").json()
                    if approved is None and submission["status"] == "approved":
                        approved = time.perf_counter() - started
                    if submission["mint_tx"]:
                        return approved or 0.0, time.perf_counter() - started
                    if time.perf_counter() - started > 120:
                        raise TimeoutError(f"{submission_id} stuck at {submission['status']}")
                    time.sleep(0.05)

        one(-1)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(one, range(args.submissions)))
        elapsed = time.perf_counter() - started
        approvals, mints = [a for a, _ in results], [m for _, m in results]
        print(f"{args.submissions} confident submissions, {args.concurrency} at a time, after one warm-up")
        print(f"{'measure':<34}{'p50 s':>8}{'p95 s':>8}{'max s':>8}")
        for name, samples in (("upload -> approved", approvals), ("upload -> minted", mints)):
            print(f"{name:<34}{statistics.median(samples):>8.2f}{percentile(samples, 0.95):>8.2f}{max(samples):>8.2f}")
        print(f"{'throughput (minted per second)':<34}{args.submissions / elapsed:>8.2f}")


if __name__ == "__main__":
    main()
