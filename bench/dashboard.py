"""How fast the dashboard's first screen is usable: from navigation to the review queue listing its
submissions, for a signed-in admin, in headless Chromium against `ecopulse local` (cold page, warm API); then how
many API requests the queue makes per minute while it sits idle with a submission and its photos on screen.

Run: .venv/bin/python bench/dashboard.py [--loads 10] [--idle-seconds 120] [--record]

`--record` writes the figures as the "Dashboard" section of bench/results.md, a hand-run section after the citizen
app's (bench/run.py keeps it), each beside the figure of the run before.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_system import started_runtime  # noqa: E402
from run import HAND_RUN, RESULTS, cpu_model  # noqa: E402

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
    # Two minutes: the bell polls once a minute, the queue every 4 s.
    parser.add_argument("--idle-seconds", type=float, default=120)
    parser.add_argument("--record", action="store_true", help="write the figures into bench/results.md")
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
        rows = [
            ("navigation -> review queue usable (ms) p50", f"{statistics.median(samples):.0f}"),
            ("navigation -> review queue usable (ms) max", f"{max(samples):.0f}"),
            ("API requests per minute, queue idle (4-s queue polls and the bell's 1-min poll)", f"{idle:.1f}"),
        ]
        print(f"{'measure':<90}{'value':>9}")
        for name, value in rows:
            print(f"{'dashboard: ' + name:<90}{value:>9}")
        if args.record:
            record(rows, args)


SECTION = "## Dashboard (bench/dashboard.py)"


def record(rows: list[tuple[str, str]], args: argparse.Namespace) -> None:
    """Writes this run as the Dashboard section, after the citizen app's (or replacing the one before), each figure
    beside the one it replaces."""
    text = RESULTS.read_text()
    lines = text.rstrip("\n").splitlines()
    previous: dict[str, str] = {}
    if SECTION in lines:
        start = lines.index(SECTION)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        for line in lines[start:end]:
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if line.startswith("|") and len(cells) >= 2:
                previous[cells[0]] = cells[1]
        del lines[start:end]
    else:
        after = lines.index(HAND_RUN) if HAND_RUN in lines else len(lines) - 1
        start = next((i for i in range(after + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    section = [
        SECTION,
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.loads} loads, {args.idle_seconds:.0f} s idle;"
        f" {os.cpu_count()} cores, {cpu_model()}, Linux {platform.release()}, load average"
        f" {os.getloadavg()[0]:.1f}; Debian's Chromium, desktop viewport; the API on the same machine (warm)",
        "",
        "| measure | now | previous |",
        "| --- | ---: | ---: |",
        *(f"| {name} | {value} | {previous.get(name, '')} |" for name, value in rows),
        "",
    ]
    lines[start:start] = section
    RESULTS.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
