"""The sample events in events/ (what `sam local invoke -e` sends) have the shapes their functions parse."""

import importlib.util
import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model, S3Model

ROOT = Path(__file__).resolve().parents[2]


def event(name: str) -> dict:
    return json.loads((ROOT / "events" / name).read_text())


def handler_model(function: str, model: str):
    """Every function's module is called app, so each is loaded under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"{function}_app", ROOT / "functions" / function / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, model)


def test_the_s3_event_is_what_verify_upload_parses():
    record = parse(event=event("s3-photo-uploaded.json"), model=S3Model).Records[0]
    assert record.s3.object.key.startswith("uploads/lahore/alice/")


def test_the_http_event_is_payload_format_2():
    parsed = parse(event=event("http-whoami.json"), model=APIGatewayProxyEventV2Model)
    assert parsed.requestContext.authorizer.jwt.claims["custom:tenant"] == "lahore"


@pytest.mark.parametrize(
    ("function", "model", "sample"),
    [
        ("request_review", "ReviewRequest", "request-review.json"),
        ("record_decision", "DecisionRequest", "record-decision.json"),
        ("notify", "NotifyRequest", "notify.json"),
    ],
)
def test_workflow_task_events_match_their_handlers_models(function, model, sample):
    assert handler_model(function, model).model_validate(event(sample)).submission_id == "sub-0b9c1f3e-4b7a"
