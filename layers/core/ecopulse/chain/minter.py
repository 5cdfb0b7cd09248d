"""The single writer that pays claims: one key, one open nonce at a time, every step stored before it is risked.

Concurrent senders sharing a key read the same nonce and knock each other's transactions out. One writer
avoids that, and recording ``submitted (nonce, hash)`` before broadcasting means a crash or an outage at
any point leaves a claim either pending or pointing at every transaction that could still pay it. The
contract's ``claimed`` mapping makes any resend harmless, so recovery may always err towards sending again.
"""

import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass

from ecopulse.chain.claims import MAX_BATCH_SIZE, MIN_FEE_BUMP_PERCENT, Claim, ClaimState, Fees, batches
from ecopulse.chain.outcome import MintOutcome
from ecopulse.chain.ports import (
    Chain,
    ClaimStore,
    MintCapReached,
    NonceTooLow,
    Receipt,
    TransactionRejected,
    TransactionReverted,
)


@dataclass(frozen=True)
class MinterSettings:
    max_batch: int = 50
    receipt_timeout: float = 30.0
    """How long a transaction may stay without a final receipt before it is replaced."""
    poll_interval: float = 1.0
    max_replacements: int = 3
    fee_bump_percent: int = MIN_FEE_BUMP_PERCENT
    max_requeues: int = 2
    """How often one call sends claims again after another sender took their nonce, before giving up."""
    gas_cap: int | None = None
    """The most gas one transaction may be estimated at (a share of the block's gas limit): a batch above it is
    cut to the share of its claims that fits (then again, as gas per claim is not quite linear), so a batch never
    waits for a block with room for all of it."""

    def __post_init__(self) -> None:
        if not 1 <= self.max_batch <= MAX_BATCH_SIZE:
            raise ValueError(f"max_batch must be between 1 and {MAX_BATCH_SIZE}")
        if self.fee_bump_percent < MIN_FEE_BUMP_PERCENT:
            raise ValueError(f"nodes refuse replacements bumped by less than {MIN_FEE_BUMP_PERCENT}%")


def bumped_fees(previous: Fees, suggested: Fees, percent: int = MIN_FEE_BUMP_PERCENT) -> Fees:
    """Both caps at least ``percent`` above the stuck transaction's, and never below what the network asks now."""
    priority = max(_raised(previous.max_priority_fee_per_gas, percent), suggested.max_priority_fee_per_gas)
    max_fee = max(_raised(previous.max_fee_per_gas, percent), suggested.max_fee_per_gas, priority)
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)


