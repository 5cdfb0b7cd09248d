"""Every benchmark in one go, as one table beside the previous run's, which bench/results.md keeps.

Run: .venv/bin/python bench/run.py [--quick] [--skip-build] [--note TEXT]

In turn: verification on one core (per image, and the cold start), minting on anvil, the Lambda artifacts' sizes
(after a `sam build`, or from the last one with --skip-build), then through one `ecopulse local` on free ports: the
API's main routes, upload → minted, and the load tool's mixed traffic and upload burst; last, the fraud attempts of
bench/fraud.py, whose table per kind follows the main one, and the forecasts' fit time and backtest errors of
bench/forecast.py. About 6 minutes on 2 cores.

A full run prints the table with each row's previous value and the change, and rewrites bench/results.md with it.
--quick takes about 2 minutes with fewer samples and leaves bench/results.md alone: its numbers are not a baseline.
"""

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import api
import forecast
import fraud
import load
import mint
import pipeline
import sizes
import verification
from local_system import started_target
from stats import Rows, shown

RESULTS = Path(__file__).resolve().parent / "results.md"
HEADER = "| measure | stat | now | previous | change |"
FULL = {
    "verification": {"runs": 40, "cold_runs": 5},
    "mint": {"claims": 200, "starts": 5},
    "api": {"requests": 200, "concurrency": 8},
    "pipeline": {"submissions": 20, "concurrency": 4},
    "mixed traffic": {"rate": 20, "duration": 30},
    "upload burst": {"uploads": 30},
    "fraud": {"per_kind": None},
    "forecast": {"repeats": 20},
}
QUICK = {
    "verification": {"runs": 10, "cold_runs": 2},
    "mint": {"claims": 50, "starts": 2},
    "api": {"requests": 50, "concurrency": 8},
    "pipeline": {"submissions": 5, "concurrency": 4},
    "mixed traffic": {"rate": 20, "duration": 10},
    "upload burst": {"uploads": 10},
    "fraud": {"per_kind": 1},
    "forecast": {"repeats": 3},
}

Table = dict[tuple[str, str], float]


def picked(section: str, rows: Rows, stats: dict[str, tuple[str, ...]]) -> Table:
    """The statistics wanted of each wanted measure, named by section so that names stay unique in one table."""
    return {
        (f"{section}: {measure}", stat): rows[measure][stat]
        for measure, wanted in stats.items()
        if measure in rows
        for stat in wanted
        if stat in rows[measure]
    }


def measure_all(settings: dict[str, dict], skip_build: bool) -> Table:
    table: Table = {}
    progress("verification")
    rows = verification.measure(**settings["verification"])
    table |= picked("verification", rows, {name: ("p50", "p95") for name in rows if name.endswith("(ms)")})
    progress("minting")
    rows = mint.measure(**settings["mint"])
    mints = ("mints per second, single (batch of 1)", "mints per second, batch of 10")
    table |= picked("mint", rows, {name: ("value",) for name in mints})
    progress("Lambda artifact sizes" if skip_build else "sam build and Lambda artifact sizes")
    rows = sizes.measure(skip_build=skip_build)
    table |= picked("size", rows, {name: ("unzipped", "zipped") for name in rows})
    progress("starting ecopulse local")
    with started_target() as target:
        progress("API routes")
        rows = api.measure(target, **settings["api"])
        table |= picked("API (ms)", rows, {name: ("p50", "p95") for name in rows})
        progress("upload -> minted")
        rows = pipeline.measure(target, **settings["pipeline"])
        table |= picked("pipeline", rows, {"upload -> minted (s)": ("p50", "p95"), "minted per second": ("value",)})
        progress("load: mixed traffic")
        phase = load.mixed_traffic(target, **settings["mixed traffic"])
        served = ("requests", "offered/s", "achieved/s", "p50", "p95", "p99", "bad status", "no answer")
        table |= picked("load, mixed traffic", phase.rows, {"all routes": served})
        progress("load: upload burst")
        phase = load.upload_burst(target, **settings["upload burst"])
        minted = ("minted", "p50", "p95", "p99", "max", "minted/s")
        table |= picked("load, upload burst", phase.rows, {"upload -> minted (s)": minted})
        table[("load, upload burst: submissions not minted", "count")] = len(phase.problems)
    return table


