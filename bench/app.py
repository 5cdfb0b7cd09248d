"""The citizen app on a phone's budget: the JS and CSS it ships (gzipped, as CloudFront compresses them), the time
from navigation to a usable report form on Lighthouse's throttled "slow 4G" profile (150 ms RTT x 3.75, 1.6 Mbit/s
x 0.9 down, 750 kbit/s x 0.9 up, CPU slowed 4x) in headless Chromium against `ecopulse local`, a cold load (no
service worker yet) and a warm one (the app shell from the service worker's cache), and how long the offline
queue takes to send its reports, each with a photo, once the network returns.

Run: .venv/bin/python bench/app.py [--loads 5] [--queued 10] [--record]
(--record rewrites the app's section of bench/results.md, which bench/run.py keeps.)
"""

import argparse
import gzip
import os
import platform
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_system import started_runtime  # noqa: E402
from run import HAND_RUN, RESULTS, cpu_model  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.integration.photos import littered_scene  # noqa: E402

DIST = Path(__file__).resolve().parents[1] / "app" / "dist"
SLOW_4G = {"offline": False, "latency": 150 * 3.75, "downloadThroughput": 1.6e6 * 0.9 / 8,
           "uploadThroughput": 750e3 * 0.9 / 8}  # fmt: skip
CPU_SLOWDOWN = 4
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "geolocation": {"latitude": 31.5204, "longitude": 74.3587}, "permissions": ["geolocation"]}  # fmt: skip


def gzipped_kb(paths: list[Path]) -> float:
    return sum(len(gzip.compress(path.read_bytes(), compresslevel=6)) for path in paths) / 1000


def shipped() -> dict[str, float]:
    """The page's JS and CSS before the map, the report form's map (Leaflet, loaded once the form knows a
    position) and its offline atlas, and the service worker's own scripts (fetched once, in the background)."""
    assets = sorted((DIST / "assets").glob("*.js")) + sorted((DIST / "assets").glob("*.css"))
    map_assets = [path for path in assets if path.name.startswith("position-map-")]
    worker = [DIST / "sw.js", *DIST.glob("workbox-*.js"), DIST / "sw-sync.js"]
    return {
        "page JS+CSS": gzipped_kb([path for path in assets if path not in map_assets]),
        "map JS+CSS": gzipped_kb(map_assets),
        "map atlas": gzipped_kb(sorted((DIST / "assets").glob("countries-*.json"))),
        "service worker JS": gzipped_kb(worker),
    }


def usable_report_form(page) -> None:
    page.get_by_role("button", name="Send report").wait_for()
    page.wait_for_function("document.querySelector('#report-lat').value !== ''")


def time_to_interactive(browser, app: str, token: str, loads: int) -> dict[str, list[float]]:
    """Milliseconds from navigation to the report form ready to fill (position found), throttled; each load in a
    fresh context (cold), then once more in the same context (warm: the service worker serves the shell)."""
    cold, warm = [], []
    for _ in range(loads):
        context = browser.new_context(**PHONE)
        context.add_init_script(f"localStorage.setItem('ecopulse.app.id_token', '{token}')")
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        started = time.perf_counter()
        page.goto(app + "/#/report")
        usable_report_form(page)
        cold.append((time.perf_counter() - started) * 1000)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        started = time.perf_counter()
        page.reload()
        usable_report_form(page)
        warm.append((time.perf_counter() - started) * 1000)
        context.close()
    return {"cold": cold, "warm": warm}


