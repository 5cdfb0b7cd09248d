"""The web clients' contract is the union of what each HTTP function serves, and two functions that describe one
operation or one schema differently are refused rather than one of them silently kept."""

import importlib.util

import pytest

from tests.conftest import ROOT


def load_script():
    spec = importlib.util.spec_from_file_location("api_client", ROOT / "scripts" / "api_client.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api_client = load_script()

ITEM = {"type": "object", "properties": {"id": {"type": "string"}}}


def document(paths: dict, schemas: dict) -> dict:
    return {"openapi": "3.1.0", "info": {"title": "EcoPulse API"}, "paths": paths, "components": {"schemas": schemas}}


def test_the_merged_document_holds_every_functions_operations_and_schemas():
    reports = document({"/reports": {"get": {"operationId": "list"}}}, {"Report": ITEM})
    admin = document(
        {"/admin/settings": {"get": {"operationId": "get"}}, "/reports": {"get": {"operationId": "list"}}},
        {"Settings": ITEM, "Report": ITEM},
    )

    merged = api_client.merged_document([reports, admin])

    assert list(merged["paths"]) == ["/admin/settings", "/reports"]
    assert merged["components"]["schemas"] == {"Report": ITEM, "Settings": ITEM}
    assert merged["info"] == {"title": "EcoPulse API"}


def test_two_methods_of_one_path_from_two_functions_are_both_kept():
    reading = document({"/fleet/vehicles": {"get": {"operationId": "list"}}}, {})
    writing = document({"/fleet/vehicles": {"post": {"operationId": "add"}}}, {})

    assert set(api_client.merged_document([reading, writing])["paths"]["/fleet/vehicles"]) == {"get", "post"}


def test_an_operation_described_differently_by_two_functions_is_refused():
    one = document({"/reports": {"get": {"operationId": "list"}}}, {})
    other = document({"/reports": {"get": {"operationId": "list_reports"}}}, {})

    with pytest.raises(api_client.Conflict, match="/reports"):
        api_client.merged_document([one, other])


def test_a_schema_described_differently_by_two_functions_is_refused():
    one = document({}, {"Report": ITEM})
    other = document({}, {"Report": {"type": "object", "properties": {"id": {"type": "integer"}}}})

    with pytest.raises(api_client.Conflict, match="Report"):
        api_client.merged_document([one, other])


def test_the_committed_document_is_what_the_functions_serve():
    assert (ROOT / "clients" / "api" / "openapi.json").read_text() == api_client.document_text()
