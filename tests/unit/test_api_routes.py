"""Every route an endpoint group's app serves is declared for its function in template.yaml, the OpenAPI
document describes every declared route and every answer, and every error has the one shape."""

import importlib.util
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecopulse_local.gateway import HttpApiDefinition
from ecopulse_local.template import load_stack
from tests.support import LOCAL_CHAIN_PARAMETERS

ROOT = Path(__file__).resolve().parents[2]


def load_app(code_dir: Path):
    spec = importlib.util.spec_from_file_location(f"{code_dir.name}_app", code_dir / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.fixture(scope="module")
def api():
    stack = load_stack(ROOT / "template.yaml", {"Stage": "local", **LOCAL_CHAIN_PARAMETERS})
    return stack, HttpApiDefinition.from_stack(stack, "HttpApi")


def declared_by_function(stack, api) -> dict[str, set[tuple[str, str]]]:
    by_function: dict[str, set[tuple[str, str]]] = {}
    for route in api.routes:
        function_name = route.function_arn.split(":")[6]
        logical_id = next(name for name in stack.of_type("AWS::Lambda::Function") if stack.ref(name) == function_name)
        code_dir = stack.local_path(stack.resources[logical_id]["Properties"]["Code"])
        by_function.setdefault(str(code_dir), set()).add((route.method, route.path))
    return by_function


def served(app) -> set[tuple[str, str]]:
    return {(method, path) for path, ops in app.openapi()["paths"].items() for method in (m.upper() for m in ops)}


def covered(route: tuple[str, str], declared: set[tuple[str, str]]) -> bool:
    method, path = route
    for declared_method, declared_path in declared:
        pattern = re.sub(r"\\\{\w+\\\+\\\}", ".+", re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(declared_path)))
        concrete = re.sub(r"\{\w+\}", "x", path)
        if declared_method in (method, "ANY") and re.fullmatch(pattern, concrete):
            return True
    return False


def test_each_function_serves_exactly_the_routes_the_template_gives_it(api):
    stack, definition = api
    for code_dir, declared in declared_by_function(stack, definition).items():
        app = load_app(Path(code_dir))
        if Path(code_dir).name == "system_api":
            continue
        routes = served(app)
        assert {route for route in routes if not covered(route, declared)} == set(), code_dir
        unserved = {d for d in declared if not any(covered(r, {d}) for r in routes)}
        assert unserved == set(), code_dir


def test_the_openapi_document_describes_every_declared_route(api):
    stack, definition = api
    documented = served(load_app(ROOT / "functions" / "system_api"))
    for route in definition.routes:
        if route.path in ("/openapi.json",):
            continue
        assert any(covered(doc, {(route.method, route.path)}) for doc in documented), route.route_key


def test_every_route_but_health_openapi_the_cities_and_open311_requires_a_token(api):
    _, definition = api
    public = {route.route_key for route in definition.routes if route.authorizer is None}
    assert public == {
        "GET /health",
        "GET /openapi.json",
        "GET /tenants",
        "GET /public/impact-credits/{tenant}/{request_id}/verification",
        "GET /open311/{tenant}/v2/{proxy+}",
        "POST /open311/{tenant}/v2/{proxy+}",
    }


def test_the_document_declares_what_the_gateway_answers_itself(api):
    """Its 429 for every route, and its 401 for every route behind the authorizer."""
    _, definition = api
    document = load_app(ROOT / "functions" / "system_api").openapi()
    gateway_message = {"$ref": "#/components/schemas/GatewayMessage"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"]["429"]["content"]["application/json"]["schema"] == gateway_message
            route = next(r for r in definition.routes if covered((method.upper(), path), {(r.method, r.path)}))
            if route.authorizer:
                schema = operation["responses"]["401"]["content"]["application/json"]["schema"]
                assert gateway_message in schema["anyOf"], route.route_key


def test_open311_answers_are_declared_in_json_and_xml():
    document = load_app(ROOT / "functions" / "system_api").openapi()
    file_request = document["paths"]["/open311/{tenant}/v2/requests.{fmt}"]["post"]["responses"]
    assert set(file_request) == {"201", "400", "403", "404", "422", "429"}
    for status in ("201", "400", "403", "404"):
        assert set(file_request[status]["content"]) == {"application/json", "text/xml"}
    one_request = document["paths"]["/open311/{tenant}/v2/requests/{request_id}.{fmt}"]["get"]["responses"]
    assert set(one_request) == {"200", "400", "404", "422", "429"}


def test_paths_and_methods_no_route_serves_get_open311s_error_list():
    """Open311's greedy route sends any path under it to the function, whose router then finds none: GeoReport v2
    knows no 405, so a path or a method it does not define is its 404, in the format the path asks for."""
    http = TestClient(load_app(ROOT / "functions" / "open311_api"))
    unknown = http.get("/open311/lahore/v2/nothing.json")
    assert (unknown.status_code, unknown.json()) == (404, [{"code": 404, "description": "Not Found"}])
    wrong_method = http.delete("/open311/lahore/v2/services.json")
    assert (wrong_method.status_code, wrong_method.json()[0]["code"]) == (404, 404)
    as_xml = http.get("/open311/lahore/v2/nothing.xml")
    assert as_xml.headers["content-type"].startswith("text/xml")
    assert "<errors><error><code>404</code><description>Not Found</description></error></errors>" in as_xml.text
    outside = http.get("/reports")
    assert (outside.status_code, outside.json()["error"]["code"]) == (404, "not_found")
