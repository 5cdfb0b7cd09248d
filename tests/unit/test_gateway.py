"""The local HTTP API: routes and events come from the template, events parse as API Gateway's do."""

import base64
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model
from starlette.testclient import TestClient

from ecopulse_local.auth import LocalIssuer
from ecopulse_local.gateway import HttpApiDefinition, HttpApiGateway, _path_pattern
from ecopulse_local.lambdas import Invocation
from ecopulse_local.template import load_stack
from tests.support import LOCAL_CHAIN_PARAMETERS

ROOT = Path(__file__).resolve().parents[2]


class RecordingFunctions:
    """Stands in for the workers: records the event and answers like a Mangum-wrapped app."""

    def __init__(self, answer=None):
        self.events = []
        self.answer = answer or {"statusCode": 201, "headers": {"x-answer": "yes"}, "body": '{"ok": true}'}

    def invoke(self, arn, event):
        self.events.append((arn, event))
        return Invocation(payload=self.answer)


@pytest.fixture(scope="module")
def api():
    stack = load_stack(ROOT / "template.yaml", {"Stage": "local", **LOCAL_CHAIN_PARAMETERS})
    return HttpApiDefinition.from_stack(stack, "HttpApi")


@pytest.fixture
def issuer(api, tmp_path):
    return LocalIssuer(tmp_path / "key.pem", api.authorizers["CognitoJwt"])


def client(api, issuer, functions):
    return TestClient(HttpApiGateway(api, functions, {"CognitoJwt": issuer}).asgi(), client=("127.0.0.1", 50000))


def test_routes_come_from_the_template(api):
    keys = {route.route_key: route for route in api.routes}
    assert keys["GET /health"].authorizer is None
    assert keys["GET /whoami"].authorizer == "CognitoJwt"
    assert keys["GET /health"].function_arn.endswith(":function:ecopulse-local-SystemApiFunction:live")
    assert (api.rate_limit, api.burst_limit) == (100, 200)


def test_literal_paths_win_over_variables_and_greedy_paths():
    assert _path_pattern("/reports/{id}").match("/reports/r-1").groupdict() == {"id": "r-1"}
    assert not _path_pattern("/reports/{id}").match("/reports/r-1/votes")
    assert _path_pattern("/files/{proxy+}").match("/files/a/b").groupdict() == {"proxy": "a/b"}


def test_a_public_route_gets_a_v2_event_without_authorizer(api, issuer):
    functions = RecordingFunctions()
    response = client(api, issuer, functions).get("/health?a=1&a=2", headers={"x-trace": "t"})
    assert response.status_code == 201
    assert response.headers["x-answer"] == "yes"
    arn, event = functions.events[0]
    parsed = parse(event=event, model=APIGatewayProxyEventV2Model)
    assert parsed.routeKey == "GET /health"
    assert parsed.queryStringParameters == {"a": "1,2"}
    assert parsed.requestContext.authorizer is None


def test_a_protected_route_needs_a_valid_token_and_passes_claims(api, issuer):
    functions = RecordingFunctions()
    http = client(api, issuer, functions)
    assert http.get("/whoami").status_code == 401
    assert http.get("/whoami", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert functions.events == []
    token = issuer.issue("alice", ["admin"], "lahore")
    assert http.get("/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 201
    parsed = parse(event=functions.events[0][1], model=APIGatewayProxyEventV2Model)
    claims = parsed.requestContext.authorizer.jwt.claims
    assert claims["custom:tenant"] == "lahore" and claims["cognito:groups"] == "[admin]"


def test_unknown_routes_and_methods_are_404(api, issuer):
    http = client(api, issuer, RecordingFunctions())
    assert http.get("/nope").json() == {"message": "Not Found"}
    assert http.post("/health").status_code == 404


def test_a_path_parameter_may_hold_a_newline(api, issuer):
    functions = RecordingFunctions()
    response = client(api, issuer, functions).get("/open311/lahore/v2/requests/a%0Ab.json")
    assert response.status_code == 201
    assert functions.events[0][1]["pathParameters"] == {"tenant": "lahore", "proxy": "requests/a\nb.json"}


def test_a_text_body_that_is_not_utf8_goes_base64_encoded_like_binary(api, issuer):
    functions = RecordingFunctions()
    http = client(api, issuer, functions)
    for body in (b'{"ok": true}', b"\xff{\xfe"):
        response = http.post("/open311/lahore/v2/requests.json", content=body, headers={"content-type": "text/plain"})
        assert response.status_code == 201
    (_, text), (_, binary) = functions.events
    assert (text["isBase64Encoded"], text["body"]) == (False, '{"ok": true}')
    assert (binary["isBase64Encoded"], base64.b64decode(binary["body"])) == (True, b"\xff{\xfe")


def preflight(api, issuer, origin: str):
    return client(api, issuer, RecordingFunctions()).options(
        "/whoami", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )


def test_cors_preflight_follows_the_template_which_lets_any_origin_in_locally(issuer):
    stack = load_stack(ROOT / "template.yaml", {"Stage": "local", "AllowedOrigins": "*", **LOCAL_CHAIN_PARAMETERS})
    response = preflight(HttpApiDefinition.from_stack(stack, "HttpApi"), issuer, "http://localhost:3001")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "idempotency-key" in response.headers["access-control-allow-headers"]


def test_a_deployed_api_lets_in_only_the_dashboard_and_the_allowed_origins(issuer):
    parameters = {"Stage": "dev", "AllowedOrigins": "https://app.city.example", **LOCAL_CHAIN_PARAMETERS}
    stack = load_stack(ROOT / "template.yaml", parameters, endpoints={"dashboard": "https://d1.cloudfront.net"})
    api = HttpApiDefinition.from_stack(stack, "HttpApi")
    for origin in ("https://d1.cloudfront.net", "https://app.city.example"):
        assert preflight(api, issuer, origin).headers["access-control-allow-origin"] == origin
    refused = preflight(api, issuer, "https://elsewhere.example")
    assert "access-control-allow-origin" not in refused.headers


def test_a_failing_function_is_a_500_with_api_gateways_body(api, issuer):
    class Failing(RecordingFunctions):
        def invoke(self, arn, event):
            return Invocation(payload={"errorType": "KeyError"}, function_error="Unhandled")

    response = client(api, issuer, Failing()).get("/health")
    assert (response.status_code, response.json()) == (500, {"message": "Internal Server Error"})


def test_throttling_answers_429_beyond_the_burst(api, issuer):
    api_with_small_limits = HttpApiDefinition(**{**api.__dict__, "rate_limit": 0.001, "burst_limit": 2})
    http = client(api_with_small_limits, issuer, RecordingFunctions())
    codes = [http.get("/health").status_code for _ in range(4)]
    assert codes == [201, 201, 429, 429]
