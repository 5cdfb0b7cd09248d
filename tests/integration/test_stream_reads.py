"""The runtime reads DynamoDB Local's stream without botocore's parse (ecopulse_local.event_sources.UnparsedStreams):
a function gets the same records as from boto3's GetRecords, and a refusal is the same ClientError."""

import uuid

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from ecopulse_local.event_sources import UnparsedStreams, stream_record

pytestmark = pytest.mark.system


def open_shard_iterators(streams, arn: str) -> list[str]:
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    open_shards = [shard for shard in shards if "EndingSequenceNumber" not in shard.get("SequenceNumberRange", {})]
    assert open_shards, "the table's stream has an open shard"
    return [
        streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST")["ShardIterator"]
        for shard in open_shards
    ]


def records_of(reader, iterators: list[str], pk: str) -> list[dict]:
    found = []
    for iterator in iterators:
        answer = reader.get_records(ShardIterator=iterator, Limit=1000)
        found += [record for record in answer["Records"] if record["dynamodb"]["Keys"]["pk"]["S"] == pk]
    return found


def test_a_function_gets_the_same_records_as_from_boto3(local_system):
    dynamodb, streams = local_system.client("dynamodb"), local_system.client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=local_system.table)["Table"]["LatestStreamArn"]
    unparsed = UnparsedStreams(streams, Credentials("local", "local"))
    iterators = open_shard_iterators(streams, arn)
    pk = f"STREAM-READ#{uuid.uuid4()}"
    item = {
        "pk": {"S": pk},
        "sk": {"S": "X"},
        "blob": {"B": b"\x00\xffbinary"},
        "blobs": {"BS": [b"\x01", b"\x02"]},
        "empty": {"M": {}},
        "nested": {
            "L": [
                {"N": "1.5"},
                {"M": {"flag": {"BOOL": True}, "none": {"NULL": True}, "inner": {"B": b"\x03"}}},
                {"SS": ["a", "b"]},
            ]
        },
    }
    dynamodb.put_item(TableName=local_system.table, Item=item)
    dynamodb.update_item(
        TableName=local_system.table,
        Key={"pk": {"S": pk}, "sk": {"S": "X"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "2"}},
    )

    from_boto3 = records_of(streams, iterators, pk)
    from_json = records_of(unparsed, iterators, pk)

    assert [record["eventName"] for record in from_boto3] == ["INSERT", "MODIFY"]
    as_lambda_gets_them = [stream_record(record, arn, "us-east-1") for record in from_json]
    assert as_lambda_gets_them == [stream_record(record, arn, "us-east-1") for record in from_boto3]
    assert as_lambda_gets_them[0]["dynamodb"]["NewImage"]["blob"] == {"B": "AP9iaW5hcnk="}
    assert as_lambda_gets_them[1]["dynamodb"]["OldImage"]["empty"] == {"M": {}}
    assert sorted(as_lambda_gets_them[1]["dynamodb"]["NewImage"]["blobs"]["BS"]) == ["AQ==", "Ag=="]
    assert as_lambda_gets_them[1]["dynamodb"]["NewImage"]["nested"]["L"][1]["M"]["inner"] == {"B": "Aw=="}


def test_a_refused_read_is_the_client_error_boto3_raises(local_system):
    streams = local_system.client("dynamodbstreams")
    unparsed = UnparsedStreams(streams, Credentials("local", "local"))
    with pytest.raises(ClientError) as from_boto3:
        streams.get_records(ShardIterator="not-an-iterator-" + "x" * 20, Limit=10)
    with pytest.raises(ClientError) as from_json:
        unparsed.get_records(ShardIterator="not-an-iterator-" + "x" * 20, Limit=10)
    assert from_json.value.response["Error"]["Code"] == from_boto3.value.response["Error"]["Code"]