def replay_seconds(browser, app: str, token: str, queued: int) -> float:
    """Seconds from the network's return to the last of `queued` offline reports (one photo each) filed."""
    context = browser.new_context(**PHONE)
    context.add_init_script(f"localStorage.setItem('ecopulse.app.id_token', '{token}')")
    page = context.new_page()
    page.goto(app + "/#/report")
    usable_report_form(page)
    photo = littered_scene()
    context.set_offline(True)
    for index in range(queued):
        with page.expect_file_chooser() as chooser:
            page.get_by_text("Take a photo", exact=True).click()
        chooser.value.set_files(files=[{"name": f"{index}.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        page.get_by_label("Description").fill(f"queued report {index}")
        page.get_by_role("button", name="Send report").click()
        page.locator("#outbox-line").filter(has_text=f"{index + 1} waiting").wait_for()
    started = time.perf_counter()
    context.set_offline(False)
    page.locator("#outbox-line").wait_for(state="hidden", timeout=120_000)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--queued", type=int, default=10)
    parser.add_argument("--record", action="store_true", help="rewrite the app's section of bench/results.md")
    args = parser.parse_args()
    sizes = shipped()
    with started_runtime() as (runtime, issuer):
        token = issuer.issue(f"bench-{uuid.uuid4().hex[:6]}", ["citizen"], "bench-app")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            warmup = browser.new_context(**PHONE)
            warmup.add_init_script(f"localStorage.setItem('ecopulse.app.id_token', '{token}')")
            page = warmup.new_page()
            page.goto(runtime.endpoints.app + "/#/report")
            usable_report_form(page)  # the API's functions start warm, as a city's API is
            warmup.close()
            tti = time_to_interactive(browser, runtime.endpoints.app, token, args.loads)
            replay = replay_seconds(browser, runtime.endpoints.app, token, args.queued)
            browser.close()
    rows = [("page JS+CSS, gzipped (aim <= 150 before a map) (kB)", sizes["page JS+CSS"], 1),
            ("report form's map JS+CSS, gzipped, loaded after the first screen (kB)", sizes["map JS+CSS"], 1),
            ("report form's map atlas, gzipped, fetched with the map (kB)", sizes["map atlas"], 1),
            ("service worker JS, gzipped (kB)", sizes["service worker JS"], 1)]  # fmt: skip
    for kind, samples in tti.items():
        name = f"navigation -> report form usable, slow 4G, {kind} (aim <= 3000) (ms)"
        rows += [(f"{name} p50", statistics.median(samples), 0), (f"{name} max", max(samples), 0)]
    rows += [(f"offline queue of {args.queued} reports with a photo, sent after reconnecting (s)", replay, 2),
             ("offline queue, per report (ms)", replay * 1000 / args.queued, 0)]  # fmt: skip
    print(f"{'measure':<80}{'value':>10}")
    for name, value, decimals in rows:
        print(f"{'app: ' + name:<80}{value:>10.{decimals}f}")
    if args.record:
        record(rows, args)


def record(rows: list[tuple[str, float, int]], args: argparse.Namespace) -> None:
    """Writes this run as the app's section of bench/results.md, the first of the hand-run ones (bench/run.py keeps
    them); the sections after it are kept as they are."""
    text = RESULTS.read_text().rstrip("\n")
    later = ""
    if HAND_RUN in text:
        text, _, rest = text.partition(HAND_RUN)
        text = text.rstrip("\n")
        following = rest.find("\n## ")
        later = "\n" + rest[following:].rstrip("\n") if following >= 0 else ""
    section = [
        "",
        "",
        HAND_RUN,
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.loads} loads, {args.queued} queued reports;"
        f" {os.cpu_count()} cores, {cpu_model()}, Linux {platform.release()}; Debian's Chromium, phone viewport",
        "- slow 4G as Lighthouse throttles it: 562.5 ms RTT, 1.44 Mbit/s down, 675 kbit/s up, CPU 4x slower;"
        " the API on the same machine (its functions warm)",
        "",
        "| measure | value |",
        "| --- | ---: |",
        *(f"| {name} | {value:.{decimals}f} |" for name, value, decimals in rows),
    ]
    RESULTS.write_text(text + "\n".join(section) + "\n" + later + "\n")


if __name__ == "__main__":
    main()
