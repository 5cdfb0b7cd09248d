"""What a verified cleanup costs: the calls bench/calls.py counted for each journey, priced with AWS's public
prices for the template's region (docs/cost.md lists each price, its date and its page) and Polygon gas.

Journeys: a report filed with a photo and then verified and resolved by the city, a cleanup approved by the rules, a
cleanup reviewed by an admin, an Open311 poll, an admin's dashboard session, each with every invocation it set off
(the photos' verification, the workflow, the aggregates' and the notices' stream batches). Lambda is priced per
request and per GB-s at each function's MemorySize in template.yaml (arm64), with the handler time measured locally
(a 2-core x86 machine, DynamoDB Local and moto: an estimate of AWS's, not a measurement of it). Prints each
journey's cost, the cost per 1,000 verified cleanups and a month of a city, beside a managed vision API's price for
the verification step alone.

Run: .venv/bin/python bench/cost.py [--calls bench/calls.json]   (without --calls it runs bench/calls.py first)
"""

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecopulse_local.lambdas import function_specs  # noqa: E402
from ecopulse_local.runtime import REPOSITORY_ROOT  # noqa: E402
from ecopulse_local.template import load_stack  # noqa: E402
from tests.support import LOCAL_CHAIN_PARAMETERS  # noqa: E402

Figures = dict[str, Any]


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str


# eu-west-1 (samconfig.toml's region), looked up on 2026-12-07; docs/cost.md gives each one's page.
PRICES = {
    "lambda_request": Price(0.20 / 1e6, "request"),
    "lambda_gb_s_arm64": Price(0.0000133334, "GB-s"),
    "http_api_request": Price(1.11 / 1e6, "request"),
    "dynamodb_rru": Price(0.1415 / 1e6, "read request unit"),
    "dynamodb_wru": Price(0.7075 / 1e6, "write request unit"),
    "sfn_transition": Price(0.025 / 1000, "state transition"),
    "s3_put": Price(0.005 / 1000, "PUT, POST, LIST request"),
    "s3_get": Price(0.0004 / 1000, "GET, HEAD request"),
    "s3_gb_month": Price(0.023, "GB-month, S3 Standard"),
    "sqs_fifo_request": Price(0.50 / 1e6, "FIFO request"),
    "sns_publish": Price(0.50 / 1e6, "publish"),
    "sns_mobile_push": Price(0.50 / 1e6, "mobile push delivery"),
    "ses_email": Price(0.10 / 1000, "email"),
    "kms_asymmetric_request": Price(0.15 / 10000, "asymmetric request (ECC Sign, GetPublicKey)"),
    "kms_key_month": Price(1.00, "key-month"),
    "logs_gb": Price(0.57, "GB of logs ingested"),
    "alarm_month": Price(0.10, "standard alarm-month"),
    "cognito_mau": Price(0.015, "monthly active user above 10,000 (Essentials)"),
}
VISION_API_PER_IMAGE = 1.00 / 1000
LOG_BYTES_PER_INVOCATION = 1500  # START, END, REPORT and a few structured Powertools lines
PHOTO_MB = 3.0
COPIES_MB = 0.3  # a report photo's resized copies (ecopulse.report_photos): 1280 and 320 pixels, JPEG
GAS_PER_CLAIM = 51_907  # mintForClaims, a batch of 50 to never-used wallets (docs/chain.md, Numbers)
TRANSITIONS = {"auto": 9, "reviewed": 10}  # states entered on each path of statemachines/pipeline.asl.json, and start
PARTS = ("Lambda", "API Gateway", "DynamoDB", "Step Functions", "S3", "SQS", "SNS/SES", "KMS", "CloudWatch", "gas")


@dataclass(frozen=True)
class Chain:
    gas_price_gwei: float
    pol_usd: float

    def claim_usd(self) -> float:
        return GAS_PER_CLAIM * self.gas_price_gwei * 1e-9 * self.pol_usd


def memory_gb() -> dict[str, float]:
    stack = load_stack(REPOSITORY_ROOT / "template.yaml", LOCAL_CHAIN_PARAMETERS)
    return {spec.logical_id: spec.memory_mb / 1024 for spec in function_specs(stack).values()}


