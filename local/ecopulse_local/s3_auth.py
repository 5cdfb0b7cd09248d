"""What S3 checks before a request reaches a private bucket, as plain functions over the request's parts.

Three ways in, as in S3: a signed ``Authorization`` header (the SDKs), a presigned URL (signature in the query
string), or a browser form (POST Object) signed with its POST policy. Anything else is anonymous and refused.
Signatures are recomputed with botocore's signers from the access keys the emulator knows: SigV4 always, and
SigV2 for presigned URLs and forms where the region still takes it (boto3 presigns with SigV2 there unless told
otherwise). Each refusal is S3's own status, code, message and extra elements.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any, cast
from urllib.parse import quote, urlencode, urlsplit

from botocore.auth import HmacV1Auth, HmacV1QueryAuth, S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials
from botocore.loaders import Loader
from botocore.regions import EndpointResolver
from urllib3.fields import RequestField
from urllib3.filepost import encode_multipart_formdata
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, Preamble

ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
UNHASHED_PAYLOADS = ("UNSIGNED-PAYLOAD", "STREAMING-")
QUERY_SIGV4_PARAMETERS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)
# A form field no condition of the policy names is refused, except these (and any x-ignore-* field).
SIGV4_FIELDS_NO_CONDITION_COVERS = frozenset({"x-amz-signature", "file", "policy"})
SIGV2_FIELDS_NO_CONDITION_COVERS = frozenset({"awsaccesskeyid", "signature", "file", "policy"})
CONDITION_OPERATIONS = ("eq", "starts-with", "content-length-range")


class S3Refusal(Exception):
    """An answer S3 gives instead of serving the request: status, error code, message and extra elements."""

    def __init__(self, status: int, code: str, message: str, **details: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def access_denied() -> S3Refusal:
    return S3Refusal(403, "AccessDenied", "Access Denied")


def unsupported_signature_version() -> S3Refusal:
    return S3Refusal(
        400,
        "InvalidRequest",
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
    )


@cache
def takes_sigv2(region: str) -> bool:
    """Whether S3 in this region still takes SigV2 (the regions older than 2014), from botocore's endpoint data."""
    endpoint = EndpointResolver(Loader().load_data("endpoints")).construct_endpoint("s3", region) or {}
    return "s3" in endpoint.get("signatureVersions", [])


@dataclass(frozen=True)
class SignedRequest:
    """A request's parts as signed: the path as sent (percent-encoded), the decoded query pairs in order, and the
    headers by lower-case name."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]

    def parameter(self, name: str) -> str | None:
        return next((value for key, value in self.query if key == name), None)


@dataclass(frozen=True)
class Credential:
    """The ``<access key>/<yyyymmdd>/<region>/s3/aws4_request`` scope a SigV4 signature names."""

    access_key: str
    date: str
    region: str


@dataclass(frozen=True)
class PostForm:
    """A browser upload as S3 reads it: the fields before the file part (S3 ignores those after it), the file,
    and ``${filename}`` in the key replaced by the file's name."""

    fields: tuple[tuple[str, str], ...]
    file: bytes
    filename: str | None = None
    file_type: str | None = None

    @classmethod
    def parse(cls, content_type: str, body: bytes) -> PostForm:
        mimetype, options = parse_options_header(content_type)
        if mimetype != "multipart/form-data":
            raise S3Refusal(
                412,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
                Condition="Bucket POST must be of the enclosure-type multipart/form-data",
            )
        parts = _multipart_parts(options.get("boundary", ""), body)
        files = [index for index, part in enumerate(parts) if part.name.lower() == "file"]
        if len(files) != 1:
            raise S3Refusal(
                400,
                "InvalidArgument",
                "POST requires exactly one file upload per request.",
                ArgumentName="file",
                ArgumentValue=str(len(files)),
            )
        file = parts[files[0]]
        fields = tuple((part.name, part.value(file.filename)) for part in parts[: files[0]])
        return cls(fields, bytes(file.data), file.filename, file.headers.get("Content-Type"))

    def values(self, name: str) -> list[str]:
        """Every value of a field, its name matched without regard to case, as S3 matches it."""
        return [value for field, value in self.fields if field.lower() == name.lower()]

    def value(self, name: str) -> str | None:
        return next(iter(self.values(name)), None)

    def encoded(self) -> tuple[bytes, str]:
        """The form as S3 reads it, encoded again: what the bucket behind the check is given to store."""
        file = RequestField("file", self.file, filename=self.filename)
        file.make_multipart(content_type=self.file_type)
        return encode_multipart_formdata([*self.fields, file])


