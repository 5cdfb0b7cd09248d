"""What citizens and admins see of a submission, and how an admin decision is taken, through the routes of
the API functions with the repository, the workflow and the label store replaced by in-memory ports."""

import base64
import importlib.util
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from starlette.testclient import TestClient

from ecopulse import config
from ecopulse.api import idempotency
from ecopulse.api.auth import Caller, Group, current_caller
from ecopulse.api.dependencies import (
    photo_links,
    review_label_repository,
    submission_repository,
    task_tokens,
    upload_forms,
    user_repository,
)
from ecopulse.photos import S3PhotoStore
from ecopulse.submissions import Status, Submission
from tests.unit.submission_fakes import MemoryLabels, MemorySubmissions, MemoryTaskTokens, MemoryUsers, a_submission

ROOT = Path(__file__).resolve().parents[2]
TENANT = "lahore"
EMBEDDING = bytes(range(32))
PHASH = "c3a1f00e9b7d2461"
# Everything the verifier knows that would help a forger tune the next attempt.
VERDICT = {
    "decision": "review",
    "confidence": 0.4137,
    "reasons": ["the after photo was taken 40 km from the before photo"],
    "checks": [{"name": "same_place", "passed": False, "reason": "40 km apart", "value": 40.2}],
    "features": {"gps_km": 40.2, "waste_drop": 0.5519},
    "model": {"waste_type": "plastic", "waste_probability": 0.0871,
              "top_labels": [{"label": "ashcan", "probability": 0.3312}]},
    "flags": ["gps_far"],
    "signals": [{"name": "gps_far", "flagged": True, "reason": "far", "value": 40.2, "threshold": 2.5}],
    "photo": {"sha256": "9f2c" * 16, "content_type": "image/jpeg", "bytes": 48211, "phash": PHASH},
    "kind": "after",
    "evidence": 0.9129,
    "verified_at": "2025-06-01T09:00:00+00:00",
}  # fmt: skip
FACTS = {"phash": PHASH, "embedding_f16": base64.b64encode(EMBEDDING).decode(), "waste_probability": 0.0871}
SECRETS = ["0.4137", "40.2", "0.5519", "ashcan", "0.3312", "0.0871", "9f2c9f2c", PHASH, "gps_far", "0.9129",
           FACTS["embedding_f16"], "threshold", "checks", "features", "signals", "confidence",
           "photo_verdicts"]  # fmt: skip


def load_app(function: str):
    spec = importlib.util.spec_from_file_location(f"{function}_views", ROOT / "functions" / function / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def submission(
    submission_id: str = "sub-1", user_id: str = "alice", status: Status = Status.IN_REVIEW, **more
) -> Submission:
    return a_submission(
        submission_id,
        user_id,
        status,
        tenant=TENANT,
        photos={"after": f"{TENANT}/{user_id}/{submission_id}/after"},
        photo_verdicts={"after": VERDICT, "before": {**VERDICT, "kind": "before"}},
        photo_facts={"after": FACTS, "before": FACTS},
        **{"verdict": VERDICT, **more},
    )


class AnyoneKnown:
    """The ``Users`` port that knows every user asked for."""

    def get(self, tenant: str, user_id: str) -> None:
        return None


@pytest.fixture
def fakes():
    return MemorySubmissions(), MemoryTaskTokens(), MemoryLabels()


@pytest.fixture
def client(fakes) -> Callable[[str, str, Group], TestClient]:
    """A client of an API function whose submissions, task tokens and labels are the in-memory ``fakes``."""
    repository, workflow, labels = fakes
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    offline_forms = S3PhotoStore(s3)
    users = MemoryUsers()

    def signed_in(function: str, user: str, group: Group) -> TestClient:
        app = load_app(function)
        app.dependency_overrides |= {
            current_caller: lambda: Caller(user_id=user, username=user, tenant=TENANT, groups=frozenset({group})),
            submission_repository: lambda: repository,
            task_tokens: lambda: workflow,
            review_label_repository: lambda: labels,
            upload_forms: lambda: offline_forms,
            user_repository: lambda: users,
        }
        return TestClient(app)

    return signed_in


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for inner in value.values() for key in keys_of(inner)}
    if isinstance(value, list):
        return {key for inner in value for key in keys_of(inner)}
    return set()


CITIZEN_FIELDS = {"submission_id", "user_id", "task", "report_id", "status", "photos", "outcome", "decision",
                  "reasons", "rejection_reason", "reward", "mint_tx", "created_at", "updated_at", "after",
                  "closeout"}  # fmt: skip


