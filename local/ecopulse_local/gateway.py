"""The HTTP API of template.yaml served on one local port, as API Gateway would serve it.

Routes, their integrations, the JWT authorizer, CORS and throttling all come from the transformed
``AWS::ApiGatewayV2::Api`` (its OpenAPI body). A request becomes a payload-format-2.0 event, the route's
function runs in its worker (Mangum inside turns the event back into ASGI), and the function's answer
becomes the HTTP response.
"""

from __future__ import annotations

import base64
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ecopulse_local.auth import (
    JwtAuthorizerConfig,
    LocalIssuer,
    Unauthorized,
    claims_as_api_gateway_passes_them,
)
from ecopulse_local.lambdas import Functions
from ecopulse_local.template import Stack

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
TEXT_MEDIA_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")
_FUNCTION_IN_URI = re.compile(r"functions/(arn:[^/]+)/invocations")


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    function_arn: str
    authorizer: str | None
    pattern: re.Pattern[str]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def specificity(self) -> tuple[int, int]:
        """Literal segments win over variables, and variables over greedy {proxy+}, as in API Gateway."""
        return (self.path.count("+}"), self.path.count("{"))


def _path_pattern(path: str) -> re.Pattern[str]:
    pattern = re.escape(path)
    pattern = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", pattern)
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
    return re.compile(rf"^{pattern}\Z", re.DOTALL)


@dataclass
class HttpApiDefinition:
    api_id: str
    routes: list[ApiRoute]
    authorizers: dict[str, JwtAuthorizerConfig]
    cors: dict[str, Any] | None
    rate_limit: float | None
    burst_limit: int | None

    @classmethod
    def from_stack(cls, stack: Stack, logical_id: str) -> HttpApiDefinition:
        props = stack.properties(logical_id)
        body = props["Body"]
        authorizers = {
            name: JwtAuthorizerConfig(
                issuer=scheme["x-amazon-apigateway-authorizer"]["jwtConfiguration"]["issuer"],
                audience=tuple(scheme["x-amazon-apigateway-authorizer"]["jwtConfiguration"]["audience"]),
                identity_source=scheme["x-amazon-apigateway-authorizer"]["identitySource"],
            )
            for name, scheme in body.get("components", {}).get("securitySchemes", {}).items()
            if scheme.get("x-amazon-apigateway-authorizer", {}).get("type") == "jwt"
        }
        routes = []
        for path, methods in body.get("paths", {}).items():
            for method, operation in methods.items():
                integration = operation["x-amazon-apigateway-integration"]
                function = _FUNCTION_IN_URI.search(integration["uri"])
                if function is None:
                    raise ValueError(f"{method.upper()} {path} integrates {integration['uri']}, not a Lambda function")
                arn = function.group(1)
                security = [name for requirement in operation.get("security", []) for name in requirement]
                authorizer = next((name for name in security if name in authorizers), None)
                verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                routes.append(ApiRoute(verb, path, arn, authorizer, _path_pattern(path)))
        routes.sort(key=lambda route: route.specificity)
        settings = cls._stage_settings(stack)
        return cls(
            api_id=stack.ref(logical_id),
            routes=routes,
            authorizers=authorizers,
            cors=body.get("x-amazon-apigateway-cors"),
            rate_limit=settings.get("ThrottlingRateLimit"),
            burst_limit=settings.get("ThrottlingBurstLimit"),
        )

    @staticmethod
    def _stage_settings(stack: Stack) -> dict[str, Any]:
        for logical_id in stack.of_type("AWS::ApiGatewayV2::Stage"):
            settings: dict[str, Any] = stack.properties(logical_id).get("DefaultRouteSettings", {})
            return settings
        return {}

    def match(self, method: str, path: str) -> tuple[ApiRoute, dict[str, str]] | None:
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None


class _TokenBucket:
    """API Gateway's throttle: a steady rate with a burst allowance, shared by all routes of the stage."""

    def __init__(self, rate: float, burst: int) -> None:
        self._rate, self._burst = rate, burst
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


def _as_text(body: bytes, content_type: str) -> str | None:
    """The body as text, or None when it is binary: a media type that is not text, or bytes that are not UTF-8.
    API Gateway passes binary bodies base64-encoded."""
    if body and not content_type.startswith(TEXT_MEDIA_TYPES):
        return None
    try:
        return body.decode()
    except UnicodeDecodeError:
        return None


def _message(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=headers)


