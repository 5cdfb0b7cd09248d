"""The local Lambda workers: warm reuse, per-function environment, errors, timeouts, async retries."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ecopulse_local.lambdas import Functions, FunctionSpec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "functions"


def spec(name: str, **overrides) -> FunctionSpec:
    values = dict(
        logical_id=name.title(),
        name=f"stack-{name}",
        arn=f"arn:aws:lambda:us-east-1:123456789012:function:stack-{name}",
        code_dir=FIXTURES / name,
        handler="app.handler",
        environment={"GREETING": f"hello from {name}"},
        timeout_seconds=3,
        memory_mb=256,
        concurrency=2,
    )
    values.update(overrides)
    return FunctionSpec(**values)


@pytest.fixture
def destinations():
    return []


@pytest.fixture
def functions(destinations):
    specs = {
        s.name: s
        for s in [
            spec("echo"),
            spec("failing", on_failure_destination="arn:aws:sqs:q"),
            spec("slow", timeout_seconds=1),
            spec("broken"),
        ]
    }
    running = Functions(
        specs,
        {"PATH": "/usr/bin:/bin"},
        lambda arn, record: destinations.append((arn, record)),
        async_retry_delays=(0.0,),
    )
    yield running
    running.stop()


def test_a_worker_is_cold_once_then_warm(functions):
    first = functions.invoke("stack-echo", {"n": 1})
    second = functions.invoke("arn:aws:lambda:us-east-1:123456789012:function:stack-echo:live", {"n": 2})
    assert first.ok and second.ok
    assert first.init_ms > 0 and second.init_ms == 0
    assert first.payload["pid"] == second.payload["pid"]
    assert second.payload["event"] == {"n": 2}
    assert first.payload["greeting"] == "hello from echo"
    assert first.payload["function_name"] == "stack-echo"
    assert 0 < first.payload["remaining_ms"] <= 3000


def test_a_raised_exception_becomes_lambdas_error_payload(functions):
    invocation = functions.invoke("stack-failing", {"n": 7})
    assert invocation.function_error == "Unhandled"
    assert invocation.payload["errorType"] == "ValueError"
    assert invocation.payload["errorMessage"] == "cannot handle 7"
    assert invocation.payload["stackTrace"]


def test_an_import_error_is_reported_on_invocation(functions):
    invocation = functions.invoke("stack-broken", {})
    assert invocation.payload["errorType"] == "Runtime.ImportModuleError"
    assert "module_that_does_not_exist" in invocation.payload["errorMessage"]


def test_a_timeout_kills_the_worker_and_the_next_call_starts_a_new_one(functions):
    warm = functions.invoke("stack-slow", {"seconds": 0})
    timed_out = functions.invoke("stack-slow", {"seconds": 5})
    assert timed_out.payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in timed_out.payload["errorMessage"]
    fresh = functions.invoke("stack-slow", {"seconds": 0})
    assert fresh.ok and fresh.payload["pid"] != warm.payload["pid"]


def test_unknown_functions_are_refused(functions):
    with pytest.raises(KeyError, match="Function not found"):
        functions.invoke("stack-nothing", {})


def test_async_invocations_retry_twice_then_go_to_the_on_failure_destination(functions, destinations):
    functions.invoke_async("stack-failing", {"n": 3})
    functions.invoke_async("stack-echo", {"n": 4})
    assert functions.wait_for_async(timeout=30)
    stats = functions.async_stats
    assert (stats.queued, stats.succeeded, stats.failed) == (2, 1, 1)
    ((arn, record),) = destinations
    assert arn == "arn:aws:sqs:q"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"n": 3}
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_concurrent_invocations_use_up_to_the_reserved_concurrency(functions):
    with ThreadPoolExecutor(4) as pool:
        pids = set(pool.map(lambda _: functions.invoke("stack-slow", {"seconds": 0.3}).payload["pid"], range(4)))
    assert len(pids) == 2
