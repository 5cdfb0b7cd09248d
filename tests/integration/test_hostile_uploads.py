"""Hostile files through the running `ecopulse local`: each put straight into the bucket by a client holding the
bucket's credentials ends its submission refused with the reason load_photo gives, starts no workflow, and leaves
the verify function able to take in the next good photo. The upload form itself refuses a file over its cap."""

import base64
import json

import httpx

from ecopulse.verification.image import PhotoRejected, load_photo
from ecopulse.verification.service import DEFAULT_POLICY
from tests.hostile_files import hostile_files
from tests.integration.photos import clean_scene

CORPUS = hostile_files(DEFAULT_POLICY.max_bytes)
ONE_BYTE_OVER = next(case for case in CORPUS if case.name == "one-byte-over-the-limit")


def reason_for(data: bytes) -> str:
    try:
        load_photo(data, DEFAULT_POLICY.max_bytes, DEFAULT_POLICY.max_pixels)
    except PhotoRejected as refusal:
        return str(refusal)
    raise AssertionError("a hostile file was accepted")


def test_every_hostile_file_in_the_bucket_is_refused_on_its_submission_and_a_good_photo_still_goes_through(pipeline):
    submissions = {}
    for case in CORPUS:
        submission_id, form = pipeline.open_submission(user="mallory")
        key = form["fields"]["key"]
        pipeline.s3.put_object(Bucket=pipeline.bucket, Key=key, Body=case.data, ContentType=case.content_type_claimed)
        submissions[case.name] = submission_id

    recorded = {
        name: pipeline.wait_for_status(submission_id, "rejected", timeout=60)["rejection_reason"]
        for name, submission_id in submissions.items()
    }
    assert recorded == {case.name: reason_for(case.data) for case in CORPUS}
    assert all(pipeline.executions(submission_id) == [] for submission_id in submissions.values())

    good = pipeline.upload(clean_scene(), user="mallory")
    assert pipeline.wait_for_status(good, "in_review")["status"] == "in_review"


def test_the_upload_form_caps_the_size_and_a_file_one_byte_over_it_never_gets_through(pipeline):
    submission_id, form = pipeline.open_submission(user="mallory")
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", 1, DEFAULT_POLICY.max_bytes] in policy["conditions"]

    file = {"file": ("after.jpg", ONE_BYTE_OVER.data, "image/jpeg")}
    posted = httpx.post(form["url"], data=form["fields"], files=file, timeout=30)
    assert posted.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in posted.text
    assert pipeline.s3.list_objects_v2(Bucket=pipeline.bucket, Prefix=form["fields"]["key"])["KeyCount"] == 0
    assert pipeline.submission(submission_id)["status"] == "awaiting_upload"
