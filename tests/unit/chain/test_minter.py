"""The minter's state machine against in-memory ports: batching, replacement, outages and idempotency."""

import uuid

import pytest

from ecopulse.chain.claims import Claim, ClaimState, Fees
from ecopulse.chain.minter import Minter, MinterSettings, bumped_fees
from ecopulse.chain.outcome import MintOutcome
from ecopulse.chain.ports import ChainUnavailable, StaleClaim
from tests.unit.chain.fakes import FakeChain, FakeClock, MemoryClaimStore

SETTINGS = MinterSettings(max_batch=20, receipt_timeout=5.0, poll_interval=0.5, max_replacements=3)


def wallet(index: int) -> str:
    return "0x" + f"{index + 1:040x}"


def claims(count: int, start: int = 0) -> list[Claim]:
    return [Claim.new(str(uuid.UUID(int=start + i + 1)), "lahore", wallet(start + i), i + 1) for i in range(count)]


@pytest.fixture
def chain() -> FakeChain:
    return FakeChain()


@pytest.fixture
def store() -> MemoryClaimStore:
    return MemoryClaimStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def minter(chain, store, clock) -> Minter:
    return Minter(chain, store, SETTINGS, clock=clock, sleep=clock.sleep)


def stored(store: MemoryClaimStore, claim: Claim) -> Claim:
    return store.load(claim.tenant, claim.submission_id)


def paid(chain: FakeChain, batch: list[Claim]) -> bool:
    return all(chain.balances.get(claim.wallet) == claim.amount for claim in batch)


def test_claims_are_paid_in_batches_with_consecutive_nonces(chain, store, minter):
    batch = claims(45)

    result = minter.mint(batch)

    assert [len(chain._calls[tx.tx_hash]) for tx in chain.sent] == [20, 20, 5]
    assert [tx.nonce for tx in chain.sent] == [0, 1, 2]
    assert all(claim.state is ClaimState.CONFIRMED and claim.outcome is MintOutcome.MINTED for claim in result)
    assert [claim.claim_id for claim in result] == [claim.claim_id for claim in batch]
    assert paid(chain, batch)
    assert stored(store, batch[0]) == result[0]


def test_submitted_nonce_and_hash_are_stored_before_the_transaction_is_broadcast(chain, store, minter):
    batch = claims(3)
    seen_at_send = []

    def look_at_the_store(tx):
        seen_at_send.append({(c.state, c.nonce, c.tx_hash) for c in (stored(store, claim) for claim in batch)})

    chain.before_send = look_at_the_store

    minter.mint(batch)

    (tx,) = chain.sent
    assert seen_at_send == [{(ClaimState.SUBMITTED, tx.nonce, tx.tx_hash)}]


def test_a_stuck_transaction_is_replaced_with_the_same_nonce_and_ten_percent_higher_fees(chain, store, minter, clock):
    chain.inclusion_fee = 105  # the network now wants more than the suggestion of 100
    batch = claims(2)

    result = minter.mint(batch)

    stuck, replacement = chain.sent
    assert replacement.nonce == stuck.nonce
    assert replacement.fees == Fees(max_fee_per_gas=110, max_priority_fee_per_gas=11)
    assert replacement.gas_limit == stuck.gas_limit
    assert clock.now >= SETTINGS.receipt_timeout
    assert [claim.state for claim in result] == [ClaimState.CONFIRMED] * 2
    assert {claim.mined_in for claim in result} == {replacement.tx_hash}
    assert result[0].tx_hashes == (stuck.tx_hash, replacement.tx_hash)
    assert stuck.tx_hash not in chain.receipts
    assert paid(chain, batch)


def test_when_the_original_is_mined_before_its_replacement_the_original_pays(chain, store, minter):
    chain.inclusion_fee = 105
    batch = claims(2)

    def network_catches_up(tx):
        if chain.sent:
            chain.inclusion_fee = 0
            chain.mine()

    chain.before_send = network_catches_up

    result = minter.mint(batch)

    (original,) = chain.sent
    assert {claim.mined_in for claim in result} == {original.tx_hash}
    assert len(result[0].tx_hashes) == 2
    assert {claim.outcome for claim in result} == {MintOutcome.MINTED}
    assert paid(chain, batch)


def test_replacements_are_bounded_and_leave_the_claims_in_flight(chain, store, minter):
    chain.inclusion_fee = 10**9
    batch = claims(2)

    result = minter.mint(batch)

    assert len(chain.sent) == 1 + SETTINGS.max_replacements
    assert {tx.nonce for tx in chain.sent} == {0}
    for earlier, later in zip(chain.sent, chain.sent[1:], strict=False):
        assert later.fees.covers_bump_of(earlier.fees)
    assert [claim.state for claim in result] == [ClaimState.SUBMITTED] * 2
    assert result[0].tx_hashes == tuple(tx.tx_hash for tx in chain.sent)
    assert chain.balances == {}


