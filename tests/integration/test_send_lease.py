"""The minter key's send lease on the table: one holder at a time, renewable by its holder, free once released
or expired."""

import time
import uuid

from ecopulse.store.send_lease import DynamoDBSendLease


def an_address() -> str:
    return "0x" + uuid.uuid4().hex + "00000000"


def test_a_held_lease_is_refused_to_another_owner_until_its_holder_releases_it(app_table):
    lease = DynamoDBSendLease(an_address())
    later = time.time() + 60

    assert lease.acquire("first", later)
    assert not lease.acquire("second", later)
    assert lease.acquire("first", later + 10)

    lease.release("first")
    assert lease.acquire("second", later)


def test_an_expired_lease_goes_to_the_next_owner(app_table):
    lease = DynamoDBSendLease(an_address())

    assert lease.acquire("crashed", time.time() - 1)
    assert lease.acquire("next", time.time() + 60)


def test_releasing_a_lease_one_does_not_hold_leaves_it_held(app_table):
    lease = DynamoDBSendLease(an_address())
    assert lease.acquire("holder", time.time() + 60)

    lease.release("someone else")

    assert not lease.acquire("someone else", time.time() + 60)


def test_each_key_has_a_lease_of_its_own(app_table):
    later = time.time() + 60

    assert DynamoDBSendLease(an_address()).acquire("first", later)
    assert DynamoDBSendLease(an_address()).acquire("second", later)
