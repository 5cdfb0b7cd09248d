"""The local runtime as the benchmarks use it: free ports and a state folder of its own, so a bench never
meets (or disturbs) an `ecopulse local` already running on the default ports."""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ecopulse_local.auth import LocalIssuer
from ecopulse_local.runtime import LocalRuntime, issuers_for


def fresh_runtime() -> LocalRuntime:
    return LocalRuntime(
        aws_port=0, dynamodb_port=0, chain_port=0, api_port=0, dashboard_port=0, state_dir=Path(tempfile.mkdtemp())
    )


@contextmanager
def started_runtime() -> Iterator[tuple[LocalRuntime, LocalIssuer]]:
    """A started runtime and the issuer of its tokens, stopped on the way out."""
    runtime = fresh_runtime()
    runtime.start()
    try:
        yield runtime, next(iter(issuers_for(runtime.stack, runtime.state_dir).values()))
    finally:
        runtime.stop()