def test_node_down_before_sending_raises_and_leaves_claims_pending(chain, store, minter):
    batch = claims(3)
    chain.down = True

    with pytest.raises(ChainUnavailable):
        minter.mint(batch)

    assert [stored(store, claim).state for claim in batch] == [ClaimState.PENDING] * 3
    chain.down = False
    assert {claim.state for claim in minter.mint(batch)} == {ClaimState.CONFIRMED}
    assert len(chain.sent) == 1
    assert paid(chain, batch)


def test_node_down_while_waiting_keeps_the_transaction_and_resumes_without_resending(chain, store, minter):
    batch = claims(3)
    chain.down_after = "send"

    with pytest.raises(ChainUnavailable):
        minter.mint(batch)

    (tx,) = chain.sent
    recorded = [stored(store, claim) for claim in batch]
    assert {(claim.state, claim.nonce, claim.tx_hash) for claim in recorded} == {(ClaimState.SUBMITTED, 0, tx.tx_hash)}
    chain.down, chain.down_after = False, None
    result = minter.mint(batch)
    assert {(claim.state, claim.outcome, claim.mined_in) for claim in result} == {
        (ClaimState.CONFIRMED, MintOutcome.MINTED, tx.tx_hash)
    }
    assert len(chain.sent) == 1
    assert paid(chain, batch)


def test_node_down_during_broadcast_is_recovered_by_sending_again_at_the_same_nonce(chain, store, minter):
    batch = claims(2)
    chain.down_after = "sign_batch"

    with pytest.raises(ChainUnavailable):
        minter.mint(batch)

    assert chain.sent == []
    recorded = stored(store, batch[0])
    assert (recorded.state, recorded.nonce) == (ClaimState.SUBMITTED, 0)
    chain.down, chain.down_after = False, None
    result = minter.mint(batch)
    (tx,) = chain.sent
    assert tx.nonce == 0
    assert {claim.mined_in for claim in result} == {tx.tx_hash}
    assert paid(chain, batch)


def test_claims_already_confirmed_are_not_sent_again(chain, store, minter):
    batch = claims(5)
    first = minter.mint(batch)

    again = minter.mint(batch)

    assert again == first
    assert len(chain.sent) == 1
    assert paid(chain, batch)


def test_claims_already_claimed_on_chain_are_treated_as_paid_and_not_paid_twice(chain, minter):
    batch = claims(4)
    for claim in batch[:2]:
        chain.claimed.add(claim.claim_id)
        chain.balances[claim.wallet] = claim.amount

    result = minter.mint(batch)

    assert [claim.outcome for claim in result] == [MintOutcome.ALREADY_MINTED] * 2 + [MintOutcome.MINTED] * 2
    assert {claim.state for claim in result} == {ClaimState.CONFIRMED}
    assert paid(chain, batch)


def test_a_call_that_would_revert_fails_the_claims_without_using_a_nonce(chain, minter):
    chain.revert_estimate = "EnforcedPause()"

    result = minter.mint(claims(2))

    assert [(claim.state, claim.failure) for claim in result] == [
        (ClaimState.FAILED, "mintForClaims would revert: EnforcedPause()")
    ] * 2
    assert chain.sent == []
    assert chain.pending_nonce() == 0


def test_a_transaction_reverted_on_chain_fails_its_claims_until_reopened(chain, store, minter):
    batch = claims(2)
    chain.revert_on_chain = True

    failed = minter.mint(batch)

    assert {claim.state for claim in failed} == {ClaimState.FAILED}
    assert minter.mint(batch) == failed
    chain.revert_on_chain = False
    for claim in failed:
        store.save(claim.reopened())
    assert {claim.outcome for claim in minter.mint(batch)} == {MintOutcome.MINTED}
    assert paid(chain, batch)


def test_a_nonce_taken_by_another_sender_requeues_the_claims_and_pays_them_once(chain, store, minter):
    batch = claims(3)
    chain.before_send = lambda tx: chain.take_nonce() if len(chain.sent) == 0 and tx.nonce == 0 else None

    result = minter.mint(batch)

    assert [tx.nonce for tx in chain.sent] == [1]
    assert {(claim.state, claim.outcome, claim.nonce) for claim in result} == {
        (ClaimState.CONFIRMED, MintOutcome.MINTED, 1)
    }
    assert ClaimState.PENDING in {write.state for write in store.writes}
    assert paid(chain, batch)


def test_claims_paid_by_the_transaction_that_took_their_nonce_count_as_paid(chain, store, minter):
    batch = claims(2)
    chain.before_send = lambda tx: chain.take_nonce(pays=batch) if not chain.sent else None

    result = minter.mint(batch)

    assert chain.sent == []
    assert {(claim.state, claim.outcome) for claim in result} == {(ClaimState.CONFIRMED, MintOutcome.ALREADY_MINTED)}
    assert paid(chain, batch)


