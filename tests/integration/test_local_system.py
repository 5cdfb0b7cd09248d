"""Through the running `ecopulse local`: HTTP routes, the S3-triggered function, the whole workflow."""

import json

import httpx

from ecopulse.rewards import mint_group
from tests.integration.conftest import TENANT
from tests.integration.photos import ambiguous_scene, clean_scene, iphone_scene, littered_scene
from tests.support import wait_until


def test_health_and_openapi_are_public(local_system):
    health = httpx.get(local_system.api + "/health")
    assert health.json() == {"status": "ok", "stage": "local", "version": "0.1.0"}
    document = httpx.get(local_system.api + "/openapi.json").json()
    assert document["info"]["title"] == "EcoPulse API"
    assert {"/health", "/whoami"} <= set(document["paths"])


def test_whoami_needs_a_token_and_reports_its_claims(local_system):
    assert httpx.get(local_system.api + "/whoami").status_code == 401
    token = local_system.cli_token("alice", "admin", "lahore")
    answer = httpx.get(local_system.api + "/whoami", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json() | {"user_id": "-"} == {
        "user_id": "-",
        "username": "alice",
        "tenant": "lahore",
        "groups": ["admin"],
    }


def test_the_dashboard_is_served_with_its_configuration(local_system):
    assert "EcoPulse" in httpx.get(local_system.dashboard + "/").text
    assert httpx.get(local_system.dashboard + "/config.json").json()["apiUrl"] == local_system.api


def test_an_approved_review_runs_the_workflow_to_its_end(pipeline):
    submission_id = pipeline.upload(clean_scene(), user="olga")
    waiting = pipeline.wait_for_status(submission_id, "in_review")
    assert waiting["gsi1pk"] == f"TENANT#{TENANT}#REVIEW"
    assert [e["status"] for e in pipeline.executions(submission_id)] == ["RUNNING"]

    decision = {"outcome": "approved", "reason": "litter is gone", "reviewer": "admin-1"}
    pipeline.sfn.send_task_success(taskToken=waiting["task_token"], output=json.dumps(decision))

    finished = pipeline.finished(submission_id)
    assert finished["status"] == "SUCCEEDED"
    recorded = {"status": "approved", "reward": 10, "wallet": None, "mint_group": mint_group(TENANT, submission_id)}
    assert json.loads(finished["output"])["recorded"] == recorded
    approved = pipeline.submission(submission_id)
    assert approved["status"] == "approved" and approved["decided_by"] == "admin-1"
    assert "task_token" not in approved and "gsi1pk" not in approved
    (note,) = [m for m in pipeline.inbox(user="olga") if m["submission_id"] == submission_id]
    assert note["title"] == "Cleanup approved" and "add a wallet" in note["body"]


def test_a_rejected_review_records_the_reviewers_reason(pipeline):
    submission_id = pipeline.upload(ambiguous_scene(), user="bilal")
    waiting = pipeline.wait_for_status(submission_id, "in_review")
    pipeline.sfn.send_task_failure(taskToken=waiting["task_token"], error="ReviewRejected", cause="photo is blurred")
    assert pipeline.finished(submission_id)["status"] == "SUCCEEDED"
    rejected = pipeline.submission(submission_id)
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "photo is blurred")
    notes = [m for m in pipeline.inbox(user="bilal") if m["submission_id"] == submission_id]
    assert notes and "photo is blurred" in notes[0]["body"]


def test_a_review_nobody_answers_times_out_is_escalated_and_rejected(pipeline):
    submission_id = pipeline.upload(littered_scene(), user="chen")
    pipeline.wait_for_status(submission_id, "in_review")
    rejected = pipeline.wait_for_status(submission_id, "rejected", timeout=30)
    assert rejected["rejection_reason"] == "review timed out"
    assert pipeline.finished(submission_id)["status"] == "SUCCEEDED"
    told = pipeline.inbox(user="admin")
    assert any(m["title"] == "Review overdue" and m["submission_id"] == submission_id for m in told)


def test_a_tenant_that_keeps_waiting_keeps_the_review_open_past_the_timeout(pipeline, local_system):
    admin = local_system.bearer("admin", "admin", TENANT)
    settings = httpx.get(local_system.api + "/admin/settings", headers=admin).json()
    httpx.put(local_system.api + "/admin/settings", headers=admin, json={**settings, "review_timeout_action": "wait"})
    try:
        submission_id = pipeline.upload(ambiguous_scene(), user="erin")
        first = pipeline.wait_for_status(submission_id, "in_review")
        renewed = wait_until(
            lambda: (item := pipeline.submission(submission_id))["task_token"] != first["task_token"] and item,
            timeout=30,
        )
        assert renewed["status"] == "in_review", "escalated, and back in the queue with a new task token"
        decision = {"outcome": "approved", "reason": "checked late", "reviewer": "admin-2"}
        pipeline.sfn.send_task_success(taskToken=renewed["task_token"], output=json.dumps(decision))
        assert pipeline.finished(submission_id)["status"] == "SUCCEEDED"
        assert pipeline.submission(submission_id)["status"] == "approved"
    finally:
        httpx.put(local_system.api + "/admin/settings", headers=admin, json=settings)


def test_a_file_that_is_not_an_image_is_refused_with_a_reason_and_starts_nothing(pipeline):
    submission_id = pipeline.upload(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    refused = pipeline.wait_for_status(submission_id, "rejected")
    assert refused["rejection_reason"] == "content is not a JPEG, PNG, WebP or HEIC image"
    assert pipeline.executions(submission_id) == []


def test_an_iphone_heic_is_uploaded_with_the_form_for_heic_and_verified_like_a_jpeg(pipeline):
    citizen = pipeline.system.bearer("fiona", "citizen", TENANT)
    body = {"task": "cleanup", "photos": {"content_type": "image/heic"}}
    opened = httpx.post(pipeline.system.api + "/submissions", json=body, headers=citizen)
    assert opened.status_code == 201, opened.text
    submission_id, form = opened.json()["submission"]["submission_id"], opened.json()["uploads"]["after"]
    assert form["key"].endswith("/after.heic") and form["fields"]["Content-Type"] == "image/heic"
    posted = httpx.post(
        form["url"], data=form["fields"], files={"file": ("IMG_0001.HEIC", iphone_scene(), "image/heic")}
    )
    assert posted.status_code in (200, 204), posted.text
    verified = pipeline.wait_for_status(submission_id, "in_review")
    assert verified["content_type"] == "image/heic"


def test_an_upload_over_a_verified_photo_is_never_read_only_flagged(pipeline, local_system):
    photo = clean_scene()
    submission_id = pipeline.upload(photo, user="dana")
    first = pipeline.wait_for_status(submission_id, "in_review")
    queued_before = local_system.async_stats()["queued"]
    for _ in range(3):
        pipeline.s3.put_object(Bucket=pipeline.bucket, Key=first["photo_key"], Body=ambiguous_scene())
    wait_until(lambda: (s := local_system.async_stats())["queued"] >= queued_before + 3 and s["in_flight"] == 0)
    assert len(pipeline.executions(submission_id)) == 1
    again = pipeline.submission(submission_id)
    assert (again["status"], again["task_token"], again["verdict"]) == (
        "in_review",
        first["task_token"],
        first["verdict"],
    )
    assert len(again["replaced_uploads"]) == 3 and again["photo_versions"] == first["photo_versions"]
    verified = first["photo_versions"]["after"]["S"]
    stored = pipeline.s3.get_object(Bucket=pipeline.bucket, Key=first["photo_key"], VersionId=verified)["Body"].read()
    assert stored == photo
