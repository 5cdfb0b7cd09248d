"""The local runtime's DynamoDB stream event source, in process: a fake DynamoDB Streams API and fake functions stand
in for DynamoDB Local and the workers. Records are filtered by the mapping's FilterCriteria, batched by BatchSize in
Lambda's event shape, retried from the first failure a function reports, and given up to the OnFailure destination
after MaximumRetryAttempts."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecopulse_local.event_sources import StreamMapping, StreamPoller, stream_mappings, stream_record
from ecopulse_local.lambdas import Invocation
from ecopulse_local.runtime import samconfig_parameter_overrides
from ecopulse_local.template import load_stack

ROOT = Path(__file__).resolve().parents[2]
STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/app/stream/2026-12-07T00:00:00.000"
REPORT_HISTORY = json.dumps(
    {
        "eventName": ["INSERT"],
        "dynamodb": {"NewImage": {"entity": {"S": ["report"]}, "sk": {"S": [{"prefix": "AUDIT#"}]}}},
    }
)


def record(
    number: int, entity: str = "report", event: str = "INSERT", sk: str = "AUDIT#x", action: str = "dispatched"
) -> dict[str, Any]:
    """A record as boto3's GetRecords answers it (binary values as bytes, the time as a datetime)."""
    return {
        "eventID": f"e-{number}",
        "eventName": event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 12, 7, 9, 0, number, tzinfo=UTC),
            "Keys": {"pk": {"S": f"p-{number}"}, "sk": {"S": sk}},
            "NewImage": {
                "pk": {"S": f"p-{number}"},
                "sk": {"S": sk},
                "entity": {"S": entity},
                "action": {"S": action},
                "blob": {"B": b"\x00"},
            },
            "SequenceNumber": f"{number:021d}",
            "SizeBytes": 42,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