@pytest.mark.parametrize("path", ["/submissions/sub-1", "/submissions", "/me/submissions"])
def test_a_citizen_sees_the_status_and_plain_reasons_and_nothing_of_the_evidence(fakes, client, path):
    repository, _, _ = fakes
    repository.add(submission(review_decision=None))
    answer = client("me_api", "alice", Group.CITIZEN).get(path)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    shown = body if path.endswith("sub-1") else body["items"][0]
    assert shown["status"] == "in_review"
    assert shown["outcome"] == {"decision": "review", "reasons": VERDICT["reasons"]}
    assert keys_of(body) - {"items", "cursor"} <= CITIZEN_FIELDS
    assert [secret for secret in SECRETS if secret in answer.text] == []


def test_an_admin_reading_a_submission_through_the_citizens_route_sees_it_as_the_citizen_does(fakes, client):
    repository, _, _ = fakes
    repository.add(submission())
    answer = client("me_api", "amina", Group.ADMIN).get("/submissions/sub-1")
    assert answer.status_code == 200 and "verdict" not in answer.json()
    assert [secret for secret in SECRETS if secret in answer.text] == []


def test_a_citizen_told_of_a_rejection_reads_its_reason(fakes, client):
    repository, _, _ = fakes
    repository.add(submission(status=Status.REJECTED, rejection_reason="the bags are still there"))
    shown = client("me_api", "alice", Group.CITIZEN).get("/submissions/sub-1").json()
    assert (shown["status"], shown["rejection_reason"]) == ("rejected", "the bags are still there")


def test_a_submission_verified_before_verdicts_had_decisions_and_reasons_shows_them_empty(fakes, client):
    repository, _, _ = fakes
    repository.add(submission(verdict={"confidence": 0.5, "flags": []}))
    unverified = repository.add(submission("sub-2", verdict=None, status=Status.AWAITING_UPLOAD))
    citizen = client("me_api", "alice", Group.CITIZEN)
    for submission_id in ("sub-1", unverified.submission_id):
        assert citizen.get(f"/submissions/{submission_id}").json()["outcome"] == {"decision": None, "reasons": []}


@pytest.mark.parametrize("path", ["/admin/submissions/sub-1", "/admin/review-queue", "/admin/users/alice/submissions"])
def test_an_admin_sees_the_full_verdict(fakes, client, path):
    repository, _, _ = fakes
    repository.add(submission())
    admin_client = client("admin_api", "amina", Group.ADMIN)
    admin_client.app.dependency_overrides[user_repository] = lambda: AnyoneKnown()
    answer = admin_client.get(path)
    assert answer.status_code == 200, answer.text
    shown = answer.json() if path.endswith("sub-1") else answer.json()["items"][0]
    assert shown["verdict"] == VERDICT
    assert shown["photo_verdicts"]["before"]["kind"] == "before"
    assert shown["outcome"] == {"decision": "review", "reasons": VERDICT["reasons"]}


def test_the_openapi_documents_separate_citizen_and_admin_shapes():
    citizen = load_app("me_api").openapi()["components"]["schemas"]["SubmissionOut"]["properties"]
    administrator = load_app("admin_api").openapi()["components"]["schemas"]["AdminSubmissionOut"]["properties"]
    assert not {"verdict", "photo_verdicts", "photo_facts", "review_decision", "decided_by"} & set(citizen)
    assert {"verdict", "photo_verdicts", "review_decision", "outcome", "status"} <= set(administrator)


@pytest.fixture
def decide(client):
    def decide(outcome: str, reviewer: str = "amina", submission_id: str = "sub-1"):
        return client("admin_api", reviewer, Group.ADMIN).post(
            f"/admin/submissions/{submission_id}/decision", json={"outcome": outcome, "reason": f"{reviewer} looked"}
        )

    return decide


def test_the_first_decision_is_stored_sent_to_the_workflow_and_kept_as_a_label(fakes, decide):
    repository, workflow, labels = fakes
    repository.add(submission())
    answer = decide("approved")
    assert answer.status_code == 200, answer.text
    assert answer.json()["review_decision"]["outcome"] == "approved"
    sent = {"outcome": "approved", "reason": "amina looked", "reviewer": "amina"}
    assert workflow.sent == [("success", "token-1", sent)]
    label = labels.recorded[(TENANT, "sub-1")]
    assert label.approved and label.features == VERDICT["features"] and label.embedding == EMBEDDING


def test_a_rejection_fails_the_waiting_task_with_the_reviewers_reason(fakes, decide):
    repository, workflow, labels = fakes
    repository.add(submission())
    assert decide("rejected").status_code == 200
    assert workflow.sent == [("failure", "token-1", ("ReviewRejected", "amina looked"))]
    assert not labels.recorded[(TENANT, "sub-1")].approved


def test_the_same_decision_again_answers_200_and_resumes_nothing_more(fakes, decide):
    repository, workflow, labels = fakes
    repository.add(submission())
    first = decide("approved")
    again = decide("approved", reviewer="omar")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["review_decision"]["reviewer"] == "amina"
    assert len(workflow.sent) == 1 and len(labels.recorded) == 1


