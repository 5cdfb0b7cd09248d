"""S3 ObjectCreated on uploads/: verify each photo and start its submission's workflow, once per object."""

import os
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import S3Model
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.config import deployment
from ecopulse.intake import UploadedObject, take_in, take_in_report_photo
from ecopulse.observability import logger, metrics, tracer
from ecopulse.photos import S3PhotoStore
from ecopulse.report_photos import COPY_SIDES
from ecopulse.store.intake import IntakeSubmissions
from ecopulse.store.photo_hashes import PhotoHashIndex
from ecopulse.store.report_photos import ReportPhotoBoard
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.verifier_heads import VerifierHeadStore
from ecopulse.uploads import UploadKey, UploadRejected
from ecopulse.verification.classifier import WasteClassifier
from ecopulse.verification.copies import PhotoCopy, make_copies
from ecopulse.verification.service import PhotoContext, VerificationPolicy, verify_photo
from ecopulse.workflow import Workflow

photos = S3PhotoStore()
submissions = IntakeSubmissions()
tenants = TenantRepository()
workflow = Workflow(deployment().state_machine_arn)
classifier = WasteClassifier(os.environ["MODEL_DIR"])
duplicates = PhotoHashIndex()
heads = VerifierHeadStore(deployment().models_bucket)
board = ReportPhotoBoard()
policy = VerificationPolicy(
    max_bytes=deployment().max_upload_bytes,
    max_pixels=deployment().max_upload_pixels,
    duplicate_distance=deployment().near_duplicate_distance,
)
idempotency = IdempotencyConfig(event_key_jmespath="[bucket, key, version_id, etag]", expires_after_seconds=24 * 3600)


def verify(data: bytes, context: PhotoContext):
    return verify_photo(data, context, classifier, duplicates, lambda: datetime.now(UTC), policy)


def copies_of(data: bytes) -> tuple[PhotoCopy, ...]:
    return make_copies(data, COPY_SIDES, policy.max_bytes, policy.max_pixels)


@idempotent_function(
    data_keyword_argument="upload",
    persistence_store=DynamoDBPersistenceLayer(table_name=deployment().idempotency_table_name),
    config=idempotency,
)
def take_in_once(upload: dict) -> dict:
    """One verification per object version: a redelivered S3 event returns the stored result."""
    uploaded = UploadedObject(
        upload["bucket"],
        upload["key"],
        upload["size"],
        datetime.fromisoformat(upload["at"]),
        upload["version_id"],
        upload.get("etag") or "",
    )
    key = UploadKey.parse(uploaded.key)
    tenant = key.tenant
    if key.is_report_photo:
        shown = take_in_report_photo(
            uploaded, photos, board, photos, verify, copies_of, tenants.settings(tenant), deployment().max_upload_bytes
        )
        return {"photo_key": uploaded.key, "photo_status": shown.status.value, "reasons": list(shown.reasons)}
    result = take_in(
        uploaded, photos, submissions, workflow, verify, heads, tenants.settings(tenant), deployment().max_upload_bytes
    )
    return {
        "submission_id": result.submission_id,
        "status": result.status,
        "reason": result.reason,
        "decision": result.decision,
        "confidence": result.confidence,
        "started": result.started,
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=S3Model)
def handler(event: S3Model, context: LambdaContext) -> dict:
    idempotency.register_lambda_context(context)
    results = []
    for record in event.Records:
        upload = {
            "bucket": record.s3.bucket.name,
            "key": unquote_plus(record.s3.object.key),
            "size": int(record.s3.object.size or 0),  # the event model parses it as a float
            "version_id": record.s3.object.versionId or "",
            "etag": record.s3.object.eTag or record.s3.object.sequencer,
            "at": record.eventTime.isoformat(),
        }
        try:
            result = take_in_once(upload=upload)
        except UploadRejected as refusal:
            # No submission to record the reason on: retrying would not help, so log it and move on.
            logger.warning("upload ignored", extra={"key": upload["key"], "reason": str(refusal)})
            metrics.add_metric(name="UploadIgnored", unit="Count", value=1)
            continue
        logger.info("upload taken in", extra={"key": upload["key"], **result})
        if "photo_status" in result:
            metrics.add_metric(name=f"ReportPhoto{result['photo_status'].title()}", unit="Count", value=1)
            results.append(result)
            continue
        outcome = result["status"].title().replace("_", "") if result["status"] else "Ignored"
        metrics.add_metric(name=f"Upload{outcome}", unit="Count", value=1)
        results.append(result)
    return {"results": results}
