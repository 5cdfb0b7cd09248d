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
from ecopulse.intake import UploadedObject, take_in
from ecopulse.observability import logger, metrics, tracer
from ecopulse.photos import S3PhotoStore
from ecopulse.store.intake import IntakeSubmissions
from ecopulse.store.photo_hashes import PhotoHashIndex
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.verifier_heads import VerifierHeadStore
from ecopulse.uploads import UploadKey, UploadRejected
from ecopulse.verification.classifier import WasteClassifier
from ecopulse.verification.service import PhotoContext, VerificationPolicy, verify_photo
from ecopulse.workflow import Workflow

photos = S3PhotoStore()
submissions = IntakeSubmissions()
tenants = TenantRepository()
workflow = Workflow(deployment().state_machine_arn)
classifier = WasteClassifier(os.environ["MODEL_DIR"])
duplicates = PhotoHashIndex()
heads = VerifierHeadStore(deployment().models_bucket)
policy = VerificationPolicy(
    max_bytes=deployment().max_upload_bytes,
    max_pixels=deployment().max_upload_pixels,
    duplicate_distance=deployment().near_duplicate_distance,
)
idempotency = IdempotencyConfig(event_key_jmespath="[bucket, key, version_id, etag]", expires_after_seconds=24 * 3600)


def verify(data: bytes, context: PhotoContext):
    return verify_photo(data, context, classifier, duplicates, lambda: datetime.now(UTC), policy)


@idempotent_function(
    data_keyword_argument="upload",
    persistence_store=DynamoDBPersistenceLayer(table_name=deployment().idempotency_table_name),
    config=idempotency,
)
def take_in_once(upload: dict) -> dict:
    """One verification per object version: a redelivered S3 event returns the stored result."""
    uploaded = UploadedObject(
        upload["bucket"], upload["key"], upload["size"], datetime.fromisoformat(upload["at"]), upload["version_id"]
    )
    tenant = UploadKey.parse(uploaded.key).tenant
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
        outcome = result["status"].title().replace("_", "") if result["status"] else "Ignored"
        metrics.add_metric(name=f"Upload{outcome}", unit="Count", value=1)
        results.append(result)
    return {"results": results}