class FakeStreams:
    """One table whose stream has one open shard; ``add`` appends records to it."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.iterators: list[str] = []

    def describe_table(self, TableName: str) -> dict[str, Any]:
        return {"Table": {"LatestStreamArn": STREAM}}

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1", "SequenceNumberRange": {}}]}}

    def get_shard_iterator(self, StreamArn: str, ShardId: str, ShardIteratorType: str) -> dict[str, Any]:
        self.iterators.append(ShardIteratorType)
        position = len(self.records) if ShardIteratorType == "LATEST" else 0
        return {"ShardIterator": str(position)}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        start = int(ShardIterator)
        found = self.records[start : start + Limit]
        return {"Records": found, "NextShardIterator": str(start + len(found))}


class FakeFunctions:
    """Answers each invocation with the next scripted answer, then succeeds."""

    def __init__(self, *answers: Invocation) -> None:
        self.answers = list(answers)
        self.events: list[dict[str, Any]] = []

    def invoke(self, function: str, event: dict[str, Any]) -> Invocation:
        self.events.append(event)
        return self.answers.pop(0) if self.answers else Invocation(payload={"batchItemFailures": []})

    def batches(self) -> list[list[str]]:
        return [[r["dynamodb"]["SequenceNumber"][-2:].lstrip("0") for r in event["Records"]] for event in self.events]


def mapping(**changes: Any) -> StreamMapping:
    values: dict[str, Any] = dict(
        function="fn", table_name="app", batch_size=2, starting_position="TRIM_HORIZON", partial_failures=True,
        bisect=False, maximum_retry_attempts=3, filters=(REPORT_HISTORY,), on_failure="arn:aws:sqs:us-east-1:1:dlq",
    )  # fmt: skip
    values.update(changes)
    return StreamMapping(**values)


def poller(streams: FakeStreams, functions: FakeFunctions, given_up: list, **changes: Any) -> StreamPoller:
    return StreamPoller(
        mapping(**changes),
        streams,
        streams,
        functions,  # type: ignore[arg-type]
        "us-east-1",
        lambda arn, described: given_up.append((arn, described)),
        retry_seconds=0,
    )


def drain(source: StreamPoller) -> None:
    while source.poll_once():
        pass


def test_the_templates_stream_mapping_is_read_with_its_filter_batch_size_and_failure_rules():
    stack = load_stack(ROOT / "template.yaml", samconfig_parameter_overrides(ROOT, "local"))
    (notices,) = [m for m in stream_mappings(stack) if m.function.split(":")[6] == stack.ref("ReportNoticesFunction")]
    assert (notices.table_name, notices.batch_size, notices.starting_position) == (stack.ref("AppTable"), 25, "LATEST")
    assert notices.partial_failures and notices.bisect and notices.maximum_retry_attempts == 10
    assert notices.on_failure == stack.get_att("ReportNoticesDeadLetterQueue", "Arn")
    assert notices.matches(poller_event(record(1), stack.region))
    assert not notices.matches(poller_event(record(2, entity="submission"), stack.region))
    assert not notices.matches(poller_event(record(3, action="created"), stack.region))


def poller_event(raw: dict[str, Any], region: str) -> dict[str, Any]:
    return stream_record(raw, STREAM, region)


def test_records_the_filter_matches_reach_the_function_in_order_in_lambdas_shape_and_batch_size():
    streams, functions, given_up = FakeStreams(), FakeFunctions(), []
    source = poller(streams, functions, given_up)
    streams.records = [
        record(1),
        record(2, entity="vote"),
        record(3),
        record(4, event="MODIFY"),
        record(5),
        record(6, sk="X"),
    ]
    drain(source)
    assert functions.batches() == [["1", "3"], ["5"]]
    first = functions.events[0]["Records"][0]
    assert first["eventSourceARN"] == STREAM and first["eventSource"] == "aws:dynamodb"
    assert first["dynamodb"]["ApproximateCreationDateTime"] == int(
        datetime(2026, 12, 7, 9, 0, 1, tzinfo=UTC).timestamp()
    )
    assert first["dynamodb"]["NewImage"]["blob"] == {"B": "AA=="}
    json.dumps(functions.events)


def test_latest_starts_after_what_the_stream_held_when_the_poller_started():
    streams, functions = FakeStreams(), FakeFunctions()
    streams.records = [record(1)]
    source = poller(streams, functions, [], starting_position="LATEST")
    streams.records.append(record(2))
    drain(source)
    assert functions.batches() == [["2"]]


def test_a_reported_failure_comes_again_with_what_follows_it_and_nothing_before_it():
    streams, given_up = FakeStreams(), []
    functions = FakeFunctions(Invocation(payload={"batchItemFailures": [{"itemIdentifier": f"{3:021d}"}]}))
    streams.records = [record(1), record(3)]
    source = poller(streams, functions, given_up)
    drain(source)
    assert functions.batches() == [["1", "3"], ["3"]]
    assert given_up == []


def test_a_function_error_retries_the_whole_batch_halved_with_bisect():
    streams, given_up = FakeStreams(), []
    functions = FakeFunctions(Invocation(payload={"errorMessage": "boom"}, function_error="Unhandled"))
    streams.records = [record(1), record(3)]
    drain(poller(streams, functions, given_up, bisect=True))
    assert functions.batches() == [["1", "3"], ["1"], ["3"]]


def test_a_batch_that_keeps_failing_goes_to_the_on_failure_destination_and_the_shard_moves_on():
    streams, given_up = FakeStreams(), []
    failing = Invocation(payload={"errorMessage": "boom"}, function_error="Unhandled")
    functions = FakeFunctions(failing, failing, failing)
    streams.records = [record(1), record(3), record(5)]
    drain(poller(streams, functions, given_up, maximum_retry_attempts=2))
    assert functions.batches() == [["1", "3"], ["1", "3"], ["1", "3"], ["5"]]
    ((destination, described),) = given_up
    assert destination == "arn:aws:sqs:us-east-1:1:dlq"
    assert described["DDBStreamBatchInfo"]["batchSize"] == 2
    assert described["DDBStreamBatchInfo"]["startSequenceNumber"] == f"{1:021d}"


def test_a_mapping_without_filters_passes_everything():
    assert mapping(filters=()).matches(poller_event(record(1, entity="vote", event="REMOVE"), "us-east-1"))


@pytest.mark.parametrize("event", ["MODIFY", "REMOVE"])
def test_a_filter_on_the_event_name_keeps_other_events_out(event):
    assert not mapping().matches(poller_event(record(1, event=event), "us-east-1"))


class RollingStreams(FakeStreams):
    """A stream whose first shard closes and is followed by a child, as DynamoDB rolls shards over."""

    def __init__(self) -> None:
        super().__init__()
        self.child: list[dict[str, Any]] = []
        self.rolled = False

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        shards = [{"ShardId": "shard-1", "SequenceNumberRange": {"EndingSequenceNumber": "9"} if self.rolled else {}}]
        if self.rolled:
            shards.append({"ShardId": "shard-2", "ParentShardId": "shard-1", "SequenceNumberRange": {}})
        return {"StreamDescription": {"Shards": shards}}

    def get_shard_iterator(self, StreamArn: str, ShardId: str, ShardIteratorType: str) -> dict[str, Any]:
        answer = super().get_shard_iterator(StreamArn, ShardId, ShardIteratorType)
        return {"ShardIterator": f"{ShardId}:{answer['ShardIterator'] if ShardId == 'shard-1' else 0}"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        shard, position = ShardIterator.split(":")
        records = self.records if shard == "shard-1" else self.child
        found = records[int(position) : int(position) + Limit]
        end = int(position) + len(found)
        last = shard == "shard-1" and self.rolled and end == len(records)
        return {"Records": found, **({} if last else {"NextShardIterator": f"{shard}:{end}"})}


def test_a_shard_that_closes_is_read_to_its_end_and_its_child_after_it():
    streams, functions = RollingStreams(), FakeFunctions()
    source = poller(streams, functions, [], batch_size=10)
    streams.records = [record(1), record(3)]
    drain(source)
    streams.records.append(record(5))
    streams.rolled = True
    streams.child = [record(7)]
    drain(source)
    drain(source)
    assert functions.batches() == [["1", "3"], ["5"], ["7"]]


def test_an_empty_map_dynamodb_local_gives_as_nothing_reaches_the_function_as_a_map():
    raw = {
        "eventID": "1", "eventName": "INSERT",
        "dynamodb": {
            "Keys": {"pk": {"S": "TENANT#t#SUBMISSION#s"}, "sk": {"S": "SUBMISSION"}}, "SequenceNumber": "1",
            "NewImage": {"photos": {}, "facts": {"M": {"after": {}}}, "list": {"L": [{}]}, "n": {"N": "1"}},
        },
    }  # fmt: skip
    image = stream_record(raw, STREAM, "us-east-1")["dynamodb"]["NewImage"]
    assert image == {
        "photos": {"M": {}}, "facts": {"M": {"after": {"M": {}}}}, "list": {"L": [{"M": {}}]}, "n": {"N": "1"},
    }  # fmt: skip


def test_a_filter_sees_the_fields_it_names_however_large_the_images_around_them():
    large = record(1)
    large["dynamodb"]["NewImage"]["evidence"] = {"S": "x" * 400_000}
    large["dynamodb"]["OldImage"] = {"evidence": {"S": "y" * 400_000}}
    assert mapping().matches(poller_event(large, "us-east-1"))
    assert not mapping().matches(poller_event({**large, "eventName": "MODIFY"}, "us-east-1"))


def test_a_pattern_with_or_is_matched_against_the_whole_record():
    either = json.dumps({"$or": [{"eventName": ["REMOVE"]}, {"dynamodb": {"Keys": {"sk": {"S": ["X"]}}}}]})
    assert mapping(filters=(either,)).matches(poller_event(record(1, sk="X"), "us-east-1"))
    assert not mapping(filters=(either,)).matches(poller_event(record(1), "us-east-1"))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def windowed(streams: FakeStreams, functions: FakeFunctions, clock: Clock, **changes: Any) -> StreamPoller:
    return StreamPoller(
        mapping(batching_window_seconds=1.0, batch_size=3, **changes),
        streams,
        streams,
        functions,  # type: ignore[arg-type]
        "us-east-1",
        lambda arn, described: None,
        retry_seconds=0,
        clock=clock,
    )


def test_a_batching_window_gathers_records_until_it_has_passed():
    streams, functions, clock = FakeStreams(), FakeFunctions(), Clock()
    source = windowed(streams, functions, clock)
    streams.records = [record(1)]
    assert not source.poll_once() and functions.events == [], "the first record waits for the window"
    clock.now += 0.5
    streams.records.append(record(2))
    assert not source.poll_once() and functions.events == []
    clock.now += 0.5
    assert source.poll_once()
    assert functions.batches() == [["1", "2"]], "what arrived within the window goes as one batch"
    clock.now += 5
    assert not source.poll_once() and functions.batches() == [["1", "2"]]


def test_a_full_batch_goes_before_its_window_has_passed():
    streams, functions, clock = FakeStreams(), FakeFunctions(), Clock()
    source = windowed(streams, functions, clock)
    streams.records = [record(1), record(2), record(3), record(4)]
    assert source.poll_once()
    assert functions.batches() == [["1", "2", "3"]]
    assert not source.poll_once(), "the fourth waits for its own window"
    clock.now += 1
    assert source.poll_once() and functions.batches()[-1] == ["4"]


def test_a_failed_batch_is_tried_again_at_once_within_a_window():
    streams, clock = FakeStreams(), Clock()
    functions = FakeFunctions(Invocation(payload={"batchItemFailures": [{"itemIdentifier": f"{2:021d}"}]}))
    source = windowed(streams, functions, clock)
    streams.records = [record(1), record(2), record(3)]
    assert source.poll_once() and source.poll_once()
    assert functions.batches() == [["1", "2", "3"], ["2", "3"]]
