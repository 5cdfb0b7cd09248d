"""p50/p95 of the main API routes through `ecopulse local`, under a bounded concurrent load on loopback.

Run: .venv/bin/python bench/api.py [--requests 200] [--concurrency 8]
Starts its own local runtime on free ports, seeds a few reports, then measures each route.
"""

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from local_system import Target, started_target
from stats import Rows, print_table, spread

LAHORE = (31.5204, 74.3587)


def measure(target: Target, requests: int = 200, concurrency: int = 8) -> Rows:
    """Each route in turn, `requests` times with `concurrency` in flight, after one untimed call."""
    citizen = target.bearer("bench-citizen", "citizen", "lahore")
    admin = target.bearer("bench-admin", "admin", "lahore")
    api = target.api
    client = httpx.Client(timeout=30)
    # Open311 serves a city once it has saved its settings.
    settings = client.get(f"{api}/admin/settings", headers=admin).json()
    client.put(f"{api}/admin/settings", json=settings, headers=admin).raise_for_status()
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
    rows = {}
    for name, call in routes.items():
        call()

        def timed(_: int, call=call) -> tuple[float, int]:
            started = time.perf_counter()
            status = call().status_code
            return (time.perf_counter() - started) * 1000, status

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            results = list(pool.map(timed, range(requests)))
        elapsed = time.perf_counter() - started
        rows[name] = {
            **spread([ms for ms, _ in results]),
            "req/s": len(results) / elapsed,
            "errors": sum(1 for _, status in results if status >= 400),
        }
    client.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per route")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with started_target() as target:
        rows = measure(target, args.requests, args.concurrency)
    print(f"{args.requests} requests per route, {args.concurrency} concurrent; latencies in ms")
    print_table(rows, ("p50", "p95", "max", "req/s", "errors"))


if __name__ == "__main__":
    main()
