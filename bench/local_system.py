"""The local runtime as the benchmarks use it: free ports and a state folder of its own, so a bench never
meets (or disturbs) an `ecopulse local` already running on the default ports."""

import json
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from ecopulse_local.auth import LocalIssuer
from ecopulse_local.runtime import REPOSITORY_ROOT, LocalRuntime, issuers_for, samconfig_parameter_overrides
from ecopulse_local.template import load_stack

# One client for the runtime's records, shared by a bench's threads: a client per call builds an SSL context, and
# in a bench that runs the runtime in its own process those contexts took a seventh of the runtime's CPU in a burst.
RUNTIME_RECORDS = httpx.Client(timeout=90)


@dataclass(frozen=True)
class Target:
    """A running system as a bench drives it: the same two members as the tests' `local_system` fixture, so a
    bench's functions run unchanged inside a test."""

    api: str
    issuer: LocalIssuer
    dashboard: str = ""
    dynamodb: str = ""  # DynamoDB Local's endpoint and the application table, for benches that recount items
    table: str = ""

    def bearer(self, user: str, group: str, tenant: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.issuer.issue(user, [group], tenant)}


def call_records(target: Target, **params: str) -> list[dict]:
    """The runtime's records of its latest invocations (``request_id=`` keeps one API request's)."""
    records: list[dict] = RUNTIME_RECORDS.get(target.dashboard + "/local-runtime/calls", params=params).json()
    return records


def notified(target: Target) -> int:
    """How many times the workflow's last step (NotifyFunction) has run, by the runtime's call records."""
    return sum(1 for record in call_records(target) if record["function"] == "NotifyFunction")


def invocations_so_far(target: Target) -> int:
    """How many invocations the runtime has recorded: where to start following the next ones."""
    answer = RUNTIME_RECORDS.get(target.dashboard + "/local-runtime/calls/next").json()
    return int(answer["count"])


def ended_after(target: Target, seen: int, wait: float) -> tuple[int, list[dict]]:
    """The records of the invocations that ended after the first ``seen``, waiting up to ``wait`` seconds for one
    (the runtime answers as soon as one ends), and the count to follow on from. A bench learns when a pipeline
    step ended this way, without calling the API over and over: those calls would take the CPU from the pipeline
    it measures."""
    answer = RUNTIME_RECORDS.get(
        target.dashboard + "/local-runtime/calls/next", params={"after": seen, "wait": wait}, timeout=wait + 30
    ).json()
    return int(answer["count"]), answer["records"]


def after_warm_up(target: Target, earlier: int, timeout: float = 60) -> None:
    """Waits until the warm-up's workflow has run to its end: its notify steps start cold after the mint, and
    their imports would otherwise take the CPU from the first measured submissions."""
    deadline = time.monotonic() + timeout
    while notified(target) <= earlier and time.monotonic() < deadline:
        time.sleep(0.1)


def fresh_runtime() -> LocalRuntime:
    return LocalRuntime(
        aws_port=0,
        dynamodb_port=0,
        chain_port=0,
        api_port=0,
        dashboard_port=0,
        app_port=0,
        state_dir=Path(tempfile.mkdtemp()),
    )


@contextmanager
def started_runtime() -> Iterator[tuple[LocalRuntime, LocalIssuer]]:
    """A started runtime and the issuer of its tokens, stopped on the way out. moto's request log is silenced: a
    bench's output is its table."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    runtime = fresh_runtime()
    runtime.start()
    try:
        yield runtime, next(iter(issuers_for(runtime.stack, runtime.state_dir).values()))
    finally:
        runtime.stop()


@contextmanager
def started_target() -> Iterator[Target]:
    with started_runtime() as (runtime, issuer):
        table = runtime.describe()["outputs"]["TableName"]["Value"]
        yield Target(runtime.endpoints.api, issuer, runtime.endpoints.dashboard, runtime.endpoints.dynamodb, table)


def running_target(state_dir: Path) -> Target:
    """An `ecopulse local` someone else started: its API from runtime.json, tokens signed with its key."""
    described = json.loads((state_dir / "runtime.json").read_text())
    stack = load_stack(REPOSITORY_ROOT / "template.yaml", samconfig_parameter_overrides(REPOSITORY_ROOT, "local"))
    issuer = next(iter(issuers_for(stack, state_dir).values()))
    endpoints = described["endpoints"]
    table = described["outputs"]["TableName"]["Value"]
    return Target(endpoints["api"], issuer, endpoints["dashboard"], endpoints["dynamodb"], table)
