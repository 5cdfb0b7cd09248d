"""Fault injection for the local runtime, after the actions of AWS Fault Injection Service.

A fault names the function it hits and what it does there. On the ``invocation`` target it fails or delays the
invocation before the handler runs, as FIS's ``aws:lambda:invocation-error`` and ``invocation-add-delay`` do. On
the ``dynamodb``, ``aws`` and ``chain`` targets it reaches into the calls the function makes and makes them slow,
unavailable, throttled or failing, as FIS's ``aws:fis:inject-api-*`` actions do. Calls are hit inside urllib3,
under botocore, pynamodb and web3 alike, so every retry and error path above the HTTP client runs as it would
against a real outage: "unavailable" really connects to a closed port, and "throttle" answers with the
service's own throttling error.

The runtime keeps the faults and hands each invocation the ones for its function; the worker applies them for
that invocation only and reports how many calls it hit, so a fault with a ``count`` stops after that many hits
(at most one more per concurrently running worker).
"""

from __future__ import annotations

import io
import json
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlparse

from pydantic import BaseModel, Field, model_validator

if TYPE_CHECKING:  # imported where used, so a worker's urllib3 loads with its handler, inside the timed init
    from urllib3 import BaseHTTPResponse, HTTPResponse
    from urllib3.connectionpool import HTTPConnectionPool

Target = Literal["invocation", "dynamodb", "aws", "chain"]
Effect = Literal["error", "delay", "unavailable", "throttle"]
# A request body as urllib3 takes it: bytes or text, or a stream or iterable of them (an S3 upload).
RequestBody = bytes | str | IO[Any] | Iterable[bytes | str] | None
# Request headers as urllib3 is handed them: a value may still be bytes.
RequestHeaders = Mapping[str, str | bytes]
_TARGET_ENDPOINTS = {"dynamodb": "AWS_ENDPOINT_URL_DYNAMODB", "aws": "AWS_ENDPOINT_URL", "chain": "CHAIN_RPC_URL"}


class FaultInjected(Exception):
    """What a handler's invocation fails with when an ``invocation``/``error`` fault hits it."""


class Fault(BaseModel):
    function: str = Field(default="*", description="The function's logical id in template.yaml, or * for all")
    target: Target
    effect: Effect
    operation: str | None = Field(
        default=None,
        description="Only calls of this operation: a DynamoDB or AWS action (TransactWriteItems, SendTaskSuccess), "
        "an HTTP method for S3, a JSON-RPC method for the chain (eth_sendRawTransaction)",
    )
    count: int | None = Field(default=None, ge=1, description="Hit this many calls, then stop; none: until cleared")
    delay_seconds: float = Field(default=1.0, ge=0, le=120)
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:8])
    hits: int = 0

    @model_validator(mode="after")
    def _invocations_fail_or_wait(self) -> Fault:
        if self.target == "invocation" and self.effect not in ("error", "delay"):
            raise ValueError("an invocation can only be failed (error) or delayed (delay)")
        return self

    def applies_to(self, logical_id: str) -> bool:
        return self.function in ("*", logical_id) and (self.count is None or self.hits < self.count)