def _raised(value: int, percent: int) -> int:
    return -(-value * (100 + percent) // 100)


class Minter:
    def __init__(
        self,
        chain: Chain,
        store: ClaimStore,
        settings: MinterSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._chain = chain
        self._store = store
        self._settings = settings or MinterSettings()
        self._clock = clock
        self._sleep = sleep

    def mint(self, claims: Iterable[Claim], until: float | None = None) -> list[Claim]:
        """Pays each claim at most once; returns every claim in its latest stored state, in the order given.

        ``until`` (on the minter's clock) is when the caller must have its answer, such as a Lambda's end less
        what it needs afterwards: no transaction is sent unless a whole receipt wait fits before it, and no wait
        runs past it. What was not settled by then is returned pending or submitted, as after any interruption.
        A batch the contract's mint cap refuses stays pending for a later period.

        The stored claim wins over the one passed in, so a redelivered request cannot change a payout.
        Claims left submitted by an earlier run are settled first: their nonce is the oldest, and nothing
        sent later could be mined before it. A claim still ``submitted`` (in flight) or ``pending`` (its nonce
        kept being taken) on return is not paid yet: call again later. ChainUnavailable propagates with every
        claim stored as pending or submitted, and so does a first send the node refuses (TransactionRejected:
        say, no funds for gas); the next call resumes.
        """
        first_seen: dict[bytes, Claim] = {}
        for claim in claims:
            first_seen.setdefault(claim.claim_id, claim)
        latest = {claim.claim_id: self._store.add(claim) for claim in first_seen.values()}
        requeues = 0
        while requeues <= self._settings.max_requeues:
            in_flight = [claim for claim in latest.values() if claim.state is ClaimState.SUBMITTED]
            if in_flight:
                settled = self._settle(_by_nonce(in_flight)[0], until)
                latest.update((claim.claim_id, claim) for claim in settled)
                if any(claim.state is ClaimState.SUBMITTED for claim in settled):
                    break  # a nonce still open holds back every later one: sending more would queue behind it
                requeues += any(claim.state is ClaimState.PENDING for claim in settled)
                continue
            pending = [claim for claim in latest.values() if claim.state is ClaimState.PENDING]
            if not pending or not self._wait_fits(until):
                break
            try:
                submitted = self._submit(batches(pending, self._settings.max_batch)[0])
            except MintCapReached:
                break
            latest.update((claim.claim_id, claim) for claim in submitted)
        return [latest[claim_id] for claim_id in first_seen]

    def _wait_fits(self, until: float | None) -> bool:
        """Whether a transaction sent now could be waited for in full before ``until``."""
        return until is None or self._clock() + self._settings.receipt_timeout <= until

    def _submit(self, batch: list[Claim]) -> list[Claim]:
        nonce = self._chain.pending_nonce()
        fees = self._chain.suggest_fees()
        try:
            signed = self._chain.sign_batch(batch, nonce, fees)
            cap = self._settings.gas_cap
            while cap is not None and signed.gas_limit > cap and len(batch) > 1:
                batch = batch[: max(1, min(len(batch) - 1, len(batch) * cap // signed.gas_limit))]
                signed = self._chain.sign_batch(batch, nonce, fees)
        except TransactionReverted as reverted:
            return self._save(claim.failed(f"mintForClaims would revert: {reverted}") for claim in batch)
        submitted = self._save(claim.submitted(nonce, signed.tx_hash, fees, signed.gas_limit) for claim in batch)
        # On NonceTooLow, settling finds the nonce taken by another transaction and requeues the claims.
        with suppress(NonceTooLow):
            self._chain.send(signed)
        return submitted

    def _settle(self, group: list[Claim], until: float | None) -> list[Claim]:
        """Waits for the group's transaction to be final, replacing it while it stays stuck, never past ``until``."""
        nonce = group[0].sent_nonce
        deadline = self._clock() + self._settings.receipt_timeout
        replacements = 0
        while True:
            # The nonce is read before the receipts: if it is taken and none of ours was mined by then,
            # the transaction that took it is not one of ours.
            taken = self._chain.final_nonce() > nonce
            receipt = self._first_receipt(group)
            if receipt:
                return self._conclude(group, receipt)
            if taken:
                return self._orphaned(group)
            if self._clock() >= deadline:
                if replacements >= self._settings.max_replacements or not self._wait_fits(until):
                    return group
                group = self._replace(group)
                replacements += 1
                deadline = self._clock() + self._settings.receipt_timeout
                continue
            if until is not None and self._clock() + self._settings.poll_interval > until:
                return group
            self._sleep(self._settings.poll_interval)

    def _first_receipt(self, group: list[Claim]) -> Receipt | None:
        hashes = dict.fromkeys(tx_hash for claim in group for tx_hash in reversed(claim.tx_hashes))
        for tx_hash in hashes:
            receipt = self._chain.receipt(tx_hash)
            if receipt:
                return receipt
        return None

    def _replace(self, group: list[Claim]) -> list[Claim]:
        """Same nonce, same call and gas limit, higher fees: whichever version is mined pays the claims once."""
        nonce = group[0].sent_nonce
        previous = Fees(
            max(claim.sent_fees.max_fee_per_gas for claim in group),
            max(claim.sent_fees.max_priority_fee_per_gas for claim in group),
        )
        fees = bumped_fees(previous, self._chain.suggest_fees(), self._settings.fee_bump_percent)
        signed = self._chain.sign_batch(group, nonce, fees, gas_limit=group[0].sent_gas_limit)
        replaced = self._save(claim.submitted(nonce, signed.tx_hash, fees, signed.gas_limit) for claim in group)
        # A refusal means an earlier version is still in the pool or already mined; the next look tells which.
        with suppress(NonceTooLow, TransactionRejected):
            self._chain.send(signed)
        return replaced

    def _conclude(self, group: list[Claim], receipt: Receipt) -> list[Claim]:
        def outcome(claim: Claim) -> Claim:
            if receipt.status != 1:
                return claim.failed(f"transaction {receipt.tx_hash} reverted", receipt.block_number)
            if claim.claim_id in receipt.minted:
                return claim.confirmed(MintOutcome.MINTED, receipt.tx_hash, receipt.block_number)
            if claim.claim_id in receipt.skipped:
                return claim.confirmed(MintOutcome.ALREADY_MINTED, receipt.tx_hash, receipt.block_number)
            return claim.failed(f"transaction {receipt.tx_hash} has no event for the claim", receipt.block_number)

        return self._save(outcome(claim) for claim in group)

    def _orphaned(self, group: list[Claim]) -> list[Claim]:
        """The nonce went to a transaction that is not ours, so ours can never be mined: ask the contract."""
        return self._save(
            claim.confirmed(MintOutcome.ALREADY_MINTED, None, None)
            if self._chain.is_claimed(claim.claim_id)
            else claim.requeued()
            for claim in group
        )

    def _save(self, claims: Iterable[Claim]) -> list[Claim]:
        saved = []
        for claim in claims:
            self._store.save(claim)
            saved.append(claim)
        return saved


def _by_nonce(claims: list[Claim]) -> list[list[Claim]]:
    groups: dict[int, list[Claim]] = {}
    for claim in claims:
        groups.setdefault(claim.sent_nonce, []).append(claim)
    return [groups[nonce] for nonce in sorted(groups)]