def test_repeats_and_redeliveries_cannot_change_a_payout(chain, store, minter):
    (claim,) = claims(1)
    store.add(claim)
    redelivered = Claim.new(claim.submission_id, "lahore", wallet(99), 1000)

    result = minter.mint([redelivered, claim, redelivered])

    assert len(result) == 1
    assert chain.balances == {claim.wallet: claim.amount}


def test_a_second_writer_stops_the_minter(chain, store, minter):
    batch = claims(1)
    chain.before_send = lambda tx: store.claims.update(
        {batch[0].claim_id: store.claims[batch[0].claim_id].submitted(0, "0xother", Fees(200, 20), 1)}
    )
    chain.inclusion_fee = 10**9

    with pytest.raises(StaleClaim):
        minter.mint(batch)


@pytest.mark.parametrize(
    ("previous", "suggested", "expected"),
    [
        (Fees(100, 10), Fees(50, 5), Fees(110, 11)),
        (Fees(101, 11), Fees(50, 5), Fees(112, 13)),
        (Fees(100, 10), Fees(300, 30), Fees(300, 30)),
        (Fees(100, 0), Fees(50, 0), Fees(110, 0)),
    ],
)
def test_bumped_fees_beat_the_stuck_transaction_by_ten_percent_and_follow_the_network(previous, suggested, expected):
    bumped = bumped_fees(previous, suggested)

    assert bumped == expected
    assert bumped.covers_bump_of(previous)


def test_settings_refuse_a_bump_nodes_would_reject():
    with pytest.raises(ValueError):
        MinterSettings(fee_bump_percent=5)


def test_no_batch_is_sent_when_its_receipt_wait_would_outlast_the_time_left(chain, store, minter, clock):
    batch = claims(2)

    result = minter.mint(batch, until=clock.now + SETTINGS.receipt_timeout - 0.1)

    assert chain.sent == []
    assert [claim.state for claim in result] == [ClaimState.PENDING] * 2
    assert clock.now == 0
    minter.mint(batch, until=clock.now + SETTINGS.receipt_timeout)
    assert paid(chain, batch)


def test_a_wait_stops_before_the_time_left_runs_out_and_the_next_call_settles_it(chain, store, minter, clock):
    chain.inclusion_fee = 105
    batch = claims(2)
    minter.mint(batch, until=SETTINGS.receipt_timeout)
    until = clock.now + 2 * SETTINGS.poll_interval

    result = minter.mint(batch, until=until)

    (stuck,) = chain.sent
    assert clock.now <= until
    assert [claim.state for claim in result] == [ClaimState.SUBMITTED] * 2
    chain.inclusion_fee = 0
    chain.mine()
    settled = minter.mint(batch, until=clock.now + SETTINGS.receipt_timeout)
    assert {claim.mined_in for claim in settled} == {stuck.tx_hash}
    assert paid(chain, batch)


def test_no_replacement_is_sent_when_its_wait_would_not_fit(chain, store, minter, clock):
    chain.inclusion_fee = 105
    batch = claims(2)

    minter.mint(batch, until=1.5 * SETTINGS.receipt_timeout)

    assert len(chain.sent) == 1
    assert clock.now <= 1.5 * SETTINGS.receipt_timeout


def test_a_batch_over_the_mint_cap_waits_pending_and_is_paid_once_the_cap_allows(chain, store, minter):
    batch = claims(3)
    total = sum(claim.amount for claim in batch)
    chain.mint_allowance = total - 1

    held = minter.mint(batch)

    assert chain.sent == []
    assert [claim.state for claim in held] == [ClaimState.PENDING] * 3
    chain.mint_allowance = total
    assert {claim.outcome for claim in minter.mint(batch)} == {MintOutcome.MINTED}
    assert paid(chain, batch)


def test_a_batch_estimated_above_the_gas_cap_is_cut_until_it_fits(chain, store, clock):
    """The fake estimates 60,000 gas a claim: a cap of 400,000 lets at most 6 of a batch of 20 go together."""
    capped = Minter(chain, store, MinterSettings(max_batch=20, gas_cap=400_000), clock=clock, sleep=clock.sleep)

    result = capped.mint(claims(20))

    assert [len(chain._calls[tx.tx_hash]) for tx in chain.sent] == [6, 6, 6, 2]
    assert all(tx.gas_limit <= 400_000 for tx in chain.sent)
    assert all(claim.state is ClaimState.CONFIRMED for claim in result)


def test_a_single_claim_above_the_gas_cap_is_still_sent(chain, store, clock):
    capped = Minter(chain, store, MinterSettings(gas_cap=50_000), clock=clock, sleep=clock.sleep)

    (result,) = capped.mint(claims(1))

    assert result.state is ClaimState.CONFIRMED
