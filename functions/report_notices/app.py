"""DynamoDB stream of the application table, filtered by the event source to new report history entries: tell the
report's followers of each change (``ecopulse.report_notices``).

Powertools' BatchProcessor reports the records that failed (ReportBatchItemFailures): the stream gives the batch
again from the first of them, and what was delivered already is not sent twice.
"""

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.config import deployment
from ecopulse.notifications import Mailer, SnsPush, SnsTexts
from ecopulse.observability import logger, tracer
from ecopulse.report_notices import Platform, ReportNotices, change_of
from ecopulse.store.report_notices import DeliveryRepository, DeviceRepository, FollowerRepository, PeopleRepository
from ecopulse.store.reports import ReportRepository
from ecopulse.store.tenants import TenantRepository

config = deployment()
notices = ReportNotices(
    reports=ReportRepository(),
    tenants=TenantRepository(),
    followers=FollowerRepository(),
    people=PeopleRepository(),
    deliveries=DeliveryRepository(),
    devices=DeviceRepository(),
    push=SnsPush(
        {Platform.FCM: config.push_fcm_application_arn, Platform.APNS: config.push_apns_application_arn},
        config.push_topic_prefix,
    ),
    mail=Mailer(config.notification_sender) if config.notification_sender else None,
    texts=SnsTexts(),
)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def tell(record: DynamoDBRecord) -> None:
    change = change_of(record.dynamodb.new_image if record.dynamodb else {})
    if change is None:
        return
    told = notices.tell_followers(change, datetime.now(UTC))
    logger.info("report change told", extra={"report_id": change.report_id, "action": change.action, **vars(told)})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=tell, processor=processor, context=context)