def test_a_conflicting_decision_is_409_with_the_decision_taken(fakes, decide):
    repository, workflow, labels = fakes
    repository.add(submission())
    assert decide("approved").status_code == 200
    refused = decide("rejected", reviewer="omar")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "decision_conflict"
    ((details),) = error["details"]
    assert details["status"] == "in_review"
    assert (details["decision"]["outcome"], details["decision"]["reviewer"]) == ("approved", "amina")
    assert len(workflow.sent) == 1 and labels.recorded[(TENANT, "sub-1")].approved


@pytest.mark.parametrize("status", [Status.APPROVED, Status.REJECTED, Status.AWAITING_UPLOAD])
def test_a_decision_on_a_submission_the_workflow_decided_or_that_is_not_in_review_is_409(fakes, decide, status):
    repository, workflow, labels = fakes
    repository.add(submission(status=status, decided_by="model"))
    refused = decide("approved" if status is Status.APPROVED else "rejected")
    assert refused.status_code == 409
    assert refused.json()["error"]["details"] == [{"status": status.value, "decision": None}]
    assert workflow.sent == [] and labels.recorded == {}


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_a_review_that_timed_out_is_409_review_closed_and_its_decision_withdrawn(fakes, decide, code):
    repository, workflow, labels = fakes
    repository.add(submission())
    workflow.refusal = code
    refused = decide("approved")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "review_closed")
    assert [decision.reviewer for decision in repository.withdrawn] == ["amina"]
    assert repository.get(TENANT, "sub-1").review_decision is None and labels.recorded == {}


def test_a_decision_the_workflow_could_not_be_told_of_is_withdrawn_so_it_can_be_sent_again(fakes, decide):
    repository, workflow, labels = fakes
    repository.add(submission())
    workflow.refusal = "InternalError"
    with pytest.raises(ClientError):
        decide("approved")
    workflow.refusal = None
    assert decide("approved").status_code == 200
    assert len(workflow.sent) == 1 and labels.recorded[(TENANT, "sub-1")].approved


@pytest.fixture
def forms(monkeypatch):
    """Upload forms (signed offline by the clients' store) for a bucket named in the environment."""
    monkeypatch.setenv("UPLOADS_BUCKET", "uploads")
    config.deployment.cache_clear()
    yield
    config.deployment.cache_clear()


@pytest.mark.parametrize(
    ("status", "verified", "photo", "expected"),
    [
        (Status.AWAITING_UPLOAD, {}, "after", 201),
        (Status.AWAITING_UPLOAD, {"before": "v1"}, "after", 201),
        (Status.AWAITING_UPLOAD, {"before": "v1"}, "before", 409),
        (Status.IN_REVIEW, {"before": "v1", "after": "v2"}, "after", 409),
        (Status.REJECTED, {}, "after", 409),
    ],
    ids=["fresh", "after once the before is in", "a verified photo", "decided", "refused"],
)
def test_a_citizen_gets_a_new_form_only_for_a_photo_still_awaited(
    fakes, client, forms, status, verified, photo, expected
):
    repository, _, _ = fakes
    repository.add(submission(status=status, photo_versions=verified))
    answer = client("me_api", "alice", Group.CITIZEN).post(
        f"/submissions/sub-1/uploads/{photo}", json={"content_type": "image/heic"}
    )
    assert answer.status_code == expected, answer.text
    if expected == 201:
        assert answer.json()["key"] == f"uploads/{TENANT}/alice/sub-1/{photo}.heic"
    else:
        assert answer.json()["error"]["code"] == "photo_slot_taken"
        assert answer.json()["error"]["details"] == [
            {"status": status.value, "photo": photo, "verified": photo in verified}
        ]


def test_a_new_form_is_only_for_the_submissions_owner(fakes, client):
    repository, _, _ = fakes
    repository.add(submission(status=Status.AWAITING_UPLOAD))
    answer = client("me_api", "mallory", Group.CITIZEN).post(
        "/submissions/sub-1/uploads/after", json={"content_type": "image/jpeg"}
    )
    assert answer.status_code == 404


def test_a_citizen_opens_a_submission_with_a_form_for_each_photo(fakes, client, forms):
    repository, _, _ = fakes
    users = MemoryUsers()
    citizen = client("me_api", "alice", Group.CITIZEN)
    citizen.app.dependency_overrides[user_repository] = lambda: users
    answer = citizen.post("/submissions", json={"task": "cleanup", "photos": {"content_type": "image/png"}})
    assert answer.status_code == 201, answer.text
    opened = answer.json()
    submission_id = opened["submission"]["submission_id"]
    assert (opened["submission"]["status"], opened["submission"]["outcome"]) == (
        "awaiting_upload", {"decision": None, "reasons": []}
    )  # fmt: skip
    assert {photo: form["key"] for photo, form in opened["uploads"].items()} == {
        photo: f"uploads/{TENANT}/alice/{submission_id}/{photo}.png" for photo in ("before", "after")
    }
    assert repository.get(TENANT, submission_id).user_id == "alice" and users.get(TENANT, "alice")


