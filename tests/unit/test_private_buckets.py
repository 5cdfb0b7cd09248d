"""The layer in front of moto, in process: what reaches the bucket behind it and what is answered for S3."""

import io
import xml.etree.ElementTree as ElementTree

import httpx
import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from ecopulse.photos import S3PhotoStore
from ecopulse_local.private_buckets import PrivateBuckets
from ecopulse_local.s3_auth import Authenticator
from tests.unit.test_s3_auth import BUCKET, KEY, MAX_BYTES, PHOTO, REGION, s3_client


class RecordingApp:
    """Stands in for moto: records each request that reaches it, with its form."""

    def __init__(self):
        self.requests = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests.append((request.method, request.path, dict(request.form), request.files.get("file")))
        return Response(status=204)(environ, start_response)


@pytest.fixture
def moto():
    return RecordingApp()


@pytest.fixture
def emulator(moto):
    return Client(PrivateBuckets(moto, [BUCKET], Authenticator({"local": "local"}, REGION)))


def error(response) -> tuple[int, str, str]:
    document = ElementTree.fromstring(response.data)
    return response.status_code, document.findtext("Code"), document.findtext("Message")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/{BUCKET}"),
        ("GET", f"/{BUCKET}?list-type=2&prefix=uploads/"),
        ("GET", f"/{BUCKET}/{KEY}"),
        ("PUT", f"/{BUCKET}/{KEY}"),
        ("DELETE", f"/{BUCKET}/{KEY}"),
        ("POST", f"/{BUCKET}?delete"),
        ("POST", f"/{BUCKET}/{KEY}?uploads"),
    ],
)
def test_anonymous_requests_at_a_private_bucket_are_refused_before_the_bucket_sees_them(emulator, moto, method, path):
    answer = emulator.open(path, method=method, data=PHOTO if method in ("PUT", "POST") else None)
    assert error(answer) == (403, "AccessDenied", "Access Denied")
    assert answer.headers["Content-Type"] == "application/xml"
    assert moto.requests == []


def test_a_virtual_hosted_anonymous_request_is_refused(emulator, moto):
    answer = emulator.get(f"/{KEY}", headers={"Host": f"{BUCKET}.localhost:4566"})
    assert error(answer)[:2] == (403, "AccessDenied")
    assert moto.requests == []


def test_a_refused_head_has_no_body(emulator):
    answer = emulator.head(f"/{BUCKET}/{KEY}")
    assert (answer.status_code, answer.data) == (403, b"")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/another-bucket"),
        ("POST", "/moto-api/reset"),
        ("POST", "/123456789012/queue"),
        ("OPTIONS", f"/{BUCKET}"),
    ],
)
def test_other_buckets_other_services_and_cors_preflights_pass(emulator, moto, method, path):
    assert emulator.open(path, method=method).status_code == 204
    assert [(m, p) for m, p, *_ in moto.requests] == [(method, path)]


def test_a_valid_form_reaches_the_bucket_as_s3_reads_it(emulator, moto):
    form = S3PhotoStore(s3_client()).presigned_post(BUCKET, KEY, "image/jpeg", MAX_BYTES, 300)
    files = [*((name, (None, value)) for name, value in form["fields"].items()), ("file", ("after.jpg", PHOTO))]
    files.append(("x-amz-meta-after-the-file", (None, "ignored by S3")))
    request = httpx.Request("POST", f"http://127.0.0.1:4566/{BUCKET}", files=files)
    answer = emulator.post(f"/{BUCKET}", data=request.read(), content_type=request.headers["content-type"])
    assert answer.status_code == 204, answer.data
    ((method, path, fields, file),) = moto.requests
    assert (method, path, fields, file.read()) == ("POST", f"/{BUCKET}", form["fields"], PHOTO)


def test_a_tampered_form_is_refused_before_the_bucket_sees_it(emulator, moto):
    form = S3PhotoStore(s3_client()).presigned_post(BUCKET, KEY, "image/jpeg", MAX_BYTES, 300)
    fields = {**form["fields"], "key": KEY.replace("alice", "bob")}
    answer = emulator.post(f"/{BUCKET}", data={**fields, "file": (io.BytesIO(PHOTO), "after.jpg")})
    assert error(answer)[:2] == (403, "AccessDenied")
    assert moto.requests == []