def priced(figures: Figures, function: str, memory: dict[str, float], through_api: bool) -> Counter[str]:
    """The cost of some invocations of one function, by part."""
    cost: Counter[str] = Counter()
    invocations = figures["invocations"]
    gb_s = figures["handler_ms"] / 1000 * memory[function]
    cost["Lambda"] += invocations * PRICES["lambda_request"].usd + gb_s * PRICES["lambda_gb_s_arm64"].usd
    if through_api:
        cost["API Gateway"] += invocations * PRICES["http_api_request"].usd
    cost["DynamoDB"] += figures["rcu"] * PRICES["dynamodb_rru"].usd + figures["wcu"] * PRICES["dynamodb_wru"].usd
    for call, count in figures["aws"].items():
        service, operation = call.split(":")
        if service == "s3":
            read = operation in ("GetObject", "HeadObject")
            cost["S3"] += count * PRICES["s3_get" if read else "s3_put"].usd
        elif service == "kms":
            cost["KMS"] += count * PRICES["kms_asymmetric_request"].usd
        elif service == "ses":
            cost["SNS/SES"] += count * PRICES["ses_email"].usd
        elif service == "sns":
            cost["SNS/SES"] += count * (PRICES["sns_publish"].usd + PRICES["sns_mobile_push"].usd)
        elif service == "sqs":
            cost["SQS"] += count * PRICES["sqs_fifo_request"].usd
    cost["CloudWatch"] += invocations * LOG_BYTES_PER_INVOCATION / 1e9 * PRICES["logs_gb"].usd
    return cost


def route(calls: dict[str, dict[str, Figures]], name: str, memory: dict[str, float], times: int = 1) -> Counter[str]:
    figures = calls["routes"][name]
    cost = priced(figures, figures["functions"][0], memory, through_api=True)
    return Counter({part: usd * times for part, usd in cost.items()})


def pipeline(calls: dict[str, dict[str, Figures]], journey: str, memory: dict[str, float]) -> Counter[str]:
    """Every invocation a journey caused: its API calls (named "who: METHOD /path") and its asynchronous steps
    (named by function), the stream's batches included."""
    cost: Counter[str] = Counter()
    for step, figures in calls[journey].items():
        if ": " in step:
            cost.update(priced(figures, figures["functions"][0], memory, through_api=True))
        else:
            cost.update(priced(figures, step, memory, through_api=False))
    return cost


def journeys(calls: dict[str, dict[str, Figures]], chain: Chain, retention_days: int) -> dict[str, Counter[str]]:
    """Each journey's cost by part, in USD."""
    memory = memory_gb()
    gb_months = retention_days / 30 / 1024 * PRICES["s3_gb_month"].usd
    photo_storage = PHOTO_MB * gb_months
    report = pipeline(calls, "report filed and resolved", memory)  # its photo verified, the city's two changes
    report["S3"] += PRICES["s3_put"].usd + photo_storage + COPIES_MB * gb_months
    cleanup: dict[str, Counter[str]] = {}
    for name, journey, path in (
        ("cleanup auto-approved", "cleanup auto-approved", "auto"),
        ("cleanup reviewed", "cleanup reviewed", "reviewed"),
    ):
        cost = route(calls, "citizen: POST /submissions", memory)
        cost += route(calls, "citizen: GET /submissions/{id}", memory, times=3)  # the app looks until it is paid
        cost += pipeline(calls, journey, memory)
        cost["S3"] += 2 * (PRICES["s3_put"].usd + photo_storage)
        cost["Step Functions"] += TRANSITIONS[path] * PRICES["sfn_transition"].usd
        cost["SQS"] += 3 * PRICES["sqs_fifo_request"].usd  # sent by the workflow, received and deleted by the minter
        cost["gas"] += chain.claim_usd()
        cleanup[name] = cost
    dashboard = Counter[str]()
    for name in (
        "admin: GET /analytics/summary",
        "admin: GET /analytics/daily",
        "admin: GET /analytics/zones",
        "admin: GET /analytics/heatmap",
        "admin: GET /admin/review-queue",
        "admin: GET /admin/users",
        "admin: GET /fleet/vehicles",
    ):
        dashboard += route(calls, name, memory)
    return {
        "report filed and resolved": report,
        **cleanup,
        "Open311 poll": route(calls, "open311: GET requests.json", memory),
        "dashboard session": dashboard,
    }


