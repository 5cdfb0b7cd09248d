"""How fast the dashboard's first screen is usable: from navigation to the review queue listing its
submissions, for a signed-in admin, in headless Chromium against `ecopulse local` (cold page, warm API); then how
many API requests the queue makes per minute while it sits idle with a submission and its photos on screen.

Run: .venv/bin/python bench/dashboard.py [--loads 10] [--idle-seconds 30]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_system import started_runtime  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.e2e.seed import Seeder  # noqa: E402


def idle_requests_per_minute(browser, dashboard: str, api: str, seeder: Seeder, seconds: float) -> float:
    """API requests per minute from a queue left open on a submission waiting for review, its photo loaded."""
    submission_id = seeder.queued_submission(seeder.citizen())
    context = browser.new_context()
    context.add_init_script(f"sessionStorage.setItem('ecopulse.id_token', '{seeder.admin}')")
    page = context.new_page()
    page.goto(dashboard + "/#/queue")
    page.locator(f'.queue-item[data-id="{submission_id}"]').wait_for()
    page.get_by_role("img", name=f"after photo of submission {submission_id}").wait_for()
    requests: list[str] = []
    page.on("request", lambda request: request.url.startswith(api) and requests.append(request.url))
    page.wait_for_timeout(seconds * 1000)
    context.close()
    return len(requests) * 60 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--idle-seconds", type=float, default=30)
    args = parser.parse_args()
    with started_runtime() as (runtime, issuer):
        token = issuer.issue("bench-admin", ["admin"], "lahore")
        samples = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            for _ in range(args.loads + 1):
                context = browser.new_context()
                context.add_init_script(f"sessionStorage.setItem('ecopulse.id_token', '{token}')")
                page = context.new_page()
                started = time.perf_counter()
                page.goto(runtime.endpoints.dashboard + "/#/queue")
                page.get_by_text("Nothing waits for review.").wait_for()
                samples.append((time.perf_counter() - started) * 1000)
                context.close()
            seeder = Seeder(runtime.endpoints.api, lambda user, group, tenant: issuer.issue(user, [group], tenant),
                            "bench-idle", "bench-admin")  # fmt: skip
            seeder.force_human_review()
            idle = idle_requests_per_minute(
                browser, runtime.endpoints.dashboard, runtime.endpoints.api, seeder, args.idle_seconds
            )
            browser.close()
        samples = samples[1:]
        print(f"{'measure':<52}{'p50 ms':>9}{'max ms':>9}")
        name = "dashboard: navigation -> review queue usable"
        print(f"{name:<52}{statistics.median(samples):>9.0f}{max(samples):>9.0f}")
        print(f"{'dashboard: API requests per minute, queue idle':<52}{idle:>9.1f}")


if __name__ == "__main__":
    main()