class FaultRegistry:
    """The faults in force, shared by every worker pool of the runtime."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults = []

    def all(self) -> list[Fault]:
        with self._lock:
            return [fault.model_copy() for fault in self._faults]

    def for_function(self, logical_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.model_dump() for fault in self._faults if fault.applies_to(logical_id)]

    def record(self, hits: dict[str, int]) -> None:
        with self._lock:
            for fault in self._faults:
                fault.hits += hits.get(fault.id, 0)


class _Injector:
    """Worker side: the faults of the running invocation, applied to every HTTP call it makes."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.hits: Counter[str] = Counter()
        self._patched = False

    def install(self) -> None:
        if self._patched:
            return
        from urllib3.connectionpool import HTTPConnectionPool

        original = HTTPConnectionPool.urlopen
        injector = self

        def urlopen(
            pool: HTTPConnectionPool,
            method: str,
            url: str,
            body: RequestBody = None,
            headers: Mapping[str, str] | None = None,
            **options: Any,
        ) -> BaseHTTPResponse:
            fault = injector.match(pool.port, method, body, headers or {})
            if fault is None:
                return original(pool, method, url, body=body, headers=headers, **options)
            injector.hits[fault.id] += 1
            if fault.effect == "delay":
                time.sleep(fault.delay_seconds)
                return original(pool, method, url, body=body, headers=headers, **options)
            if fault.effect == "unavailable":
                refusing = HTTPConnectionPool("127.0.0.1", _closed_port(), timeout=pool.timeout)
                return original(refusing, method, url, body=body, headers=headers, **options)
            return _error_response(fault, method, body, headers or {}, options.get("preload_content", True))

        # Patched in place: every HTTP call of the worker, whichever library makes it, passes through urllib3 here.
        HTTPConnectionPool.urlopen = urlopen  # type: ignore[method-assign, assignment]
        self._patched = True

    def match(self, port: int | None, method: str, body: RequestBody, headers: RequestHeaders) -> Fault | None:
        for fault in self.faults:
            spent = fault.count is not None and fault.hits + self.hits[fault.id] >= fault.count
            if spent or fault.target == "invocation" or port != _endpoint_port(fault.target):
                continue
            if fault.operation is None or fault.operation == _operation(fault.target, method, body, headers):
                return fault
        return None

    @contextmanager
    def applied(self, faults: list[dict[str, Any]]) -> Iterator[Counter[str]]:
        """Applies ``faults`` for one invocation and yields the hits counted, invocation faults included."""
        self.faults = [Fault(**fault) for fault in faults]
        self.hits = Counter()
        if any(fault.target != "invocation" for fault in self.faults):
            self.install()
        try:
            for fault in self.faults:
                if fault.target == "invocation":
                    self.hits[fault.id] += 1
                    if fault.effect == "delay":
                        time.sleep(fault.delay_seconds)
                    else:
                        raise FaultInjected(f"fault {fault.id} failed this invocation")
            yield self.hits
        finally:
            self.faults = []


injector = _Injector()


def _endpoint_port(target: str) -> int | None:
    url = os.environ.get(_TARGET_ENDPOINTS[target])
    return urlparse(url).port if url else None


def _text(body: RequestBody) -> str:
    """A request body as text; a streamed body (an S3 upload) reads as empty."""
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else body if isinstance(body, str) else ""


def _operation(target: str, method: str, body: RequestBody, headers: RequestHeaders) -> str:
    """The operation a call performs, read from the request as the service reads it."""
    text = _text(body)
    if target == "chain":
        try:
            request = json.loads(text)
        except ValueError:
            return ""
        first = request[0] if isinstance(request, list) and request else request
        return first.get("method", "") if isinstance(first, dict) else ""
    amz_target = next((value for name, value in headers.items() if name.lower() == "x-amz-target"), None)
    if amz_target:
        return (amz_target.decode() if isinstance(amz_target, bytes) else amz_target).rsplit(".", 1)[-1]
    action = parse_qs(text).get("Action") if text and "Action=" in text else None
    return action[0] if action else method


def _error_response(
    fault: Fault, method: str, body: RequestBody, headers: RequestHeaders, preload_content: bool
) -> HTTPResponse:
    """The answer the service itself gives when it throttles or fails a call, in the service's protocol."""
    from urllib3 import HTTPResponse

    throttle = fault.effect == "throttle"
    if fault.target == "chain":
        status, content_type = (429, "text/plain") if throttle else (502, "text/plain")
        answer = b"Too Many Requests" if throttle else b"Bad Gateway"
    elif fault.target == "dynamodb" or any(name.lower() == "x-amz-target" for name in headers):
        code = "ThrottlingException" if throttle else "InternalServerError"
        prefix = "com.amazonaws.dynamodb.v20120810#" if fault.target == "dynamodb" else ""
        status, content_type = (400 if throttle else 500), "application/x-amz-json-1.0"
        answer = json.dumps({"__type": prefix + code, "message": f"fault {fault.id}: {code}"}).encode()
    elif "Action=" in _text(body):
        code = "Throttling" if throttle else "InternalFailure"
        status, content_type = (400 if throttle else 500), "text/xml"
        answer = (f"<ErrorResponse><Error><Type>{'Sender' if throttle else 'Receiver'}</Type><Code>{code}</Code>"
                  f"<Message>fault {fault.id}</Message></Error></ErrorResponse>").encode()  # fmt: skip
    else:
        code = "SlowDown" if throttle else "InternalError"
        status, content_type = (503 if throttle else 500), "application/xml"
        answer = f"<Error><Code>{code}</Code><Message>fault {fault.id}</Message></Error>".encode()
    return HTTPResponse(
        body=io.BytesIO(answer),
        headers={"Content-Type": content_type, "Content-Length": str(len(answer)), "x-amzn-RequestId": fault.id},
        status=status,
        request_method=method,
        preload_content=preload_content,
        decode_content=False,
    )


def _closed_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused, as connecting to a dead node is."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
