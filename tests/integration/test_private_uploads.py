"""The uploads bucket of the running `ecopulse local` refuses what S3 refuses: a form from `POST /uploads` with
its key, type, fields or signature changed, a file over its size, an expired or unsigned form, anonymous
List, GET and PUT. The untampered form, the SDK with the emulator's credentials and presigned GETs (with a
version too) still work, and an anonymous PUT into a citizen's key never reaches the verify function."""

import xml.etree.ElementTree as ElementTree

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from ecopulse.photos import S3PhotoStore
from tests.integration.conftest import TENANT
from tests.integration.photos import clean_scene, littered_scene
from tests.support import wait_until

PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)
SIGNING_FIELDS = {
    "policy", "signature", "awsaccesskeyid", "x-amz-signature", "x-amz-credential", "x-amz-algorithm", "x-amz-date",
}  # fmt: skip


def upload_form(system, user: str = "alice") -> dict:
    """A report photo's form, from the API as the app gets it."""
    answer = httpx.post(
        system.api + "/uploads", json={"content_type": "image/jpeg"}, headers=system.bearer(user, "citizen", TENANT)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def post(form: dict, fields: dict | None = None, file: bytes = PHOTO) -> httpx.Response:
    files = {"file": ("report.jpg", file, "image/jpeg")}
    return httpx.post(form["url"], data=form["fields"] if fields is None else fields, files=files, timeout=30)


def s3_error(answer: httpx.Response) -> tuple[int, str, str]:
    document = ElementTree.fromstring(answer.content)
    return answer.status_code, document.findtext("Code"), document.findtext("Message")


def versions(pipeline, key: str) -> list[dict]:
    listed = pipeline.s3.list_object_versions(Bucket=pipeline.bucket, Prefix=key)
    return [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]


def another_citizens_key(fields: dict) -> dict:
    """The same photo's key under another user: uploads/<tenant>/<user>/<submission>/<photo>."""
    parts = fields["key"].split("/")
    return {**fields, "key": "/".join([*parts[:2], f"not-{parts[2]}", *parts[3:]])}


TAMPERED = {
    "another citizen's key": (another_citizens_key, "AccessDenied", "Invalid according to Policy: Policy Condition"),
    "another type": (
        lambda fields: {**fields, "Content-Type": "text/html"},
        "AccessDenied",
        "Invalid according to Policy: Policy Condition failed",
    ),
    "a field the policy does not name": (
        lambda fields: {**fields, "x-amz-meta-reviewed": "yes"},
        "AccessDenied",
        "Invalid according to Policy: Extra input fields: x-amz-meta-reviewed",
    ),
    "a forged signature": (
        lambda fields: (
            {**fields, "signature": "AAAA" + fields["signature"][4:]}
            if "signature" in fields
            else {**fields, "x-amz-signature": "0" * 64}
        ),
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match",
    ),
    "no signature": (
        lambda fields: {name: value for name, value in fields.items() if name.lower() not in SIGNING_FIELDS},
        "AccessDenied",
        "Access Denied",
    ),
}


@pytest.mark.parametrize("tampering", TAMPERED)
def test_a_tampered_form_is_refused_and_nothing_is_stored(pipeline, tampering):
    change, code, message = TAMPERED[tampering]
    form = upload_form(pipeline.system)
    tampered = change(form["fields"])
    status, refused_code, refused_message = s3_error(post(form, tampered))
    assert (status, refused_code) == (403, code)
    assert refused_message.startswith(message)
    assert versions(pipeline, form["key"]) == []
    assert versions(pipeline, tampered.get("key", form["key"])) == []


def test_a_file_one_byte_over_the_forms_limit_is_refused_and_nothing_is_stored(pipeline):
    form = upload_form(pipeline.system)
    status, code, _ = s3_error(post(form, file=PHOTO + bytes(form["max_bytes"] + 1 - len(PHOTO))))
    assert (status, code) == (400, "EntityTooLarge")
    assert versions(pipeline, form["key"]) == []


def test_an_expired_form_is_refused_and_nothing_is_stored(pipeline):
    key = upload_form(pipeline.system)["key"]
    expired = S3PhotoStore(pipeline.s3).presigned_post(pipeline.bucket, key, "image/jpeg", 1000, expires_seconds=-1)
    assert s3_error(post(expired)) == (403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    assert versions(pipeline, key) == []


def test_the_form_as_handed_out_is_accepted_and_its_photo_read_back_by_a_presigned_get_of_its_version(pipeline):
    form = upload_form(pipeline.system)
    assert post(form).status_code == 204
    (stored,) = versions(pipeline, form["key"])
    link = pipeline.s3.generate_presigned_url(
        "get_object", Params={"Bucket": pipeline.bucket, "Key": form["key"], "VersionId": stored["VersionId"]}
    )
    read = httpx.get(link)
    assert (read.status_code, read.content) == (200, PHOTO)
    assert s3_error(httpx.get(link.replace(stored["VersionId"], "null")))[:2] == (403, "SignatureDoesNotMatch")


def test_anonymous_list_get_put_and_delete_are_refused(pipeline):
    form = upload_form(pipeline.system)
    assert post(form).status_code == 204
    bucket_url = f"{pipeline.system.aws}/{pipeline.bucket}"
    for answer in (
        httpx.get(bucket_url),
        httpx.get(bucket_url, params={"list-type": "2", "prefix": "uploads/"}),
        httpx.get(bucket_url, params={"versions": ""}),
        httpx.get(f"{bucket_url}/{form['key']}"),
        httpx.put(f"{bucket_url}/{form['key']}", content=b"overwritten"),
        httpx.delete(f"{bucket_url}/{form['key']}"),
    ):
        assert s3_error(answer) == (403, "AccessDenied", "Access Denied")
    assert len(versions(pipeline, form["key"])) == 1
    assert pipeline.s3.get_object(Bucket=pipeline.bucket, Key=form["key"])["Body"].read() == PHOTO


def test_an_anonymous_put_into_another_citizens_submission_never_reaches_verification(pipeline):
    submission_id, form = pipeline.open_submission(user="alice")
    key = form["fields"]["key"]
    answer = httpx.put(f"{pipeline.system.aws}/{pipeline.bucket}/{key}", content=littered_scene())
    assert s3_error(answer) == (403, "AccessDenied", "Access Denied")
    assert versions(pipeline, key) == []
    assert pipeline.submission(submission_id)["status"] == "awaiting_upload"

    # The submission is decided by its owner's photo, sent with her own form.
    photo = clean_scene()
    assert post(form, file=photo).status_code == 204
    assert pipeline.wait_for_status(submission_id, "in_review")["status"] == "in_review"
    assert len(versions(pipeline, key)) == 1
    admin = pipeline.system.bearer("amina", "admin", TENANT)
    photos = httpx.get(f"{pipeline.system.api}/admin/submissions/{submission_id}/photos", headers=admin).json()
    seen = httpx.get(photos["photos"]["after"]["url"])
    assert (seen.status_code, seen.content) == (200, photo)


def test_a_form_posted_again_after_verification_changes_nothing_an_admin_sees(pipeline):
    submission_id, form = pipeline.open_submission(user="erin")
    photo = clean_scene()
    assert post(form, file=photo).status_code == 204
    verified = pipeline.wait_for_status(submission_id, "in_review")
    assert post(form, file=littered_scene()).status_code == 204, "the form is still valid: S3 takes the upload"
    flagged = wait_until(lambda: (item := pipeline.submission(submission_id))["replaced_uploads"] and item)
    assert (flagged["status"], flagged["verdict"]) == ("in_review", verified["verdict"])
    admin = pipeline.system.bearer("amina", "admin", TENANT)
    photos = httpx.get(f"{pipeline.system.api}/admin/submissions/{submission_id}/photos", headers=admin).json()
    after = photos["photos"]["after"]
    assert after["version_id"] == verified["photo_versions"]["after"]["S"]
    seen = httpx.get(after["url"])
    assert (seen.status_code, seen.content) == (200, photo)
    assert len(versions(pipeline, form["fields"]["key"])) == 2


@pytest.mark.parametrize(
    ("access_key", "secret", "code"),
    [("local", "guessed", "SignatureDoesNotMatch"), ("AKIAUNKNOWN", "local", "InvalidAccessKeyId")],
)
def test_sdk_calls_need_the_emulators_credentials(pipeline, access_key, secret, code):
    stranger = boto3.client(
        "s3",
        endpoint_url=pipeline.system.aws,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
    )
    with pytest.raises(ClientError) as refused:
        stranger.list_objects_v2(Bucket=pipeline.bucket)
    assert refused.value.response["Error"]["Code"] == code
    assert pipeline.s3.list_objects_v2(Bucket=pipeline.bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
