"""Every route an endpoint group's app serves is declared for its function in template.yaml, and the
OpenAPI document describes every declared route."""

import importlib.util
import re
from pathlib import Path

import pytest

from ecopulse_local.gateway import HttpApiDefinition
from ecopulse_local.template import load_stack

ROOT = Path(__file__).resolve().parents[2]


def load_app(code_dir: Path):
    spec = importlib.util.spec_from_file_location(f"{code_dir.name}_app", code_dir / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.fixture(scope="module")
def api():
    stack = load_stack(ROOT / "template.yaml", {"Stage": "local"})
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


def test_every_route_but_health_openapi_and_open311_requires_a_token(api):
    _, definition = api
    public = {route.route_key for route in definition.routes if route.authorizer is None}
    assert public == {
        "GET /health",
        "GET /openapi.json",
        "GET /open311/{tenant}/v2/{proxy+}",
        "POST /open311/{tenant}/v2/{proxy+}",
    }
