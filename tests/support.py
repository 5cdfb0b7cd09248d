"""Small helpers the test suites share."""

import time
from collections.abc import Callable


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
