"""p50/p95 of the main API routes through `ecopulse local`, under a bounded concurrent load on loopback.

Run: .venv/bin/python bench/api.py [--requests 200] [--concurrency 8]
Starts its own local runtime on free ports, seeds a few reports, then measures each route.
"""

import argparse
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from local_system import started_runtime

LAHORE = (31.5204, 74.3587)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per route")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with started_runtime() as (runtime, issuer):
        citizen = {"Authorization": "Bearer " + issuer.issue("bench-citizen", ["citizen"], "lahore")}
        admin = {"Authorization": "Bearer " + issuer.issue("bench-admin", ["admin"], "lahore")}
        api = runtime.endpoints.api
        client = httpx.Client(timeout=30)
        report_ids = []
        for n in range(20):
            body = {"waste_type": "plastic", "lat": LAHORE[0] + n * 0.001, "lng": LAHORE[1]}
            report_ids.append(client.post(f"{api}/reports", json=body, headers=citizen).json()["report_id"])
        routes = {
            "GET /health": lambda: client.get(f"{api}/health"),
            "GET /me": lambda: client.get(f"{api}/me", headers=citizen),
            "POST /reports": lambda: client.post(
                f"{api}/reports", json={"waste_type": "glass", "lat": LAHORE[0], "lng": LAHORE[1]}, headers=citizen
            ),
            "GET /reports/{id}": lambda: client.get(f"{api}/reports/{report_ids[0]}", headers=citizen),
            "GET /reports?status": lambda: client.get(f"{api}/reports", headers=citizen),
            "GET /reports/nearby": lambda: client.get(
                f"{api}/reports/nearby", params={"lat": LAHORE[0], "lng": LAHORE[1], "radius_m": 2000}, headers=citizen
            ),
            "POST /submissions": lambda: client.post(f"{api}/submissions", json={"task": "cleanup"}, headers=citizen),
            "GET /admin/review-queue": lambda: client.get(f"{api}/admin/review-queue", headers=admin),
            "GET /analytics/summary": lambda: client.get(f"{api}/analytics/summary", headers=admin),
            "GET /open311 requests.json": lambda: client.get(f"{api}/open311/lahore/v2/requests.json"),
        }
        print(f"{args.requests} requests per route, {args.concurrency} concurrent, run {uuid.uuid4().hex[:6]}")
        print(f"{'route':<28}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'req/s':>10}{'errors':>8}")
        for name, call in routes.items():
            call()

            def timed(_: int, call=call) -> tuple[float, int]:
                started = time.perf_counter()
                status = call().status_code
                return (time.perf_counter() - started) * 1000, status

            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                results = list(pool.map(timed, range(args.requests)))
            elapsed = time.perf_counter() - started
            latencies = [ms for ms, _ in results]
            errors = sum(1 for _, status in results if status >= 400)
            print(
                f"{name:<28}{statistics.median(latencies):>10.1f}{percentile(latencies, 0.95):>10.1f}"
                f"{max(latencies):>10.1f}{len(results) / elapsed:>10.0f}{errors:>8}"
            )


if __name__ == "__main__":
    main()