@dataclass(frozen=True)
class City:
    citizens: int = 100_000
    active_citizens: int = 25_000
    cleanups: int = 20_000
    reviewed_share: float = 0.5
    reports: int = 50_000
    open311_polls: int = 8_640  # one city system polling every 5 minutes
    dashboard_sessions: int = 600  # 10 staff, 3 a working day


def month(costs: dict[str, Counter[str]], city: City) -> Counter[str]:
    total: Counter[str] = Counter()
    counts = {
        "report filed and resolved": city.reports,
        "cleanup auto-approved": city.cleanups * (1 - city.reviewed_share),
        "cleanup reviewed": city.cleanups * city.reviewed_share,
        "Open311 poll": city.open311_polls,
        "dashboard session": city.dashboard_sessions,
    }
    for journey, count in counts.items():
        total += Counter({part: usd * count for part, usd in costs[journey].items()})
    total["Cognito"] += max(0, city.active_citizens - 10_000) * PRICES["cognito_mau"].usd
    total["KMS"] += PRICES["kms_key_month"].usd
    total["CloudWatch"] += 28 * PRICES["alarm_month"].usd  # the template's alarms
    return total


def print_costs(costs: dict[str, Counter[str]], city: City, chain: Chain) -> None:
    columns = (*PARTS, "total")
    print(f"{'per journey (USD)':<24}" + "".join(f"{part:>15}" for part in columns))
    for journey, cost in costs.items():
        cells = [cost.get(part, 0.0) for part in PARTS] + [sum(cost.values())]
        print(f"{journey:<24}" + "".join(f"{cell:>15.7f}" for cell in cells))
    verified = Counter[str]()
    for journey in ("cleanup auto-approved", "cleanup reviewed"):
        share = city.reviewed_share if journey == "cleanup reviewed" else 1 - city.reviewed_share
        verified += Counter({part: usd * share * 1000 for part, usd in costs[journey].items()})
    without_gas = sum(verified.values()) - verified["gas"]
    vision = 2 * 1000 * VISION_API_PER_IMAGE
    print(
        f"\nper 1,000 verified cleanups ({city.reviewed_share:.0%} reviewed): ${sum(verified.values()):.2f}"
        f" (AWS ${without_gas:.2f}, gas ${verified['gas']:.2f} at {chain.gas_price_gwei:g} gwei and"
        f" ${chain.pol_usd:g}/POL)"
    )
    print(f"  a managed vision API for the verification step alone: ${vision:.2f} (2 photos at $1 per 1,000 images)")
    total = month(costs, city)
    print(
        f"\na month of a city: {city.citizens:,} citizens ({city.active_citizens:,} active), {city.cleanups:,}"
        f" cleanups, {city.reports:,} reports, {city.open311_polls:,} Open311 polls,"
        f" {city.dashboard_sessions:,} dashboard sessions"
    )
    for part, usd in sorted(total.items(), key=lambda item: -item[1]):
        print(f"  {part:<16}{usd:>12.2f}")
    print(f"  {'total':<16}{sum(total.values()):>12.2f}")
    print(f"  vision API, {2 * city.cleanups:,} cleanup photos: ${2 * city.cleanups * VISION_API_PER_IMAGE:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=Path, help="figures written by bench/calls.py --json")
    parser.add_argument("--gas-price-gwei", type=float, default=50.0)
    parser.add_argument("--pol-usd", type=float, default=0.25)
    parser.add_argument("--retention-days", type=int, default=365, help="PhotoRetentionDays")
    parser.add_argument("--reviewed-share", type=float, default=0.5)
    args = parser.parse_args()
    if args.calls:
        calls = json.loads(args.calls.read_text())
    else:
        from calls import Counted
        from calls import journeys as counted_journeys
        from local_system import started_target

        with started_target() as target:
            calls = counted_journeys(Counted(target))
    chain = Chain(args.gas_price_gwei, args.pol_usd)
    print_costs(journeys(calls, chain, args.retention_days), City(reviewed_share=args.reviewed_share), chain)


if __name__ == "__main__":
    main()
