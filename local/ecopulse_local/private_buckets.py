"""The AWS emulator: moto's server with a WSGI layer in front that keeps the stack's buckets private, as S3 does.

moto accepts any request at a bucket: a presigned POST form with another key, another type or a larger file,
an expired or unsigned form, an anonymous PUT, List or GET. In front of moto, every request addressed to one
of the stack's buckets (path-style or virtual-hosted) must carry a valid signature: SigV4 in the
``Authorization`` header, a presigned URL's, or a POST policy's (SigV2 too for those two where the region takes
it; see ``s3_auth``). Anything else is
refused with S3's answer before moto sees it; other services and moto's own API pass through untouched.
"""

from __future__ import annotations

import io
import threading
import uuid
import xml.etree.ElementTree as ElementTree  # nosec B405  # only builds S3 error bodies, never parses XML
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.datastructures import EnvironHeaders
from werkzeug.serving import make_server
from werkzeug.wsgi import get_input_stream

from ecopulse_local.s3_auth import (
    Authenticator,
    PostForm,
    S3Refusal,
    SignedRequest,
    access_denied,
)

# What S3 would refuse and the emulator still lets through; printed at start-up and listed in the README.
NOT_ENFORCED = (
    "IAM policies of signed callers",
    "session tokens (any token is taken with a known access key)",
    "object ownership (ACLs are stored, not refused)",
    "server-side encryption (recorded, not applied)",
    "CORS headers on refused requests",
    "chunk signatures of aws-chunked uploads",
    "the 20 KB limit on form fields before the file",
)
_READ_CHUNK = 1 << 16
# Any of these in the query makes a request a presigned one (SigV4, or SigV2 where the region takes it).
QUERY_SIGNATURE_PARAMETERS = frozenset(
    {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "AWSAccessKeyId", "Signature"}
)

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class PrivateBuckets:
    """WSGI layer: requests at these buckets pass only signed as S3 requires; every other request passes."""

    def __init__(
        self,
        app: Wsgi,
        buckets: Iterable[str],
        authenticator: Authenticator,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app = app
        self.buckets = frozenset(buckets)
        self.authenticator = authenticator
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        addressed = self._addressed(environ)
        # A CORS preflight is unauthenticated in S3 too; moto answers it from the bucket's CORS rules.
        if addressed is None or environ["REQUEST_METHOD"] == "OPTIONS":
            return self.app(environ, start_response)
        try:
            self._admit(environ, *addressed)
        except S3Refusal as refusal:
            return _refuse(refusal, environ, start_response)
        return self.app(environ, start_response)

    def _addressed(self, environ: dict[str, Any]) -> tuple[str, str] | None:
        """The bucket and key a request is for, if the bucket is one of ours."""
        host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
        path = environ.get("PATH_INFO", "").lstrip("/")
        virtual_host = next((bucket for bucket in self.buckets if host.startswith(bucket + ".")), None)
        if virtual_host:
            return virtual_host, path
        bucket, _, key = path.partition("/")
        return (bucket, key) if bucket in self.buckets else None

    def _admit(self, environ: dict[str, Any], bucket: str, key: str) -> None:
        now = self.clock()
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        parameters = {name for name, _ in query}
        authorization = environ.get("HTTP_AUTHORIZATION")
        presigned = not parameters.isdisjoint(QUERY_SIGNATURE_PARAMETERS)
        if authorization and presigned:
            raise S3Refusal(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
                "string parameter or the Authorization header should be specified",
                ArgumentName="Authorization",
                ArgumentValue=authorization,
            )
        if authorization:
            self.authenticator.check_header_signed(_signed_request(environ, query), now, lambda: _body(environ))
        elif presigned:
            self.authenticator.check_presigned(_signed_request(environ, query), now)
        elif environ["REQUEST_METHOD"] == "POST" and not key and not query:
            form = PostForm.parse(environ.get("CONTENT_TYPE", ""), _body(environ))
            self.authenticator.check_post_form(bucket, form, now)
            _replace_body(environ, *form.encoded())
        else:
            raise access_denied()


class AwsEmulator:
    """moto's server app behind ``PrivateBuckets``, served on one port as moto's ThreadedMotoServer serves it."""

    def __init__(self, host: str, port: int, buckets: Iterable[str], authenticator: Authenticator) -> None:
        app = PrivateBuckets(DomainDispatcherApplication(create_backend_app), buckets, authenticator)
        self._server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


def _signed_request(environ: dict[str, Any], query: list[tuple[str, str]]) -> SignedRequest:
    raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    headers = {name.lower(): value for name, value in EnvironHeaders(environ).items()}
    return SignedRequest(environ["REQUEST_METHOD"], raw_path.split("?", 1)[0], query, headers)


def _body(environ: dict[str, Any]) -> bytes:
    """The request's body, read once and put back for the app behind."""
    body = get_input_stream(environ).read()
    _replace_body(environ, body, environ.get("CONTENT_TYPE", ""))
    return body


def _replace_body(environ: dict[str, Any], body: bytes, content_type: str) -> None:
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["CONTENT_TYPE"] = content_type


def _refuse(refusal: S3Refusal, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """S3's XML error document (no body for HEAD); the request's unread body is drained so the connection
    stays usable."""
    stream = get_input_stream(environ)
    while stream.read(_READ_CHUNK):
        pass
    request_id = uuid.uuid4().hex[:16].upper()
    error = ElementTree.Element("Error")
    for name, value in {
        "Code": refusal.code,
        "Message": refusal.message,
        **refusal.details,
        "RequestId": request_id,
        "HostId": uuid.uuid4().hex,
    }.items():
        ElementTree.SubElement(error, name).text = value
    body = (
        b""
        if environ["REQUEST_METHOD"] == "HEAD"
        else ElementTree.tostring(error, encoding="UTF-8", xml_declaration=True)
    )
    start_response(
        f"{refusal.status} {HTTPStatus(refusal.status).phrase}",
        [
            ("Content-Type", "application/xml"),
            ("Content-Length", str(len(body))),
            ("x-amz-request-id", request_id),
        ],
    )
    return [body]
