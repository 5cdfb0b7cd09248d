"""DynamoDB stream of the application table, filtered by the event source to the changes of reports, submissions,
ledger entries and attendances: adds each change to the aggregates, once per stream record
(``ecopulse.aggregates``).

Powertools' BatchProcessor reports the records that failed (ReportBatchItemFailures): the stream gives the batch
again from the first of them, and what was added already is not added twice.
"""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.aggregates import count_change
from ecopulse.observability import logger, tracer
from ecopulse.store.stats import AggregateRepository, change_of

aggregates = AggregateRepository()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def aggregate(record: DynamoDBRecord) -> None:
    stream = record.dynamodb
    if stream is None or record.event_id is None:
        return
    change = change_of(stream.keys or {}, stream.old_image, stream.new_image, stream.approximate_creation_date_time)
    if change is not None:
        count_change(aggregates, record.event_id, change)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=aggregate, processor=processor, context=context)
