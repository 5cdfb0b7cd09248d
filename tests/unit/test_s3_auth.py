"""The checks S3 makes before a private bucket serves a request, in process: POST policies on the forms the API
hands out (made by boto3, SigV4 and SigV2 as boto3 makes them), SigV4-signed SDK calls and presigned URLs."""

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import boto3
import httpx
import pytest
from botocore.auth import HmacV1Auth, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from ecopulse.photos import S3PhotoStore
from ecopulse_local.s3_auth import Authenticator, PostForm, S3Refusal, SignedRequest

REGION = "us-east-1"
ENDPOINT = "http://127.0.0.1:4566"
BUCKET = "ecopulse-local-uploads-123456789012"
KEY = "uploads/lahore/alice/sub-1234abcd/after.jpg"
MAX_BYTES = 100
PHOTO = b"\xff\xd8\xff" + bytes(50)
AUTHENTICATOR = Authenticator({"local": "local"}, REGION)
SIGNATURE_VERSIONS = ["s3v4", "s3"]  # SigV4, and SigV2: what boto3 presigns with in us-east-1 unless told


def s3_client(signature_version: str | None = "s3v4", access_key: str = "local", secret: str = "local"):
    config = Config(signature_version=signature_version) if signature_version else None
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        aws_session_token="local",
        config=config,
    )


def app_form(signature_version: str | None = "s3v4", expires: int = 300, **client) -> dict[str, str]:
    """The fields of the form the API hands a citizen, made by the API's own adapter."""
    store = S3PhotoStore(s3_client(signature_version, **client))
    return store.presigned_post(BUCKET, KEY, "image/jpeg", MAX_BYTES, expires)["fields"]


def check(fields: dict[str, str], file: bytes = PHOTO, now: datetime | None = None, bucket: str = BUCKET) -> None:
    form = PostForm(tuple(fields.items()), file, "after.jpg")
    AUTHENTICATOR.check_post_form(bucket, form, now or datetime.now(UTC))


def refusal(call, *args, **kwargs) -> S3Refusal:
    with pytest.raises(S3Refusal) as refused:
        call(*args, **kwargs)
    return refused.value


def policy_condition_failed(refused: S3Refusal) -> bool:
    return (refused.status, refused.code) == (403, "AccessDenied") and refused.message.startswith(
        "Invalid according to Policy: Policy Condition failed:"
    )


def signed_with_sigv2(fields: dict[str, str], policy: dict | str) -> dict[str, str]:
    """A SigV2 form whose policy is this document (or text), signed as botocore signs one."""
    text = policy if isinstance(policy, str) else base64.b64encode(json.dumps(policy).encode()).decode()
    return {**fields, "policy": text, "signature": HmacV1Auth(Credentials("local", "local")).sign_string(text)}


# ----- POST policies -----


@pytest.mark.parametrize("signature_version", [*SIGNATURE_VERSIONS, None])
def test_the_form_boto3_makes_is_accepted(signature_version):
    check(app_form(signature_version))


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_form_with_another_key_is_refused(signature_version):
    refused = refusal(check, {**app_form(signature_version), "key": "uploads/lahore/bob/sub-5678efgh/after.jpg"})
    assert policy_condition_failed(refused)
    assert f'["eq", "$key", "{KEY}"]' in refused.message


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_form_with_another_content_type_is_refused(signature_version):
    refused = refusal(check, {**app_form(signature_version), "Content-Type": "text/html"})
    assert policy_condition_failed(refused)
    assert '"$Content-Type", "image/jpeg"' in refused.message


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_file_one_byte_over_the_range_is_refused(signature_version):
    refused = refusal(check, app_form(signature_version), file=bytes(MAX_BYTES + 1))
    assert (refused.status, refused.code) == (400, "EntityTooLarge")
    assert refused.details == {"ProposedSize": str(MAX_BYTES + 1), "MaxSizeAllowed": str(MAX_BYTES)}


def test_a_file_of_exactly_the_largest_size_is_accepted():
    check(app_form(), file=bytes(MAX_BYTES))


def test_an_empty_file_is_under_the_range_and_refused():
    refused = refusal(check, app_form(), file=b"")
    assert (refused.status, refused.code, refused.details["MinSizeAllowed"]) == (400, "EntityTooSmall", "1")


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_an_expired_form_is_refused(signature_version):
    refused = refusal(check, app_form(signature_version, expires=300), now=datetime.now(UTC) + timedelta(minutes=6))
    assert (refused.status, refused.code, refused.message) == (
        403,
        "AccessDenied",
        "Invalid according to Policy: Policy expired.",
    )


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_form_without_its_signing_fields_is_anonymous_and_refused(signature_version):
    fields = app_form(signature_version)
    unsigned = {"key": fields["key"], "Content-Type": "image/jpeg", "policy": fields["policy"]}
    refused = refusal(check, unsigned)
    assert (refused.status, refused.code, refused.message) == (403, "AccessDenied", "Access Denied")


