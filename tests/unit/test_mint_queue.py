"""The mint queue's message groups: one per tenant, so that no tenant's claims wait behind another's."""

from typing import Any

from ecopulse.mint_queue import MintQueue


class RecordingSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **message: Any) -> None:
        self.sent.append(message)


def test_each_tenant_has_a_message_group_of_its_own():
    sqs = RecordingSqs()
    queue = MintQueue("https://sqs.local/mint.fifo", sqs)

    queue.enqueue("lahore", "u1", "s1", "0x" + "1" * 40, 10)
    queue.enqueue("karachi", "u2", "s2", "0x" + "2" * 40, 10)
    queue.enqueue("lahore", "u3", "s3", "0x" + "3" * 40, 10)

    assert [message["MessageGroupId"] for message in sqs.sent] == ["lahore", "karachi", "lahore"]
    assert len({message["MessageDeduplicationId"] for message in sqs.sent}) == 3
