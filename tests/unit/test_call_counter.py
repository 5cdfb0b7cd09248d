"""The worker's call counter: every DynamoDB call is counted, and calls in flight together are one round trip, so
that reads sent at once (``ecopulse.store.at_once``) show as the single wait they are."""

import threading

import pytest
from botocore import handlers
from moto import mock_aws
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from ecopulse.store.at_once import read_at_once
from ecopulse_local.calls import CallLog, _Counter

BANDS = 4


class Entry(Model):
    class Meta:
        table_name = "call-counter-test"
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


def in_flight_together(parties: int):
    """A botocore handler that lets no Query go out until ``parties`` of them are in flight."""
    barrier = threading.Barrier(parties, timeout=10)

    def wait(**_: object) -> None:
        barrier.wait()

    return wait


@pytest.fixture
def counter(monkeypatch):
    """A counter hooked into the sessions made during the test only, and a table in moto to call."""
    monkeypatch.setattr(handlers, "BUILTIN_HANDLERS", list(handlers.BUILTIN_HANDLERS))
    counting = _Counter()
    counting.install()
    with mock_aws():
        Entry._connection = None
        Entry.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
        for band in range(BANDS):
            Entry(f"band-{band}", "photo").save()
        counting.reset()
        yield counting
    Entry._connection = None


def test_queries_read_at_once_are_one_round_trip_of_four_calls(counter, monkeypatch):
    handlers.BUILTIN_HANDLERS.insert(0, ("before-send.dynamodb.Query", in_flight_together(BANDS)))
    Entry._connection = None
    reads = [lambda band=band: [item.pk for item in Entry.query(f"band-{band}")] for band in range(BANDS)]
    assert read_at_once(Entry, reads) == [[f"band-{band}"] for band in range(BANDS)]
    counted = counter.report(0.0)
    assert counted["dynamodb"] == {"Query": BANDS}
    assert counted["dynamodb_round_trips"] == 1


def test_calls_one_after_another_are_a_round_trip_each(counter):
    for band in range(BANDS):
        list(Entry.query(f"band-{band}"))
    Entry.get("band-0", "photo")
    counted = counter.report(0.0)
    assert counted["dynamodb"] == {"Query": BANDS, "GetItem": 1}
    assert counted["dynamodb_round_trips"] == BANDS + 1


def record(function: str) -> dict:
    return {"function": function}


def test_a_reader_waiting_for_the_next_invocations_wakes_when_one_ends():
    log = CallLog()
    log.add(record("VerifyUploadFunction"))  # type: ignore[arg-type]  # only the function matters here
    seen, _ = log.after(None, 0)
    ended = threading.Timer(0.2, lambda: log.add(record("MintFunction")))  # type: ignore[arg-type]
    ended.start()
    count, records = log.after(seen, 10)
    ended.join()
    assert (count, [found["function"] for found in records]) == (2, ["MintFunction"])


def test_a_reader_gets_nothing_new_when_no_invocation_ends_in_time_and_counts_survive_forgetting():
    log = CallLog()
    log.add(record("MintFunction"))  # type: ignore[arg-type]
    log.clear()
    assert log.after(None, 0) == (1, [])
    assert log.after(1, 0.05) == (1, [])