@pytest.mark.parametrize(("signature_version", "signature"), [("s3v4", "x-amz-signature"), ("s3", "signature")])
def test_a_form_missing_its_signature_is_refused(signature_version, signature):
    fields = {name: value for name, value in app_form(signature_version).items() if name != signature}
    refused = refusal(check, fields)
    assert (refused.status, refused.code, refused.details["ArgumentName"].lower()) == (
        400,
        "InvalidArgument",
        signature,
    )


@pytest.mark.parametrize(("signature_version", "signature"), [("s3v4", "x-amz-signature"), ("s3", "signature")])
def test_a_changed_signature_is_refused(signature_version, signature):
    fields = app_form(signature_version)
    forged = {**fields, signature: fields[signature][::-1]}
    refused = refusal(check, forged)
    assert (refused.status, refused.code) == (403, "SignatureDoesNotMatch")
    assert refused.details["StringToSign"] == fields["policy"]


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_policy_widened_after_signing_is_refused(signature_version):
    fields = app_form(signature_version)
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if c != ["content-length-range", 1, MAX_BYTES]]
    widened = {**fields, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    refused = refusal(check, widened, file=bytes(10 * MAX_BYTES))
    assert (refused.status, refused.code) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_form_signed_with_another_secret_is_refused(signature_version):
    refused = refusal(check, app_form(signature_version, secret="guessed"))
    assert (refused.status, refused.code) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_form_signed_with_an_unknown_access_key_is_refused(signature_version):
    refused = refusal(check, app_form(signature_version, access_key="AKIAUNKNOWN"))
    assert (refused.status, refused.code, refused.details) == (
        403,
        "InvalidAccessKeyId",
        {"AWSAccessKeyId": "AKIAUNKNOWN"},
    )


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_field_no_condition_names_is_refused(signature_version):
    refused = refusal(check, {**app_form(signature_version), "x-amz-meta-owner": "bob"})
    assert (refused.status, refused.code, refused.message) == (
        403,
        "AccessDenied",
        "Invalid according to Policy: Extra input fields: x-amz-meta-owner",
    )


def test_fields_named_x_ignore_need_no_condition():
    check({**app_form(), "x-ignore-client": "web"})


def test_a_form_posted_to_another_bucket_is_refused():
    refused = refusal(check, app_form(), bucket="ecopulse-local-dashboard")
    assert policy_condition_failed(refused)
    assert '"$bucket"' in refused.message


def test_a_form_signed_for_another_region_is_refused():
    fields = app_form()
    wrong_region = fields["x-amz-credential"].replace(REGION, "eu-central-1")
    refused = refusal(check, {**fields, "x-amz-credential": wrong_region})
    assert (refused.status, refused.code, refused.details["ArgumentName"]) == (
        400,
        "InvalidArgument",
        "X-Amz-Credential",
    )
    assert "the region 'eu-central-1' is wrong; expecting 'us-east-1'" in refused.message


def test_sigv2_forms_are_refused_where_the_region_takes_only_sigv4():
    form = PostForm(tuple(app_form("s3").items()), PHOTO)
    refused = refusal(
        Authenticator({"local": "local"}, "eu-central-1").check_post_form, BUCKET, form, datetime.now(UTC)
    )
    assert (refused.status, refused.code) == (400, "InvalidRequest")


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("not base64!", "Invalid Policy: invalid Base64 encoding."),
        (base64.b64encode(b"{not json").decode(), "Invalid Policy: Invalid JSON."),
        ({"conditions": []}, "Invalid Policy: Policy missing expiration."),
        ({"expiration": "2999-01-01T00:00:00Z"}, "Invalid Policy: Policy missing conditions."),
        ({"expiration": "2999-01-01 00:00:00", "conditions": []}, "Invalid 'expiration' value"),
        ({"expiration": "2999-01-01T00:00:00Z", "conditions": {}}, "must be a List."),
        ({"expiration": "2999-01-01T00:00:00Z", "conditions": [{"a": "1", "b": "2"}]}, "exactly one property"),
        ({"expiration": "2999-01-01T00:00:00Z", "conditions": [{"key": 1}]}, "value must be a string."),
        ({"expiration": "2999-01-01T00:00:00Z", "conditions": [["ends-with", "$key", "x"]]}, "unknown operation"),
        ({"expiration": "2999-01-01T00:00:00Z", "conditions": [["eq", "$key"]]}, "wrong number of arguments."),
    ],
)
def test_a_malformed_policy_is_refused(policy, message):
    refused = refusal(check, signed_with_sigv2(app_form("s3"), policy))
    assert (refused.status, refused.code) == (400, "InvalidPolicyDocument")
    assert message in refused.message