class HttpApiGateway:
    def __init__(self, api: HttpApiDefinition, functions: Functions, issuers: dict[str, LocalIssuer]) -> None:
        self.api = api
        self._functions = functions
        self._issuers = issuers
        self._throttle = (
            _TokenBucket(float(api.rate_limit), int(api.burst_limit)) if api.rate_limit and api.burst_limit else None
        )

    def asgi(self) -> ASGIApp:
        """Every request goes to ``handle``, whatever its path holds: a path parameter may carry a percent-encoded
        newline, which no Starlette route matches."""

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                response = await self.handle(Request(scope, receive))
                await response(scope, receive, send)

        return app

    def _cors_headers(self, request: Request) -> dict[str, str]:
        cors = self.api.cors
        origin = request.headers.get("origin")
        if not cors or not origin:
            return {}
        allowed = cors.get("allowOrigins", [])
        if "*" not in allowed and origin not in allowed:
            return {}
        headers = {"access-control-allow-origin": "*" if "*" in allowed else origin}
        if cors.get("exposeHeaders"):
            headers["access-control-expose-headers"] = ",".join(cors["exposeHeaders"])
        if cors.get("allowCredentials"):
            headers["access-control-allow-credentials"] = "true"
        return headers

    def _preflight(self, request: Request) -> Response:
        cors = self.api.cors or {}
        headers = self._cors_headers(request)
        if headers:
            headers["access-control-allow-methods"] = ",".join(cors.get("allowMethods", []))
            headers["access-control-allow-headers"] = ",".join(cors.get("allowHeaders", []))
            if "maxAge" in cors:
                headers["access-control-max-age"] = str(cors["maxAge"])
        return Response(status_code=204, headers=headers)

    async def handle(self, request: Request) -> Response:
        path = request.scope["path"]
        method = request.method
        if method == "OPTIONS" and self.api.cors and "access-control-request-method" in request.headers:
            return self._preflight(request)
        cors_headers = self._cors_headers(request)
        if self._throttle and not self._throttle.take():
            return _message(429, "Too Many Requests", cors_headers)
        matched = self.api.match(method, path)
        if matched is None:
            return _message(404, "Not Found", cors_headers)
        route, path_parameters = matched
        claims = None
        if route.authorizer:
            try:
                claims = self._issuers[route.authorizer].verify(request.headers.get("authorization"))
            except Unauthorized:
                return _message(
                    401, "Unauthorized", {**cors_headers, "www-authenticate": 'Bearer error="invalid_token"'}
                )
        body = await request.body()
        if len(body) > MAX_PAYLOAD_BYTES:
            return _message(413, "Request Entity Too Large", cors_headers)
        event = self._event(request, path, route, path_parameters, claims, body)
        invocation = await run_in_threadpool(self._functions.invoke, route.function_arn, event)
        # API Gateway names each request in apigw-requestid; the runtime's call records carry the same id.
        request_headers = {**cors_headers, "apigw-requestid": event["requestContext"]["requestId"]}
        if not invocation.ok:
            return _message(500, "Internal Server Error", request_headers)
        return self._response(invocation.payload, request_headers)

    def _event(
        self,
        request: Request,
        path: str,
        route: ApiRoute,
        path_parameters: dict[str, str],
        claims: dict[str, Any] | None,
        body: bytes,
    ) -> dict[str, Any]:
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            if name == "cookie":
                continue
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        # API Gateway tells the function the scheme the client used (an app building a link to itself needs it).
        headers["x-forwarded-proto"] = request.url.scheme
        query: dict[str, str] = {}
        for name, value in request.query_params.multi_items():
            query[name] = f"{query[name]},{value}" if name in query else value
        text = _as_text(body, request.headers.get("content-type", ""))
        now = datetime.now(UTC)
        request_id = uuid.uuid4().hex[:16]
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": request.url.query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": self.api.api_id,
                "domainName": request.url.hostname or "localhost",
                "domainPrefix": (request.url.hostname or "localhost").split(".")[0],
                "http": {
                    "method": request.method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": request.client.host if request.client else "127.0.0.1",
                    "userAgent": request.headers.get("user-agent", ""),
                },
                "requestId": request_id,
                "routeKey": route.route_key,
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now.timestamp() * 1000),
            },
            "isBase64Encoded": text is None,
        }
        if request.cookies:
            event["cookies"] = [f"{name}={value}" for name, value in request.cookies.items()]
        if query:
            event["queryStringParameters"] = query
        if path_parameters:
            event["pathParameters"] = path_parameters
        if claims is not None:
            event["requestContext"]["authorizer"] = {
                "jwt": {"claims": claims_as_api_gateway_passes_them(claims), "scopes": None}
            }
        if body:
            event["body"] = text if text is not None else base64.b64encode(body).decode()
        return event

    @staticmethod
    def _response(payload: Any, cors_headers: dict[str, str]) -> Response:
        if not isinstance(payload, dict) or "statusCode" not in payload:
            return JSONResponse(payload, headers=cors_headers)
        body = payload.get("body") or ""
        content = base64.b64decode(body) if payload.get("isBase64Encoded") else body.encode()
        response = Response(content=content, status_code=int(payload["statusCode"]))
        for name, value in (payload.get("headers") or {}).items():
            response.headers[name] = str(value)
        for name, values in (payload.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.append(name, str(value))
        for cookie in payload.get("cookies") or []:
            response.headers.append("set-cookie", cookie)
        for name, value in cors_headers.items():
            response.headers.setdefault(name, value)
        return response
