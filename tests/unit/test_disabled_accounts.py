"""A disabled account is refused on every write route of every API function, before its handler runs: it files
no report, opens no submission, votes on nothing, joins no event, sets no wallet and changes nothing of the city."""

import importlib.util
import re

import pytest
from starlette.testclient import TestClient

from ecopulse.api.auth import Caller, Group, current_caller
from ecopulse.api.dependencies import user_repository
from tests.conftest import ROOT
from tests.unit.user_fakes import MemoryUsers

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Open311's POST is authorised by the city's API key, not by a signed-in account.
NOT_SIGNED_IN = {"/open311/{tenant}/v2/requests.{fmt}"}
# Leaving erases personal data, a right a disabled account keeps (GDPR article 17): it is no write that earns.
OPEN_TO_DISABLED = {("DELETE", "/me")}


def api_functions() -> dict[str, object]:
    apps = {}
    for path in sorted((ROOT / "functions").glob("*_api/app.py")):
        spec = importlib.util.spec_from_file_location(f"{path.parent.name}_disabled", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        apps[path.parent.name] = module.app
    return apps


APPS = api_functions()
WRITE_ROUTES = [
    (function, method.upper(), path)
    for function, app in APPS.items()
    for path, operations in app.openapi()["paths"].items()
    if path not in NOT_SIGNED_IN
    for method in sorted(operations)
    if method.upper() in WRITES and (method.upper(), path) not in OPEN_TO_DISABLED
]


def test_the_write_routes_include_everything_a_citizen_earns_or_changes_with():
    paths = {(method, path) for _, method, path in WRITE_ROUTES}
    assert {
        ("POST", "/reports"), ("POST", "/reports/{report_id}/votes"), ("POST", "/submissions"), ("POST", "/uploads"),
        ("POST", "/events/{event_id}/join"), ("POST", "/events/{event_id}/check-in"), ("PUT", "/me/wallet"),
        ("POST", "/impact-credits"), ("POST", "/admin/impact-credits/{request_id}/decision"),
        ("PUT", "/fleet/vehicles/{vehicle_id}/position"), ("POST", "/admin/staff"),
    } <= paths  # fmt: skip


@pytest.mark.parametrize(("function", "method", "path"), WRITE_ROUTES)
def test_a_disabled_account_is_refused_on_every_write_route(function, method, path):
    users = MemoryUsers()
    users.ensure("lahore", "mallory", "mallory", None, ["citizen", "driver", "admin"])
    users.set_active("lahore", "mallory", False)
    app = APPS[function]
    app.dependency_overrides = {
        current_caller: lambda: Caller(user_id="mallory", username="mallory", tenant="lahore", groups=frozenset(Group)),
        user_repository: lambda: users,
    }
    url = re.sub(r"\{(\w+)\}", lambda match: "photo" if match.group(1) == "photo" else "x-1", path)
    answer = TestClient(app).request(method, url, json={})
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "account_disabled"), answer.text
