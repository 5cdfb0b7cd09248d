"""Small helpers the test suites share."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ecopulse_local.runtime import free_port

LOCAL_CHAIN_PARAMETERS = {
    "ChainRpcUrl": "http://127.0.0.1:8545",
    "ChainId": "31337",
    "ChainFinality": "latest",
    "ChainMinPriorityFeeWei": "0",
    "TokenAddress": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    "ImpactRegistryAddress": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
}
"""The template's chain parameters have no defaults; a test that only reads the template gives it the local
chain's (as samconfig.toml's local environment does)."""


def wait_until[T](probe: Callable[[], T | None], timeout: float = 15.0, interval: float = 0.1) -> T:
    """Polls until ``probe`` returns something truthy; asynchronous work is awaited, never slept on."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        time.sleep(interval)


def _healthy(api: str) -> bool:
    """The API answers its health check. The first answer includes the function's cold start, which on a busy
    machine can take many seconds: a request that times out is asked again, not taken as a failure."""
    try:
        return httpx.get(api + "/health", timeout=30).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def running_local_system(state_dir: Path, overrides: str, *options: str) -> Iterator[dict]:
    """`ecopulse local` started as a user starts it, on free ports; yields its runtime.json once the API answers."""
    ports = {name: free_port("127.0.0.1") for name in ("aws", "dynamodb", "chain", "api", "dashboard", "app")}
    log_path = state_dir / "ecopulse-local.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "ecopulse_local.cli", "local",
                *(argument for name, port in ports.items() for argument in (f"--{name}-port", str(port))),
                "--state-dir", str(state_dir), "--parameter-overrides", overrides, *options,
            ],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    try:
        runtime_file = state_dir / "runtime.json"
        wait_until(lambda: runtime_file.exists() or process.poll() is not None, timeout=60)
        if process.poll() is not None:
            raise RuntimeError(f"ecopulse local exited early:\n{log_path.read_text()}")
        described = json.loads(runtime_file.read_text())
        wait_until(lambda: _healthy(described["endpoints"]["api"]), timeout=90)
        yield described
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        print(f"ecopulse local log: {log_path}")