def progress(step: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {step}", file=sys.stderr, flush=True)


def previous_table(path: Path) -> Table:
    if not path.exists():
        return {}
    lines = path.read_text().splitlines()
    if HEADER not in lines:
        return {}
    table = {}
    for line in lines[lines.index(HEADER) + 2 :]:
        if not line.startswith("|"):
            break
        measure, stat, now = (cell.strip() for cell in line.strip("|").split("|")[:3])
        table[(measure, stat)] = int(now) if now.isdigit() else float(now)
    return table


HAND_RUN = "## Citizen app (bench/app.py)"


def hand_run_sections(path: Path) -> list[str]:
    """The sections of benches run by hand (the citizen app's needs Chromium, the city-scale ones a running system
    for minutes), kept as they are until their bench rewrites them."""
    text = path.read_text() if path.exists() else ""
    return ["", *text[text.index(HAND_RUN) :].rstrip("\n").splitlines()] if HAND_RUN in text else []


def change(now: float, previous: float | None) -> str:
    if previous is None:
        return "new"
    if previous == 0:
        return "" if now == 0 else "was 0"
    ratio = (now - previous) / previous
    return "0%" if round(ratio, 2) == 0 else f"{ratio:+.0%}"


def markdown(table: Table, previous: Table) -> list[str]:
    lines = [HEADER, "| --- | --- | ---: | ---: | ---: |"]
    for (measure, stat), now in table.items():
        before = previous.get((measure, stat))
        shown_before = "" if before is None else shown(before)
        lines.append(f"| {measure} | {stat} | {shown(now)} | {shown_before} | {change(now, before)} |")
    return lines


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer samples; bench/results.md is left as it is")
    parser.add_argument("--skip-build", action="store_true", help="sizes from the last build, without `sam build`")
    parser.add_argument("--note", help="a sentence for the header, e.g. what else the machine was doing")
    args = parser.parse_args()
    started, load_before = time.time(), os.getloadavg()[0]
    settings = QUICK if args.quick else FULL
    table = measure_all(settings, args.skip_build)
    progress("fraud attempts")
    fraud_rows, outcomes = fraud.measure(**settings["fraud"])
    table |= picked("fraud", fraud_rows, {"all fraud": fraud.DECISIONS, "honest": ("approved %", "to a human %")})
    progress("forecasts")
    forecast_rows = forecast.markdown(forecast.timing(**settings["forecast"]), forecast.accuracy())
    minutes, load_after = (time.time() - started) / 60, os.getloadavg()[0]
    header = [
        "# Benchmark results",
        "",
        "Written by `.venv/bin/python bench/run.py`; each full run compares with the table it replaces. Times are"
        " p50/p95/p99 as in bench/stats.py; sizes in MiB.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {'quick' if args.quick else 'full'} run of {minutes:.1f} min",
        f"- machine: {os.cpu_count()} cores, {cpu_model()}, Linux {platform.release()},"
        f" Python {platform.python_version()}",
        f"- load average (1 min) before and after: {load_before:.2f}, {load_after:.2f}",
        *([f"- note: {args.note}"] if args.note else []),
        "",
    ]
    fraud_section = ["", "## Fraud attempts (bench/fraud.py)", "", *fraud.markdown(fraud_rows, outcomes)]
    forecast_section = ["", "## Forecasts (bench/forecast.py)", "", *forecast_rows]
    sections = [*fraud_section, *forecast_section, *hand_run_sections(RESULTS)]
    text = "\n".join([*header, *markdown(table, previous_table(RESULTS)), *sections]) + "\n"
    print(text)
    if not args.quick:
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