@pytest.fixture
def idempotency_table(monkeypatch, forms):
    """The idempotency store in moto's DynamoDB, named in the environment as the template names it."""
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "idempotency")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "test")
    config.deployment.cache_clear()
    idempotency._create_once.cache_clear()
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName="idempotency",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield
    idempotency._create_once.cache_clear()
    config.deployment.cache_clear()


def test_a_cleanup_opened_again_with_its_idempotency_key_is_the_same_submission(fakes, client, idempotency_table):
    repository, _, _ = fakes
    citizen = client("me_api", "alice", Group.CITIZEN)
    body = {"task": "cleanup", "photos": {"content_type": "image/jpeg"}}
    key = {"Idempotency-Key": "offline-cleanup-1"}
    first = citizen.post("/submissions", json=body, headers=key)
    assert first.status_code == 201, first.text
    replay = citizen.post("/submissions", json=body, headers=key)
    opened = first.json()["submission"]["submission_id"]
    assert (replay.status_code, replay.json()["submission"]["submission_id"]) == (201, opened)
    assert replay.headers.get("idempotent-replayed") == "true"
    assert replay.json()["uploads"]["after"]["key"] == f"uploads/{TENANT}/alice/{opened}/after.jpg"
    assert [s.submission_id for s in repository.submissions.values()] == [opened]

    reused = citizen.post("/submissions", json={**body, "photos": {"content_type": "image/png"}}, headers=key)
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert len(repository.submissions) == 1


def test_another_citizen_sending_the_same_idempotency_key_opens_their_own_submission(fakes, client, idempotency_table):
    """The key is the caller's own: a stranger who learns it gets no replay of alice's submission or her upload
    forms, which would let him put photos into her cleanup."""
    repository, _, _ = fakes
    body = {"task": "cleanup", "photos": {"content_type": "image/jpeg"}}
    key = {"Idempotency-Key": "offline-cleanup-1"}
    alices = client("me_api", "alice", Group.CITIZEN).post("/submissions", json=body, headers=key)
    assert alices.status_code == 201, alices.text
    bobs = client("me_api", "bob", Group.CITIZEN).post("/submissions", json=body, headers=key)
    assert bobs.status_code == 201, bobs.text
    assert "idempotent-replayed" not in bobs.headers
    opened = bobs.json()["submission"]["submission_id"]
    assert opened != alices.json()["submission"]["submission_id"]
    assert bobs.json()["uploads"]["after"]["key"] == f"uploads/{TENANT}/bob/{opened}/after.jpg"
    assert sorted(s.user_id for s in repository.submissions.values()) == ["alice", "bob"]


class Links:
    """Photo links that say which object and version they open."""

    def presigned_get(self, bucket: str, key: str, expires_seconds: int, version_id: str | None = None) -> str:
        return f"https://{bucket}/{key}?version={version_id}&expires={expires_seconds}"


def test_an_admin_gets_links_to_the_verified_photos_and_to_the_photos_they_duplicate(fakes, client, forms):
    repository, _, _ = fakes
    match = {"photo_key": "uploads/lahore/bob/sub-0/after.jpg", "submission_id": "sub-0", "distance": 3}
    signals = [{"name": "near_duplicate", "flagged": True, "value": {"matches": [match]}}]
    repository.add(submission(photo_versions={"after": "v2"}, verdict={**VERDICT, "signals": signals}))
    admin_client = client("admin_api", "amina", Group.ADMIN)
    admin_client.app.dependency_overrides[photo_links] = lambda: Links()
    answer = admin_client.get("/admin/submissions/sub-1/photos")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "photos": {"after": {"key": f"{TENANT}/alice/sub-1/after", "version_id": "v2",
                             "url": f"https://uploads/{TENANT}/alice/sub-1/after?version=v2&expires=300",
                             "expires_in": 300}},
        "duplicates": [{"key": match["photo_key"], "version_id": None,
                        "url": f"https://uploads/{match['photo_key']}?version=None&expires=300", "expires_in": 300,
                        "submission_id": "sub-0", "distance": 3}],
    }  # fmt: skip


def test_photo_links_are_for_admins_only(fakes, client):
    repository, _, _ = fakes
    repository.add(submission())
    citizen = client("admin_api", "alice", Group.CITIZEN)
    citizen.app.dependency_overrides[photo_links] = lambda: Links()
    answer = citizen.get("/admin/submissions/sub-1/photos")
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden")
