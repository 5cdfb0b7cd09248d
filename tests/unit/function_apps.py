"""An API function's app loaded as its Lambda loads it, signed in as one caller, with ports replaced by fakes."""

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from starlette.testclient import TestClient

from ecopulse.api.auth import Caller, Group, current_caller
from ecopulse.api.dependencies import report_photo_board, report_photo_links
from tests.unit.report_photo_fakes import FakeLinks, MemoryBoard

ROOT = Path(__file__).resolve().parents[2]


def function_app(function: str) -> FastAPI:
    """A fresh copy of ``functions/<function>/app.py``'s app, so one test's overrides never reach another's."""
    spec = importlib.util.spec_from_file_location(f"{function}_under_test", ROOT / "functions" / function / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: FastAPI = module.app
    return app


def providing(fake: object):
    """A provider without parameters: FastAPI would read a parameter of the override as one of the request."""
    return lambda: fake


def sign_in(app: FastAPI, user: str, groups: frozenset[Group], tenant: str, email: str | None = None) -> None:
    app.dependency_overrides[current_caller] = lambda: Caller(
        user_id=user, username=user, tenant=tenant, email=email, groups=groups
    )


def signed_in_client(
    function: str,
    user: str,
    group: Group,
    ports: dict[object, object],
    tenant: str = "lahore",
    email: str | None = None,
) -> TestClient:
    """The function's app as ``user`` of ``tenant``, with each port in ``ports`` (provider: fake) replaced; report
    photos' results and links are fakes unless ``ports`` names others (every route that shows a report needs them)."""
    app = function_app(function)
    sign_in(app, user, frozenset({group}), tenant, email)
    app.dependency_overrides.update(
        {report_photo_board: providing(MemoryBoard()), report_photo_links: providing(FakeLinks())}
    )
    app.dependency_overrides.update({provider: providing(fake) for provider, fake in ports.items()})
    return TestClient(app)
