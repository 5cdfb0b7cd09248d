import uuid

from ecopulse.chain.claims import claim_id
from ecopulse.reconcile import reconcile
from ecopulse.rewards import LedgerLine


def line(state: str, submission_id: str | None = None) -> LedgerLine:
    return LedgerLine("lahore", "alice", submission_id or str(uuid.uuid4()), 10, state, None)


def test_every_difference_between_ledger_and_chain_is_reported():
    paid, in_flight, lost, unrecorded, waiting = (
        line("paid"),
        line("paid"),
        line("paid"),
        line("pending"),
        line("pending"),
    )
    claimed = {claim_id(x.submission_id) for x in (paid, unrecorded)} | {claim_id(in_flight.submission_id)}
    result = reconcile([paid, lost, unrecorded, waiting, line("paid", "not-a-uuid")], lambda cid: cid in claimed)
    assert result.checked == 5 and result.paid_and_claimed == 1
    assert result.paid_not_on_chain == [lost]
    assert result.on_chain_not_recorded == [unrecorded]
    assert result.unpaid == [waiting]
    assert [x.submission_id for x in result.invalid] == ["not-a-uuid"]
    assert (result.differences, result.consistent) == (3, False)
    assert result.to_dict()["paid_not_on_chain"] == [lost.submission_id]


def test_a_ledger_that_matches_the_chain_is_consistent():
    paid, waiting = line("paid"), line("mint_failed")
    result = reconcile([paid, waiting], lambda cid: cid == claim_id(paid.submission_id))
    assert result.consistent and result.unpaid == [waiting]
    assert result.to_dict() | {"unpaid": []} == {
        "checked": 2, "paid_and_claimed": 1, "unpaid": [], "paid_not_on_chain": [], "on_chain_not_recorded": [],
        "invalid": [], "differences": 0, "consistent": True,
    }  # fmt: skip