def test_conditions_name_fields_without_regard_to_case_and_starts_with_matches_a_prefix():
    policy = {
        "expiration": "2999-01-01T00:00:00Z",
        "conditions": [
            {"Bucket": BUCKET},
            ["StArTs-WiTh", "$KEY", "uploads/lahore/alice/"],
            ["eq", "$content-type", "image/jpeg"],
            {"x-amz-security-token": "local"},
            ["content-length-range", "1", str(MAX_BYTES)],
        ],
    }
    check(signed_with_sigv2(app_form("s3"), policy))
    refused = refusal(check, {**signed_with_sigv2(app_form("s3"), policy), "key": "uploads/lahore/bob/x/after.jpg"})
    assert policy_condition_failed(refused)


def test_a_condition_on_a_field_the_form_lacks_fails():
    policy = {
        "expiration": "2999-01-01T00:00:00Z",
        "conditions": [{"key": KEY}, ["starts-with", "$Cache-Control", ""], {"x-amz-security-token": "local"}],
    }
    fields = {name: value for name, value in app_form("s3").items() if name != "Content-Type"}
    assert policy_condition_failed(refusal(check, signed_with_sigv2(fields, policy)))


# ----- the form as S3 reads it -----


def multipart(*parts: tuple[str, bytes, str | None]) -> tuple[str, bytes]:
    """A multipart/form-data body with these (name, value, filename) parts in this order, as httpx encodes one."""
    files = [(name, (filename, value)) if filename else (name, (None, value)) for name, value, filename in parts]
    request = httpx.Request("POST", ENDPOINT, files=files)
    return request.headers["content-type"], request.read()


def test_the_form_s3_reads_ends_at_the_file():
    content_type, body = multipart(
        ("key", b"uploads/x/${filename}", None), ("file", PHOTO, "after.jpg"), ("x-amz-meta-late", b"ignored", None)
    )
    form = PostForm.parse(content_type, body)
    assert form.fields == (("key", "uploads/x/after.jpg"),)
    assert (form.file, form.filename) == (PHOTO, "after.jpg")


def test_a_key_after_the_file_is_no_key():
    content_type, body = multipart(("file", PHOTO, "after.jpg"), ("key", KEY.encode(), None))
    refused = refusal(check, dict(PostForm.parse(content_type, body).fields))
    assert (refused.status, refused.code, refused.details["ArgumentName"]) == (400, "InvalidArgument", "key")


def test_the_form_given_to_the_bucket_is_the_form_s3_reads():
    content_type, body = multipart(("key", KEY.encode(), None), ("file", PHOTO, "after.jpg"), ("acl", b"public", None))
    form = PostForm.parse(content_type, body)
    again = PostForm.parse(*reversed(form.encoded()))
    assert (again.fields, again.file, again.filename) == ((("key", KEY),), PHOTO, "after.jpg")


def test_a_body_that_is_not_a_multipart_form_is_refused():
    refused = refusal(PostForm.parse, "application/x-www-form-urlencoded", b"key=x")
    assert (refused.status, refused.code) == (412, "PreconditionFailed")
    refused = refusal(PostForm.parse, "multipart/form-data", b"key=x")
    assert (refused.status, refused.code) == (400, "MalformedPOSTRequest")


@pytest.mark.parametrize("files", [0, 2])
def test_a_form_needs_exactly_one_file(files):
    content_type, body = multipart(("key", KEY.encode(), None), *[("file", PHOTO, "a.jpg")] * files)
    refused = refusal(PostForm.parse, content_type, body)
    assert (refused.status, refused.code, refused.details["ArgumentValue"]) == (400, "InvalidArgument", str(files))


# ----- SigV4 in the Authorization header, and presigned URLs -----


def as_received(url: str, method: str = "GET", headers: dict | None = None) -> SignedRequest:
    """What the emulator sees of a request sent to ``url``: the path as sent, the query, the headers."""
    parts = urlsplit(url)
    received = {name.lower(): value for name, value in (headers or {}).items()}
    return SignedRequest(
        method, parts.path, parse_qsl(parts.query, keep_blank_values=True), {"host": parts.netloc, **received}
    )


