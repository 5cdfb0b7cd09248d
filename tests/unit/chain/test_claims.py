"""Claim rules: the id the contract expects, exact wei amounts, batching, and the claim's life."""

import uuid
from decimal import Decimal

import pytest
from web3 import Web3

from ecopulse.chain.claims import (
    MAX_BATCH_SIZE,
    Claim,
    ClaimState,
    Fees,
    InvalidClaim,
    InvalidClaimTransition,
    batches,
    claim_id,
    to_wei,
)
from ecopulse.chain.outcome import MintOutcome

NATSPEC_EXAMPLE = "0b9f4c2e-7a1d-4e3b-9c55-2f0e6d8a1b47"
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def new_claim(index: int = 0, tokens: int = 1) -> Claim:
    return Claim.new(str(uuid.UUID(int=index + 1)), "lahore", WALLET, tokens)


@pytest.mark.parametrize("submission", [NATSPEC_EXAMPLE, *(str(uuid.uuid4()) for _ in range(3))])
def test_claim_id_is_keccak_of_the_uuid_string_as_the_contract_documents(submission):
    assert claim_id(submission) == Web3.keccak(text=submission)


@pytest.mark.parametrize(
    "spelling",
    [NATSPEC_EXAMPLE.upper(), NATSPEC_EXAMPLE.replace("-", ""), "{" + NATSPEC_EXAMPLE + "}"],
)
def test_other_spellings_of_the_same_uuid_give_the_same_claim(spelling):
    claim = Claim.new(spelling, "lahore", WALLET, 1)

    assert claim.claim_id == Web3.keccak(text=NATSPEC_EXAMPLE)
    assert claim.submission_id == NATSPEC_EXAMPLE


@pytest.mark.parametrize("submission", ["sub-0001-demo", "", "0b9f4c2e-7a1d-4e3b-9c55"])
def test_a_submission_id_that_is_not_a_uuid_has_no_claim(submission):
    with pytest.raises(InvalidClaim):
        claim_id(submission)


@pytest.mark.parametrize(
    ("tokens", "wei"),
    [
        (1, 10**18),
        ("2.5", 25 * 10**17),
        (Decimal("0.1"), 10**17),
        ("0.000000000000000001", 1),
        ("1000000", 10**24),
    ],
)
def test_token_units_become_exact_wei(tokens, wei):
    assert to_wei(tokens) == wei


@pytest.mark.parametrize("tokens", [0.1, True, 0, "-1", "0.0000000000000000001", "ten", "NaN"])
def test_amounts_that_cannot_be_paid_exactly_are_refused(tokens):
    with pytest.raises(InvalidClaim):
        to_wei(tokens)


def test_wallet_is_checksummed_and_must_be_a_real_recipient():
    assert Claim.new(NATSPEC_EXAMPLE, "lahore", WALLET.lower(), 1).wallet == WALLET
    for wallet in ("0x" + "00" * 20, "0x1234", "alice"):
        with pytest.raises(InvalidClaim):
            Claim.new(NATSPEC_EXAMPLE, "lahore", wallet, 1)


def test_batches_keep_order_drop_repeats_and_respect_the_size():
    claims = [new_claim(i) for i in range(45)]

    split = batches([*claims, claims[3], claims[44]], 20)

    assert [len(batch) for batch in split] == [20, 20, 5]
    assert [claim for batch in split for claim in batch] == claims


@pytest.mark.parametrize("size", [0, MAX_BATCH_SIZE + 1])
def test_batch_size_is_bounded(size):
    with pytest.raises(ValueError):
        batches([new_claim()], size)


def test_a_claim_goes_pending_submitted_replaced_confirmed():
    claim = new_claim()
    first = claim.submitted(7, "0xaa", Fees(100, 10), 80_000)
    replaced = first.submitted(7, "0xbb", Fees(110, 11), 80_000)
    confirmed = replaced.confirmed(MintOutcome.MINTED, "0xbb", 12)

    assert [c.state for c in (claim, first, replaced, confirmed)] == [
        ClaimState.PENDING,
        ClaimState.SUBMITTED,
        ClaimState.SUBMITTED,
        ClaimState.CONFIRMED,
    ]
    assert [c.version for c in (claim, first, replaced, confirmed)] == [0, 1, 2, 3]
    assert (replaced.nonce, replaced.tx_hashes, replaced.tx_hash) == (7, ("0xaa", "0xbb"), "0xbb")
    assert (confirmed.outcome, confirmed.mined_in, confirmed.block_number) == (MintOutcome.MINTED, "0xbb", 12)


def test_a_replacement_keeps_the_nonce_and_raises_both_fees_by_ten_percent():
    submitted = new_claim().submitted(7, "0xaa", Fees(100, 10), 80_000)

    with pytest.raises(InvalidClaimTransition, match="nonce"):
        submitted.submitted(8, "0xbb", Fees(200, 20), 80_000)
    with pytest.raises(InvalidClaimTransition, match="10%"):
        submitted.submitted(7, "0xbb", Fees(200, 10), 80_000)
    with pytest.raises(InvalidClaimTransition, match="10%"):
        submitted.submitted(7, "0xbb", Fees(109, 11), 80_000)


def test_transitions_out_of_order_are_refused():
    claim = new_claim()

    with pytest.raises(InvalidClaimTransition):
        claim.confirmed(MintOutcome.MINTED, "0xaa", 1)
    with pytest.raises(InvalidClaimTransition):
        claim.requeued()
    confirmed = claim.submitted(1, "0xaa", Fees(100, 10), 1).confirmed(MintOutcome.MINTED, "0xaa", 1)
    for change in (confirmed.requeued, lambda: confirmed.failed("late"), confirmed.reopened):
        with pytest.raises(InvalidClaimTransition):
            change()


def test_a_failed_claim_can_be_reopened_and_a_requeued_one_forgets_its_transaction():
    failed = new_claim().submitted(3, "0xaa", Fees(100, 10), 1).failed("reverted", 9)
    reopened = failed.reopened()
    requeued = reopened.submitted(4, "0xbb", Fees(100, 10), 1).requeued()

    assert (failed.state, failed.failure) == (ClaimState.FAILED, "reverted")
    assert (reopened.state, reopened.failure, reopened.nonce) == (ClaimState.PENDING, None, None)
    assert (requeued.state, requeued.nonce, requeued.tx_hashes, requeued.fees) == (
        ClaimState.PENDING,
        None,
        (),
        None,
    )


def test_fee_caps_must_be_consistent():
    with pytest.raises(ValueError):
        Fees(max_fee_per_gas=10, max_priority_fee_per_gas=11)
