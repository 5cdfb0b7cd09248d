"""S3 ObjectCreated on uploads/: verify each photo and start its workflow."""

from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import S3Model
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.config import settings
from ecopulse.intake import UploadedObject, take_in
from ecopulse.observability import logger, metrics, tracer
from ecopulse.photos import S3PhotoStore
from ecopulse.store.submissions import SubmissionRepository
from ecopulse.uploads import UploadRejected
from ecopulse.workflow import Workflow

photos = S3PhotoStore()
submissions = SubmissionRepository()
workflow = Workflow(settings().state_machine_arn)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=S3Model)
def handler(event: S3Model, context: LambdaContext) -> dict:
    results = []
    for record in event.Records:
        upload = UploadedObject(
            bucket=record.s3.bucket.name,
            key=unquote_plus(record.s3.object.key),
            size=record.s3.object.size or 0,
        )
        try:
            result = take_in(upload, photos, submissions, workflow, settings().max_upload_bytes)
        except UploadRejected as refusal:
            # No submission to record the reason on: retrying would not help, so log it and move on.
            logger.warning("upload ignored", extra={"key": upload.key, "reason": str(refusal)})
            metrics.add_metric(name="UploadIgnored", unit="Count", value=1)
            continue
        logger.info("upload taken in", extra={"key": upload.key, "status": result.status, "reason": result.reason})
        outcome = result.status.title().replace("_", "") if result.status else "Ignored"
        metrics.add_metric(name=f"Upload{outcome}", unit="Count", value=1)
        results.append({"submission_id": result.submission_id, "status": result.status, "reason": result.reason})
    return {"results": results}