def sdk_request(method: str = "PUT", body: bytes = PHOTO, secret: str = "local", key: str = KEY) -> SignedRequest:
    """A request signed as boto3 signs its calls (SigV4 header, payload hashed over plain HTTP)."""
    request = AWSRequest(method=method, url=f"{ENDPOINT}/{BUCKET}/{key}?versionId=3", data=body)
    S3SigV4Auth(Credentials("local", secret, "local"), "s3", REGION).add_auth(request)
    return as_received(request.url, method, dict(request.headers.items()))


def test_a_signed_sdk_request_is_accepted():
    AUTHENTICATOR.check_header_signed(sdk_request(), datetime.now(UTC), lambda: PHOTO)


def test_a_request_signed_with_another_secret_is_refused():
    refused = refusal(
        AUTHENTICATOR.check_header_signed, sdk_request(secret="guessed"), datetime.now(UTC), lambda: PHOTO
    )
    assert (refused.status, refused.code) == (403, "SignatureDoesNotMatch")


def test_a_request_sent_to_another_key_than_it_was_signed_for_is_refused():
    signed = sdk_request()
    moved = SignedRequest(signed.method, signed.path.replace("alice", "bob"), signed.query, signed.headers)
    refused = refusal(AUTHENTICATOR.check_header_signed, moved, datetime.now(UTC), lambda: PHOTO)
    assert (refused.status, refused.code) == (403, "SignatureDoesNotMatch")


def test_a_body_other_than_the_signed_one_is_refused():
    refused = refusal(AUTHENTICATOR.check_header_signed, sdk_request(), datetime.now(UTC), lambda: PHOTO + b"!")
    assert (refused.status, refused.code) == (400, "XAmzContentSHA256Mismatch")


def test_a_request_signed_too_long_ago_is_refused():
    later = datetime.now(UTC) + timedelta(minutes=16)
    refused = refusal(AUTHENTICATOR.check_header_signed, sdk_request(), later, lambda: PHOTO)
    assert (refused.status, refused.code) == (403, "RequestTimeTooSkewed")


def test_sigv2_authorization_headers_are_refused():
    signed = sdk_request()
    sigv2 = SignedRequest(signed.method, signed.path, signed.query, {**signed.headers, "authorization": "AWS local:x"})
    refused = refusal(AUTHENTICATOR.check_header_signed, sigv2, datetime.now(UTC), lambda: PHOTO)
    assert (refused.status, refused.code) == (400, "InvalidRequest")


def presigned_get(signature_version: str = "s3v4", expires: int = 300, **params) -> str:
    return s3_client(signature_version).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": KEY, **params}, ExpiresIn=expires
    )


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_presigned_get_is_accepted_with_or_without_a_version(signature_version):
    AUTHENTICATOR.check_presigned(as_received(presigned_get(signature_version)), datetime.now(UTC))
    versioned = presigned_get(signature_version, VersionId="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
    AUTHENTICATOR.check_presigned(as_received(versioned), datetime.now(UTC))


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_a_presigned_get_for_another_version_is_refused(signature_version):
    url = presigned_get(signature_version, VersionId="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
    refused = refusal(
        AUTHENTICATOR.check_presigned, as_received(url.replace("versionId=3", "versionId=4")), datetime.now(UTC)
    )
    assert (refused.status, refused.code) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("signature_version", SIGNATURE_VERSIONS)
def test_an_expired_presigned_get_is_refused(signature_version):
    later = datetime.now(UTC) + timedelta(minutes=6)
    refused = refusal(AUTHENTICATOR.check_presigned, as_received(presigned_get(signature_version, 300)), later)
    assert (refused.status, refused.code, refused.message) == (403, "AccessDenied", "Request has expired")


def test_a_presigned_url_for_longer_than_a_week_is_refused():
    refused = refusal(
        AUTHENTICATOR.check_presigned, as_received(presigned_get(expires=8 * 24 * 3600)), datetime.now(UTC)
    )
    assert (refused.status, refused.code) == (400, "AuthorizationQueryParametersError")


def test_a_presigned_url_missing_a_parameter_is_refused():
    url = presigned_get()
    stripped = url.replace("X-Amz-SignedHeaders=host&", "")
    refused = refusal(AUTHENTICATOR.check_presigned, as_received(stripped), datetime.now(UTC))
    assert (refused.status, refused.code) == (400, "AuthorizationQueryParametersError")
