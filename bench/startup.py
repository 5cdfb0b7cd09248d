"""How long `ecopulse local` takes to start, and each function's cold and warm invocation.

Run: .venv/bin/python bench/startup.py [--runs 3]
"""

import argparse
import statistics
import time

import httpx
from local_system import fresh_runtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    startups, colds, warms = [], [], []
    for _ in range(args.runs):
        runtime = fresh_runtime()
        started = time.perf_counter()
        runtime.start()
        startups.append(time.perf_counter() - started)
        cold = runtime.functions.invoke("ecopulse-local-SystemApiFunction", _health_event())
        warm = [runtime.functions.invoke("ecopulse-local-SystemApiFunction", _health_event()) for _ in range(50)]
        colds.append(cold.init_ms + cold.duration_ms)
        warms.extend(invocation.duration_ms for invocation in warm)
        assert httpx.get(runtime.endpoints.api + "/health").status_code == 200
        runtime.stop()
    print(f"{'measure':<44}{'p50':>10}{'max':>10}")
    print(f"{'ecopulse local start-up (s)':<44}{statistics.median(startups):>10.2f}{max(startups):>10.2f}")
    print(f"{'SystemApiFunction cold invocation (ms)':<44}{statistics.median(colds):>10.1f}{max(colds):>10.1f}")
    print(f"{'SystemApiFunction warm invocation (ms)':<44}{statistics.median(warms):>10.2f}{max(warms):>10.2f}")


def _health_event() -> dict:
    return {
        "version": "2.0",
        "routeKey": "GET /health",
        "rawPath": "/health",
        "rawQueryString": "",
        "headers": {"host": "localhost"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": "GET",
                "path": "/health",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "bench",
            },
            "requestId": "bench",
            "routeKey": "GET /health",
            "stage": "$default",
            "time": "23/Nov/2026:09:15:00 +0000",
            "timeEpoch": 0,
        },
        "isBase64Encoded": False,
    }


if __name__ == "__main__":
    main()