@dataclass
class _Part:
    name: str
    filename: str | None
    headers: Any
    data: bytearray

    def value(self, filename: str | None) -> str:
        """The field's text; in the key, ``${filename}`` stands for the uploaded file's name when it has one."""
        text = self.data.decode("utf-8", errors="replace")
        return text.replace("${filename}", filename) if self.name.lower() == "key" and filename else text


def _multipart_parts(boundary: str, body: bytes) -> list[_Part]:
    malformed = S3Refusal(
        400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data."
    )
    if not boundary:
        raise malformed
    decoder = MultipartDecoder(boundary.encode())
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[_Part] = []
    try:
        while not isinstance(event := decoder.next_event(), Epilogue):
            if isinstance(event, File):
                parts.append(_Part(event.name, event.filename, event.headers, bytearray()))
            elif isinstance(event, Field):
                parts.append(_Part(event.name, None, event.headers, bytearray()))
            elif isinstance(event, Data) and parts:
                parts[-1].data += event.data
            elif not isinstance(event, Preamble):
                raise malformed
    except ValueError as error:
        raise malformed from error
    return parts


@dataclass(frozen=True)
class Authenticator:
    """Checks requests against the access keys the emulator knows (access key id → secret), for buckets in
    one region."""

    secrets: Mapping[str, str]
    region: str

    def check_header_signed(self, request: SignedRequest, now: datetime, body: Callable[[], bytes]) -> None:
        """SigV4 in the ``Authorization`` header. ``body`` is read only when the request states its payload's
        SHA-256, to compare it."""
        authorization = request.headers["authorization"]
        scheme, _, rest = authorization.partition(" ")
        if scheme == "AWS":
            raise unsupported_signature_version()
        if scheme != ALGORITHM:
            raise S3Refusal(
                400,
                "InvalidArgument",
                "Unsupported Authorization Type",
                ArgumentName="Authorization",
                ArgumentValue=authorization,
            )
        components = dict(part.strip().partition("=")[::2] for part in rest.split(","))
        if not {"Credential", "SignedHeaders", "Signature"} <= components.keys():
            raise _malformed_header(
                "the authorization header requires three components: Credential, SignedHeaders, and Signature."
            )
        credential = self._credential(components["Credential"], _malformed_header)
        timestamp = _header_timestamp(request.headers)
        signed_at = datetime.strptime(timestamp, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
        if abs(now - signed_at) > MAX_SKEW:
            raise S3Refusal(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
                RequestTime=timestamp,
                ServerTime=now.strftime(ISO_FORMAT),
                MaxAllowedSkewMilliseconds=str(int(MAX_SKEW.total_seconds() * 1000)),
            )
        secret = self._secret(credential.access_key)
        content_sha256 = request.headers.get("x-amz-content-sha256")
        if content_sha256 is None:
            raise S3Refusal(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        hashed = bool(SHA256_HEX.fullmatch(content_sha256))
        if not hashed and not content_sha256.startswith(UNHASHED_PAYLOADS):
            raise S3Refusal(
                400,
                "InvalidArgument",
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING- payload, or a valid sha256 value.",
                ArgumentName="x-amz-content-sha256",
                ArgumentValue=content_sha256,
            )
        signed_headers = components["SignedHeaders"].split(";")
        headers = {name: request.headers.get(name, "") for name in signed_headers}
        headers["x-amz-content-sha256"] = content_sha256  # S3 signs with it whether or not it is a signed header
        signer = _HeaderSigner(secret, credential, signed_headers)
        _compare_sigv4(signer, credential, request, request.query, headers, timestamp, components["Signature"])
        if hashed and (computed := hashlib.sha256(body()).hexdigest()) != content_sha256:
            raise S3Refusal(
                400,
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                ClientComputedContentSHA256=content_sha256,
                S3ComputedContentSHA256=computed,
            )

    def check_presigned(self, request: SignedRequest, now: datetime) -> None:
        """A presigned URL: SigV4 (``X-Amz-*`` parameters) or SigV2 (``AWSAccessKeyId``, ``Signature``,
        ``Expires``)."""
        if request.parameter("X-Amz-Algorithm") is None and request.parameter("X-Amz-Signature") is None:
            self._check_presigned_sigv2(request, now)
            return
        parameters = {name: request.parameter(name) or "" for name in QUERY_SIGV4_PARAMETERS}
        if not all(parameters.values()):
            raise _query_error(
                "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
            )
        if parameters["X-Amz-Algorithm"] != ALGORITHM:
            raise _query_error('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
        credential = self._credential(
            parameters["X-Amz-Credential"],
            lambda detail: _query_error(f"Error parsing the X-Amz-Credential parameter; {detail}"),
        )
        timestamp = parameters["X-Amz-Date"]
        try:
            signed_at = datetime.strptime(timestamp, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise _query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"") from None
        expires = parameters["X-Amz-Expires"]
        if not expires.isdigit():
            raise _query_error("X-Amz-Expires should be a number")
        if int(expires) > MAX_PRESIGNED_SECONDS:
            raise _query_error(f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGNED_SECONDS}")
        secret = self._secret(credential.access_key)
        if signed_at - now > MAX_SKEW:
            raise S3Refusal(403, "AccessDenied", "Request is not valid yet")
        _refuse_if_expired(signed_at + timedelta(seconds=int(expires)), now, **{"X-Amz-Expires": expires})
        signed_headers = parameters["X-Amz-SignedHeaders"].split(";")
        signer = _QuerySigner(secret, credential, signed_headers)
        query = [(name, value) for name, value in request.query if name != "X-Amz-Signature"]
        headers = {name: request.headers.get(name, "") for name in signed_headers}
        _compare_sigv4(signer, credential, request, query, headers, timestamp, parameters["X-Amz-Signature"])

    def _check_presigned_sigv2(self, request: SignedRequest, now: datetime) -> None:
        if not takes_sigv2(self.region):
            raise unsupported_signature_version()
        access_key, provided, expires = (request.parameter(name) for name in ("AWSAccessKeyId", "Signature", "Expires"))
        if not (access_key and provided and expires):
            raise S3Refusal(
                403,
                "AccessDenied",
                "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
            )
        if not expires.isdigit():
            raise S3Refusal(403, "AccessDenied", f"Invalid date (should be seconds since epoch): {expires}")
        secret = self._secret(access_key)
        _refuse_if_expired(datetime.fromtimestamp(int(expires), UTC), now)
        # S3 reads the query's x-amz-* parameters (the session token) as if they were headers.
        headers = HTTPHeaders()
        for name, value in [*request.headers.items(), *request.query]:
            if name.lower().startswith("x-amz-") or name.lower() in ("content-md5", "content-type"):
                headers[name.lower()] = value
        signer = _QueryStringSigV2(Credentials(access_key, secret), expires)
        query = urlencode([pair for pair in request.query if pair[0] != "Signature"], quote_via=quote)
        url = urlsplit(f"http://s3{request.path}?{query}")
        # botocore-stubs type the headers as a Mapping; botocore reads repeated headers with get_all, which only
        # HTTPHeaders has.
        string_to_sign = signer.canonical_string(request.method, url, cast(Mapping[str, Any], headers))
        if not hmac.compare_digest(signer.sign_string(string_to_sign), provided):
            raise _signature_does_not_match(access_key, string_to_sign, provided)

    def check_post_form(self, bucket: str, form: PostForm, now: datetime) -> None:
        """A browser upload (POST Object) to ``bucket``, signed with its POST policy."""
        if form.value("key") is None:
            raise _missing_form_field("key")
        sigv4 = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature")
        if any(form.value(name) is not None for name in sigv4):
            exempt = self._check_form_sigv4(form, sigv4)
        elif form.value("AWSAccessKeyId") is not None or form.value("Signature") is not None:
            exempt = self._check_form_sigv2(form)
        else:
            raise access_denied()
        policy = PostPolicy.decode(str(form.value("policy")))
        if now > policy.expiration:
            raise _invalid_according_to_policy("Policy expired.")
        policy.check(bucket, form, exempt)

    def _check_form_sigv4(self, form: PostForm, required: tuple[str, ...]) -> frozenset[str]:
        for name in (*required, "Policy"):
            if form.value(name) is None:
                raise _missing_form_field(name)
        algorithm, scope, amz_date, provided, policy = (str(form.value(name)) for name in (*required, "Policy"))
        if algorithm != ALGORITHM:
            raise _invalid_form_field("X-Amz-Algorithm", algorithm, 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
        credential = self._credential(scope, lambda detail: _invalid_form_field("X-Amz-Credential", scope, detail))
        try:
            datetime.strptime(amz_date, AMZ_DATE_FORMAT)
        except ValueError:
            raise _invalid_form_field(
                "X-Amz-Date", amz_date, "X-Amz-Date must be formated via ISO8601 Long format"
            ) from None
        secret = self._secret(credential.access_key)
        at_credential_date = AWSRequest()
        at_credential_date.context["timestamp"] = credential.date  # the signing key is derived for this day
        expected = SigV4Auth(Credentials(credential.access_key, secret), "s3", credential.region).signature(
            policy, at_credential_date
        )
        if not hmac.compare_digest(expected, provided):
            raise _signature_does_not_match(credential.access_key, policy, provided)
        return SIGV4_FIELDS_NO_CONDITION_COVERS

    def _check_form_sigv2(self, form: PostForm) -> frozenset[str]:
        if not takes_sigv2(self.region):
            raise unsupported_signature_version()
        for name in ("AWSAccessKeyId", "Signature", "Policy"):
            if form.value(name) is None:
                raise _missing_form_field(name)
        access_key, provided, policy = (str(form.value(name)) for name in ("AWSAccessKeyId", "Signature", "Policy"))
        expected = HmacV1Auth(Credentials(access_key, self._secret(access_key))).sign_string(policy)
        if not hmac.compare_digest(expected, provided):
            raise _signature_does_not_match(access_key, policy, provided)
        return SIGV2_FIELDS_NO_CONDITION_COVERS

    def _credential(self, scope: str, malformed: Callable[[str], S3Refusal]) -> Credential:
        parts = scope.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request" or not re.fullmatch(r"\d{8}", parts[1]):
            raise malformed(
                'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
            )
        access_key, date, region, service, _ = parts
        if not access_key:
            raise malformed("a non-empty Access Key (AKID) must be provided in the credential.")
        if region != self.region:
            raise malformed(f"the region '{region}' is wrong; expecting '{self.region}'")
        if service != "s3":
            raise malformed(f'incorrect service "{service}". This endpoint belongs to "s3".')
        return Credential(access_key, date, region)

    def _secret(self, access_key: str) -> str:
        secret = self.secrets.get(access_key)
        if secret is None:
            raise S3Refusal(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                AWSAccessKeyId=access_key,
            )
        return secret


class _SignedHeadersOnly(SigV4Auth):
    """botocore's S3 SigV4 signer, made to sign exactly the headers the caller says it signed, as S3 does."""

    def __init__(self, secret: str, credential: Credential, signed_headers: list[str]) -> None:
        super().__init__(Credentials(credential.access_key, secret), "s3", credential.region)
        self._signed_headers = signed_headers

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name in self._signed_headers:
            headers[name] = request.headers.get(name, "")
        return headers


class _HeaderSigner(_SignedHeadersOnly, S3SigV4Auth):
    pass


class _QuerySigner(_SignedHeadersOnly, S3SigV4QueryAuth):
    pass


class _QueryStringSigV2(HmacV1QueryAuth):
    """botocore's SigV2 query signer, with the URL's own ``Expires`` where it would put now + its lifetime."""

    def __init__(self, credentials: Credentials, expires: str) -> None:
        super().__init__(credentials)
        self._expires_at = expires

    def _get_date(self) -> str:
        return self._expires_at


def _compare_sigv4(
    signer: _HeaderSigner | _QuerySigner,
    credential: Credential,
    request: SignedRequest,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    timestamp: str,
    provided: str,
) -> None:
    # botocore-stubs type params as a Mapping; AWSRequest and the signer take a list of pairs too, which keeps a
    # parameter that repeats.
    params = cast(Mapping[str, str], query)
    signed = AWSRequest(method=request.method, url=f"http://s3{request.path}", headers=headers, params=params)
    signed.context["timestamp"] = timestamp
    canonical_request = signer.canonical_request(signed)
    string_to_sign = signer.string_to_sign(signed, canonical_request)
    if not hmac.compare_digest(signer.signature(string_to_sign, signed), provided):
        raise _signature_does_not_match(
            credential.access_key, string_to_sign, provided, CanonicalRequest=canonical_request
        )


def _header_timestamp(headers: Mapping[str, str]) -> str:
    """The request's time as SigV4 signs it: ``x-amz-date``, else the ``Date`` header."""
    try:
        if "x-amz-date" in headers:
            return datetime.strptime(headers["x-amz-date"], AMZ_DATE_FORMAT).strftime(AMZ_DATE_FORMAT)
        if "date" in headers:
            return parsedate_to_datetime(headers["date"]).astimezone(UTC).strftime(AMZ_DATE_FORMAT)
    except (TypeError, ValueError):
        pass
    raise S3Refusal(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")


def _refuse_if_expired(expiry: datetime, now: datetime, **details: str) -> None:
    if now > expiry:
        raise S3Refusal(
            403,
            "AccessDenied",
            "Request has expired",
            **details,
            Expires=expiry.strftime(ISO_FORMAT),
            ServerTime=now.strftime(ISO_FORMAT),
        )


@dataclass(frozen=True)
class Condition:
    """One condition of a POST policy: its operation, the field it names (lower case, without "$"), its
    operands, and the condition as the policy states it (for the refusal's message)."""

    operation: str
    field: str
    operands: tuple[Any, ...]
    stated: list[Any]

    def failed(self) -> S3Refusal:
        return _invalid_according_to_policy(f"Policy Condition failed: {json.dumps(self.stated)}")

    def met_by(self, values: list[str]) -> bool:
        expected = self.operands[0]
        if not values or not isinstance(expected, str):
            return False
        if self.operation == "starts-with":
            return all(value.startswith(expected) for value in values)
        return all(value == expected for value in values)


@dataclass(frozen=True)
class PostPolicy:
    """A decoded POST policy: when it expires and the conditions every upload under it must meet."""

    expiration: datetime
    conditions: list[Condition]

    @classmethod
    def decode(cls, text: str) -> PostPolicy:
        try:
            decoded = base64.b64decode(text, validate=True)
        except binascii.Error:
            raise _invalid_policy("invalid Base64 encoding.") from None
        try:
            document = json.loads(decoded)
        except ValueError:
            raise _invalid_policy("Invalid JSON.") from None
        if not isinstance(document, dict):
            raise _invalid_policy("Invalid JSON.")
        unexpected = sorted(set(document) - {"expiration", "conditions"})
        if unexpected:
            raise _invalid_policy(f"Unexpected: '{unexpected[0].lower()}'")
        if "expiration" not in document:
            raise _invalid_policy("Policy missing expiration.")
        if "conditions" not in document:
            raise _invalid_policy("Policy missing conditions.")
        if not isinstance(document["conditions"], list):
            raise _invalid_policy("Invalid 'conditions' value: must be a List.")
        return cls(_expiration(document["expiration"]), [_condition(stated) for stated in document["conditions"]])

    def check(self, bucket: str, form: PostForm, exempt: frozenset[str]) -> None:
        """Every condition met (``bucket`` by the URL's bucket too), every field but the exempt ones named by a
        condition, and the file's size within every content-length-range."""
        sizes = []
        for condition in self.conditions:
            if condition.operation == "content-length-range":
                if not all(_is_size(operand) for operand in condition.operands):
                    raise condition.failed()
                sizes.append(tuple(int(operand) for operand in condition.operands))
                continue
            values = form.values(condition.field)
            if condition.field == "bucket":
                values = [bucket, *values]
            if not condition.met_by(values):
                raise condition.failed()
        named = {condition.field for condition in self.conditions}
        for field, _ in form.fields:
            name = field.lower()
            if name not in named and name not in exempt and not name.startswith("x-ignore-"):
                raise _invalid_according_to_policy(f"Extra input fields: {field}")
        size = len(form.file)
        for smallest, largest in sizes:
            if size > largest:
                raise S3Refusal(
                    400,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size",
                    ProposedSize=str(size),
                    MaxSizeAllowed=str(largest),
                )
            if size < smallest:
                raise S3Refusal(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    ProposedSize=str(size),
                    MinSizeAllowed=str(smallest),
                )


def _expiration(value: Any) -> datetime:
    for layout in (ISO_FORMAT, "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(str(value), layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise _invalid_policy(f"Invalid 'expiration' value: '{value}'")


def _condition(stated: Any) -> Condition:
    """A condition as the policy states it: ``{"field": "value"}`` or ``[operation, "$field", operand...]``."""
    if isinstance(stated, dict):
        if len(stated) != 1:
            raise _invalid_policy(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."
            )
        ((field, value),) = stated.items()
        if not isinstance(value, str):
            raise _invalid_policy("Invalid Simple-Condition: value must be a string.")
        return Condition("eq", field.lower(), (value,), ["eq", f"${field}", value])
    if not isinstance(stated, list):
        raise _invalid_policy("Invalid condition test: must be a List or Object.")
    if not stated:
        raise _invalid_policy("Invalid Condition: missing operation identifier.")
    operation = str(stated[0]).lower()
    if operation not in CONDITION_OPERATIONS:
        raise _invalid_policy(f"Invalid Condition: unknown operation '{stated[0]}'.")
    if len(stated) != 3:
        raise _invalid_policy(f"Invalid {stated[0]}: wrong number of arguments.")
    if operation == "content-length-range":
        return Condition(operation, operation, tuple(stated[1:]), stated)
    field = stated[1]
    # A field named without its "$" matches nothing, as in S3: the condition fails, not the policy.
    name = field[1:].lower() if isinstance(field, str) and field.startswith("$") else ""
    return Condition(operation, name, (stated[2],), stated)


def _is_size(operand: Any) -> bool:
    if isinstance(operand, bool):
        return False
    return (isinstance(operand, int) and operand >= 0) or (isinstance(operand, str) and operand.isdigit())


def _signature_does_not_match(access_key: str, string_to_sign: str, provided: str, **more: str) -> S3Refusal:
    return S3Refusal(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        AWSAccessKeyId=access_key,
        StringToSign=string_to_sign,
        SignatureProvided=provided,
        **more,
    )


def _malformed_header(detail: str) -> S3Refusal:
    return S3Refusal(400, "AuthorizationHeaderMalformed", f"The authorization header is malformed; {detail}")


def _query_error(message: str) -> S3Refusal:
    return S3Refusal(400, "AuthorizationQueryParametersError", message)


def _missing_form_field(name: str) -> S3Refusal:
    return S3Refusal(
        400,
        "InvalidArgument",
        f"Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields.",
        ArgumentName=name,
        ArgumentValue="",
    )


def _invalid_form_field(name: str, value: str, message: str) -> S3Refusal:
    return S3Refusal(400, "InvalidArgument", message, ArgumentName=name, ArgumentValue=value)


def _invalid_policy(detail: str) -> S3Refusal:
    return S3Refusal(400, "InvalidPolicyDocument", f"Invalid Policy: {detail}")


def _invalid_according_to_policy(detail: str) -> S3Refusal:
    return S3Refusal(403, "AccessDenied", f"Invalid according to Policy: {detail}")
