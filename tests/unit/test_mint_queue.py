"""The mint queue: a message group per tenant, so that no tenant's claims wait behind another's, and the minter
taking, deleting and releasing messages beyond a delivery."""

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ecopulse.mint_queue import MintQueue
from ecopulse.rewards import MINT_GROUPS_PER_TENANT, mint_group


class RecordingSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **message: Any) -> None:
        self.sent.append(message)


def test_each_reward_goes_to_a_message_group_of_its_tenant():
    sqs = RecordingSqs()
    queue = MintQueue("https://sqs.local/mint.fifo", sqs)

    queue.enqueue("lahore", "u1", "s1", "0x" + "1" * 40, 10)
    queue.enqueue("karachi", "u2", "s2", "0x" + "2" * 40, 10)
    queue.enqueue("lahore", "u3", "s3", "0x" + "3" * 40, 10)

    groups = [message["MessageGroupId"] for message in sqs.sent]
    assert [group.split("#")[0] for group in groups] == ["lahore", "karachi", "lahore"]
    assert groups == [mint_group("lahore", "s1"), mint_group("karachi", "s2"), mint_group("lahore", "s3")]
    assert len({message["MessageDeduplicationId"] for message in sqs.sent}) == 3


@pytest.fixture
def fifo():
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="mint.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        yield MintQueue(url, sqs)


def test_the_minter_takes_waiting_messages_deletes_what_it_settled_and_releases_the_rest(fifo):
    queue = fifo
    for n in range(12):
        queue.enqueue(f"city-{n % 3}", f"u{n}", f"s{n}", "0x" + f"{n + 1:040x}", 10)

    taken = queue.take(12)
    assert len(taken) == 12 and {message.group.split("#")[0] for message in taken} == {"city-0", "city-1", "city-2"}
    assert queue.take(5) == []

    queue.delete(taken[:11])
    queue.release(taken[11:])

    (again,) = queue.take(5)
    assert json.loads(again.body)["submission_id"] == json.loads(taken[11].body)["submission_id"]


def test_a_submission_always_has_the_same_group_and_a_tenant_has_a_few():
    groups = {mint_group("lahore", f"submission-{n}") for n in range(500)}

    assert mint_group("lahore", "submission-1") == mint_group("lahore", "submission-1")
    assert len(groups) == MINT_GROUPS_PER_TENANT and all(group.startswith("lahore#") for group in groups)
